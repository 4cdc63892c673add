package io.occams.rpc.itest;

import io.occams.rpc.api.RpcMethod;
import io.occams.rpc.api.RpcService;
import io.occams.rpc.itest.bundles.swap.api.QuotaExceeded;
import java.util.concurrent.CompletableFuture;

/**
 * The client's view of the test service {@code Swap}: the same wire contract as the server's
 * {@code VersionService}, asynchronous, so that one thread keeps many calls in flight. Both methods only
 * read, so they are marked idempotent: a call written to a server just as it stops (a runtime, bundle or
 * framework going away under load) may be sent again by the pool.
 */
@RpcService("Swap")
public interface SwapClient {
    @RpcMethod(idempotent = true)
    CompletableFuture<String> version(long n);

    @RpcMethod(idempotent = true)
    CompletableFuture<Long> check(long n) throws QuotaExceeded;
}
