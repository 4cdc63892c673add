package io.occams.rpc.stream.internal;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The server-wide bound on accepted, unanswered calls ({@code ServerConfig.maxCallsPerServer}): every
 * connection of a server counts its calls here too. A connection that reads while the total is at the
 * bound stops reading and waits in {@link #paused}; once answers bring the total down to three quarters
 * of the bound every waiting connection reads again. Overload is thus met by back-pressure on the
 * connections that bring calls in, never by refusing a call that was accepted.
 *
 * <p>Thread-safe; one per server.
 */
public final class ServerCallLimit {
    private final int max;
    private final int resumeAt;
    private final AtomicInteger total = new AtomicInteger();
    private final ConcurrentLinkedQueue<ServerConnection> paused = new ConcurrentLinkedQueue<>();

    public ServerCallLimit(int max) {
        this.max = max;
        this.resumeAt = max - max / 4;
    }

    /**
     * Calls of every connection accepted and not answered yet; during a read burst up to a few more, which
     * the reader counted ahead ({@link #acquire}).
     */
    public int total() {
        return total.get();
    }

    /** The bound. */
    public int max() {
        return max;
    }

    /**
     * Counts {@code n} calls; a reader counts ahead a few at a time and gives back what its read burst did
     * not use, so the total may be that much high for the rest of a burst, never low.
     */
    void acquire(int n) {
        total.addAndGet(n);
    }

    void release(int n) {
        int left = total.addAndGet(-n);
        if (left <= resumeAt && !paused.isEmpty()) {
            resumeAll();
        }
    }

    boolean isFull() {
        return total.get() >= max;
    }

    /** {@code c} stopped reading because the total is at the bound. */
    void paused(ServerConnection c) {
        paused.add(c);
        if (total.get() <= resumeAt) {
            resumeAll(); // answers that came meanwhile saw no one waiting
        }
    }

    void forget(ServerConnection c) {
        paused.remove(c);
    }

    private void resumeAll() {
        ServerConnection c;
        while ((c = paused.poll()) != null) {
            c.resumeFromServerLimit();
        }
    }
}
