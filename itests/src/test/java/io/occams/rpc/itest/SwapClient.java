package io.occams.rpc.itest;

import io.occams.rpc.api.RpcService;
import io.occams.rpc.itest.bundles.swap.api.QuotaExceeded;
import java.util.concurrent.CompletableFuture;

/**
 * The client's view of the test service {@code Swap}: the same wire contract as the server's
 * {@code VersionService}, asynchronous, so that one thread keeps many calls in flight.
 */
@RpcService("Swap")
public interface SwapClient {
    CompletableFuture<String> version(long n);

    CompletableFuture<Long> check(long n) throws QuotaExceeded;
}
