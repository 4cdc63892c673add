package io.occams.rpc.benchmarks.load;

import io.occams.rpc.api.RpcService;
import java.util.concurrent.CompletableFuture;

/**
 * {@code benchmarks/run idle --blocked}: a synchronous method that blocks in the server until released
 * ({@link Sync}, what the server implements), and its async view for the client ({@link HeldService}).
 */
@RpcService("HeldService")
public interface HeldService {
    CompletableFuture<Long> hold(long x);

    /** The server's side: a plain method, run off the reader, that blocks until the harness releases it. */
    @RpcService("HeldService")
    interface Sync {
        long hold(long x);
    }
}
