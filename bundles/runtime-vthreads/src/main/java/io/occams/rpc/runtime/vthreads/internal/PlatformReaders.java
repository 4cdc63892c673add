package io.occams.rpc.runtime.vthreads.internal;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * How many of a runtime's connections may read on a platform thread of their own at a time. A
 * platform thread blocked in a socket read is woken by the kernel itself: one thread switch per read,
 * as for Netty's event loop. A virtual reader is woken through the JDK's poller: a platform poller
 * thread, on Linux by default a virtual sub-poller too, then a carrier thread, two or three switches per
 * read (benchmarks/README.md, "Issue 21, virtual threads, session 7"). The first connections get the
 * platform readers; once they are taken, readers are virtual; a connection gives its slot back when
 * its reader is done. Thread-safe.
 */
public final class PlatformReaders {
    private final AtomicInteger free;

    /** At most {@code max} (at least 0) connections at a time. */
    public PlatformReaders(int max) {
        if (max < 0) {
            throw new IllegalArgumentException("max must not be negative: " + max);
        }
        this.free = new AtomicInteger(max);
    }

    /** Takes a slot when one is free; a {@code true} must be given back with {@link #give()}. */
    public boolean take() {
        for (; ; ) {
            int n = free.get();
            if (n <= 0) {
                return false;
            }
            if (free.compareAndSet(n, n - 1)) {
                return true;
            }
        }
    }

    /** Gives back a slot that {@link #take()} took. */
    public void give() {
        free.incrementAndGet();
    }
}
