package io.occams.rpc.pool.internal;

import java.util.concurrent.ThreadLocalRandom;
import java.util.random.RandomGenerator;

/**
 * Reconnect delays: a step of {@code initial}, doubling up to {@code max}, back to {@code initial} on
 * {@link #reset()}; each delay is drawn at random between half its step and the step itself ("equal
 * jitter"), so that clients that lost the same server do not all come back at the same instant, and no
 * delay exceeds {@code max}. Not thread-safe: the pool calls it under its lock.
 */
public final class Backoff {
    private final long initialMillis;
    private final long maxMillis;
    private final RandomGenerator random;
    private long stepMillis;

    public Backoff(long initialMillis, long maxMillis) {
        this(initialMillis, maxMillis, null);
    }

    /** With {@code random} for the jitter (null: the thread's own). */
    public Backoff(long initialMillis, long maxMillis, RandomGenerator random) {
        if (initialMillis <= 0 || maxMillis < initialMillis) {
            throw new IllegalArgumentException("backoff " + initialMillis + ".." + maxMillis + " ms");
        }
        this.initialMillis = initialMillis;
        this.maxMillis = maxMillis;
        this.random = random;
        this.stepMillis = initialMillis;
    }

    /** The delay to wait now, in milliseconds: in [step/2, step]; the next step is twice as long, up to the maximum. */
    public long next() {
        long step = stepMillis;
        stepMillis = Math.min(maxMillis, stepMillis * 2);
        long half = step / 2;
        RandomGenerator r = random != null ? random : ThreadLocalRandom.current();
        return half + r.nextLong(step - half + 1);
    }

    /** After a success: the next step is the initial one again. */
    public void reset() {
        stepMillis = initialMillis;
    }
}
