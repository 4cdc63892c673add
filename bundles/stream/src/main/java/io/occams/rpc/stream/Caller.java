package io.occams.rpc.stream;

import io.occams.rpc.api.intercept.CallInterceptors;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Something that carries {@link ClientTask}s to a server: one {@link ClientStream}, or a pool of them
 * (bundle {@code pool}). Remote-API proxies are built on a {@code Caller}.
 *
 * <p>{@link #submit} never blocks: a task that cannot go out now (the window is full, a connection is
 * being opened) waits in a queue. Every submitted task completes exactly once. Thread-safe.
 */
@ProviderType
public interface Caller {
    /** Sends {@code task} as soon as possible; never blocks; the task completes exactly once. */
    void submit(ClientTask task);

    /**
     * Whether a task submitted now has a chance: false once closed, or while the caller knows its
     * peer is unreachable (a failover pool then tries another).
     */
    boolean isHealthy();

    /**
     * Interceptors that every remote-API proxy over this caller runs around its calls, after the proxy's
     * own ({@code RpcClient}'s); null for none. A client pool made from Configuration Admin answers the
     * {@code CallInterceptor} services of the registry here, so that proxies made with a plain
     * {@code RpcClient} over it see them too. Read once per call: keep it a field read.
     *
     * @since 0.3
     */
    default CallInterceptors interceptors() {
        return null;
    }
}
