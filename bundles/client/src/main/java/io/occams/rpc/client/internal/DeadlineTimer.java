package io.occams.rpc.client.internal;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Fails calls whose timeout or deadline passes, to the millisecond (the connection's own sweep runs once
 * a second). Either the user's scheduler, or one of our own with a single daemon thread named
 * {@code "occams-rpc client deadlines-N"} that is started on the first timed call and ends after ten idle
 * seconds, so a client never needs closing and leaves no thread behind (an OSGi bundle can stop cleanly).
 * Cancelled timers leave the queue at once. Thread-safe.
 */
public final class DeadlineTimer {
    private static final AtomicInteger THREADS = new AtomicInteger();

    private final ScheduledExecutorService given;
    /** Created on first use; volatile for the double-checked creation. */
    private volatile ScheduledThreadPoolExecutor own;

    /** A timer on {@code given}, or on a thread of its own when {@code given} is null. */
    public DeadlineTimer(ScheduledExecutorService given) {
        this.given = given;
    }

    /** Runs {@code action} after {@code nanos}, unless the returned future is cancelled first. */
    ScheduledFuture<?> schedule(Runnable action, long nanos) {
        return executor().schedule(action, nanos, TimeUnit.NANOSECONDS);
    }

    private ScheduledExecutorService executor() {
        if (given != null) {
            return given;
        }
        ScheduledThreadPoolExecutor e = own;
        if (e == null) {
            synchronized (this) {
                e = own;
                if (e == null) {
                    ThreadFactory f = r -> {
                        Thread t = new Thread(r, "occams-rpc client deadlines-" + THREADS.incrementAndGet());
                        t.setDaemon(true);
                        return t;
                    };
                    e = new ScheduledThreadPoolExecutor(1, f);
                    e.setRemoveOnCancelPolicy(true);
                    e.setKeepAliveTime(10, TimeUnit.SECONDS);
                    e.allowCoreThreadTimeOut(true);
                    own = e;
                }
            }
        }
        return e;
    }
}
