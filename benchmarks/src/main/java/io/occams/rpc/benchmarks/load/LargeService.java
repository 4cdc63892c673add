package io.occams.rpc.benchmarks.load;

import io.occams.rpc.api.RpcService;

/** {@link LargeMessages}' contract for the remote-API path: a string and a blob (msgpack bin), each echoed. */
@RpcService("LargeService")
public interface LargeService {
    /** {@code s}, unchanged (as the example EchoService.repeat). */
    String repeat(String s);

    /** {@code b}, unchanged. */
    byte[] blob(byte[] b);
}
