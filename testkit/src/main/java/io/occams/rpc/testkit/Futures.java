package io.occams.rpc.testkit;

import io.occams.rpc.api.RpcException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A call's outcome, awaited by a test for at most a generous wait: its value, or what it failed with.
 * Waiting is on the future itself (no polling, no sleep); a future still pending after the wait fails the
 * test with the {@link TimeoutException}.
 */
public final class Futures {
    private Futures() {}

    /** The value of {@code f}, waited for up to {@code wait}; its failure is thrown as the {@link ExecutionException}. */
    public static <T> T get(CompletableFuture<T> f, Duration wait)
            throws ExecutionException, InterruptedException, TimeoutException {
        return f.get(wait.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * What {@code f} failed with (the cause), waited for up to {@code wait}.
     *
     * @throws AssertionError when {@code f} completes normally, or not within {@code wait}
     */
    public static Throwable failure(CompletableFuture<?> f, Duration wait) {
        try {
            f.get(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for the call", e);
        } catch (TimeoutException e) {
            throw new AssertionError("the call did not complete within " + wait, e);
        }
        throw new AssertionError("the call should have failed");
    }

    /**
     * What {@code f} failed with, which must be an {@link RpcException}.
     *
     * @throws AssertionError when {@code f} completes normally, not within {@code wait}, or with another failure
     */
    public static RpcException rpcFailure(CompletableFuture<?> f, Duration wait) {
        Throwable t = failure(f, wait);
        if (t instanceof RpcException e) {
            return e;
        }
        throw new AssertionError("the call should have failed with an RpcException, not " + t, t);
    }
}
