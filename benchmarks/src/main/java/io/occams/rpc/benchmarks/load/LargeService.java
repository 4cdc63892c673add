package io.occams.rpc.benchmarks.load;

import io.netty.buffer.ByteBuf;
import io.occams.rpc.api.RpcService;

/** {@link LargeMessages}' contract for the remote-API path: a string and a blob (msgpack bin), each echoed. */
@RpcService("LargeService")
public interface LargeService {
    /** {@code s}, unchanged (as the example EchoService.repeat). */
    String repeat(String s);

    /** {@code b}, unchanged. */
    byte[] blob(byte[] b);

    /** {@code b}, unchanged, as a buffer: a view of the request on the server, sent back without a copy. */
    ByteBuf buf(ByteBuf b);
}
