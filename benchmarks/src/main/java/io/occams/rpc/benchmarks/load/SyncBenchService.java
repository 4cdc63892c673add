package io.occams.rpc.benchmarks.load;

import io.occams.rpc.api.RpcService;

/**
 * The synchronous remote-API contender's contract, as the server implements it: a plain method, run off
 * the reader like any synchronous service method (no {@code @NonBlocking}).
 */
@RpcService("SyncBenchService")
public interface SyncBenchService {
    long echo(long x);
}
