package io.occams.rpc.pool.internal;

/**
 * Reconnect delays: {@code initial}, doubling up to {@code max}, back to {@code initial} on
 * {@link #reset()}. Not thread-safe: the pool calls it under its lock.
 */
public final class Backoff {
    private final long initialMillis;
    private final long maxMillis;
    private long nextMillis;

    public Backoff(long initialMillis, long maxMillis) {
        if (initialMillis <= 0 || maxMillis < initialMillis) {
            throw new IllegalArgumentException("backoff " + initialMillis + ".." + maxMillis + " ms");
        }
        this.initialMillis = initialMillis;
        this.maxMillis = maxMillis;
        this.nextMillis = initialMillis;
    }

    /** The delay to wait now, in milliseconds; the one after it is twice as long, up to the maximum. */
    public long next() {
        long d = nextMillis;
        nextMillis = Math.min(maxMillis, nextMillis * 2);
        return d;
    }

    /** After a success: the next delay is the initial one again. */
    public void reset() {
        nextMillis = initialMillis;
    }
}
