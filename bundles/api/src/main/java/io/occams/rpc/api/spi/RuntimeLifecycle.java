package io.occams.rpc.api.spi;

import java.util.concurrent.TimeUnit;
import org.osgi.annotation.versioning.ProviderType;

/**
 * How the owner of a runtime stops it in steps, the same way for every runtime that ships
 * ({@code NettyRuntime}, {@code VirtualThreadRuntime}); modelled on {@code ExecutorService}. Only the
 * owner (whoever built the runtime) calls these: a runtime shared as an OSGi service is stopped by its
 * component, never by its users. The runtime contract in {@code testkit} tests them once for all runtimes.
 *
 * @since 0.3
 */
@ProviderType
public interface RuntimeLifecycle extends AutoCloseable {
    /**
     * Starts an orderly shutdown: closes every listener and every connection (each flushes what is queued,
     * bounded by the runtime's write timeout), after which the runtime's threads stop. New connects and
     * listens fail. Does not wait (see {@link #awaitTermination}). Idempotent.
     */
    void shutdown();

    /** {@link #shutdown()}, then aborts every connection (queued writes are dropped) and stops the threads at once. Does not wait. Idempotent. */
    void shutdownNow();

    /** Whether {@link #shutdown()}, {@link #shutdownNow()} or {@link #close()} was called. */
    boolean isShutdown();

    /** Whether, after a shutdown, every listener and connection is closed and the runtime's threads stopped. */
    boolean isTerminated();

    /**
     * Waits until the runtime is terminated (after a shutdown) or the timeout passes.
     *
     * @return whether it terminated
     */
    boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException;

    /**
     * {@link #shutdown()}, a bounded wait for the connections to drain, then {@link #shutdownNow()};
     * idempotent, and keeps the caller's interrupt flag.
     */
    @Override
    void close();
}
