package io.occams.rpc.stream;

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
}
