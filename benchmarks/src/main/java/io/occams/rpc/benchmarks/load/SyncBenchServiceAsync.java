package io.occams.rpc.benchmarks.load;

import io.occams.rpc.api.RpcService;
import java.util.concurrent.CompletableFuture;

/** {@link SyncBenchService} as the load client calls it: futures, so calls pipeline on each connection. */
@RpcService("SyncBenchService")
public interface SyncBenchServiceAsync {
    CompletableFuture<Long> echo(long x);
}
