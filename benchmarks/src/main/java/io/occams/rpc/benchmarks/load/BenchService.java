package io.occams.rpc.benchmarks.load;

import io.occams.rpc.api.RpcService;
import java.util.concurrent.CompletableFuture;

/** The remote-API contender's contract: one async method, 8 bytes of payload each way (a long). */
@RpcService("BenchService")
public interface BenchService {
    CompletableFuture<Long> echo(long x);
}
