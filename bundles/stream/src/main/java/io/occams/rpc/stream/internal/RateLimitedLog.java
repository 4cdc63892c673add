package io.occams.rpc.stream.internal;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;

/**
 * A WARN log for faults of peers (garbage frames, limits, clients that do not read), which a hostile or
 * broken peer can cause thousands of times a second: the first event of a kind is logged in full,
 * one line without a stack trace; further events of the same kind within {@value #WINDOW_SECONDS} s
 * are only counted, and {@link #flush()} (called periodically, e.g. by the server's one-second sweep)
 * writes one summary line per window that counted any: {@code "<kind>: N more like this in the last 10 s"}.
 * A storm therefore costs one line at its start and one every ten seconds while it lasts.
 *
 * <p>The kind is a short constant phrase chosen by the caller (not built from peer data), so the table
 * of windows stays as small as the number of call sites. Thread-safe.
 */
public final class RateLimitedLog {
    /** The length of a window, in seconds. */
    public static final int WINDOW_SECONDS = 10;

    private static final long WINDOW_NANOS = TimeUnit.SECONDS.toNanos(WINDOW_SECONDS);

    private final Logger log;
    private final LongSupplier clock;
    private final ConcurrentHashMap<String, Window> windows = new ConcurrentHashMap<>();

    /** One kind's current window. Guarded by itself. */
    private static final class Window {
        boolean open;
        long start;
        long suppressed;
    }

    public RateLimitedLog(Logger log) {
        this(log, System::nanoTime);
    }

    /** With a clock in nanoseconds ({@link System#nanoTime()} outside tests). */
    public RateLimitedLog(Logger log, LongSupplier clock) {
        this.log = log;
        this.clock = clock;
    }

    /**
     * Logs {@code format} with {@code args} at WARN if it is the first {@code kind} event of a window,
     * else counts it. A throwable among the arguments is logged by its {@code toString()}, never with
     * a stack trace.
     *
     * @return whether the line was written
     */
    public boolean warn(String kind, String format, Object... args) {
        if (!log.isWarnEnabled()) {
            return false;
        }
        long now = clock.getAsLong();
        Window w = windows.computeIfAbsent(kind, k -> new Window());
        long missed;
        synchronized (w) {
            if (w.open && now - w.start < WINDOW_NANOS) {
                w.suppressed++;
                return false;
            }
            missed = w.open ? w.suppressed : 0; // a window that ended without a flush
            w.open = true;
            w.start = now;
            w.suppressed = 0;
        }
        Object[] a = noStackTraces(args);
        if (missed > 0) {
            Object[] more = java.util.Arrays.copyOf(a, a.length + 1);
            more[a.length] = missed;
            log.warn(format + " ({} more like this before it)", more);
        } else {
            log.warn(format, a);
        }
        return true;
    }

    /**
     * Ends the windows older than {@value #WINDOW_SECONDS} s: writes one summary line for each that
     * counted events (and opens the next window, so a storm that goes on keeps being summarised, not
     * logged in full), forgets the quiet ones. Call it about once a second.
     */
    public void flush() {
        long now = clock.getAsLong();
        for (var e : windows.entrySet()) {
            Window w = e.getValue();
            long more;
            synchronized (w) {
                if (!w.open || now - w.start < WINDOW_NANOS) {
                    continue;
                }
                more = w.suppressed;
                w.suppressed = 0;
                w.start = now;
                w.open = more > 0;
            }
            if (more > 0) {
                log.warn("{}: {} more like this in the last {} s", e.getKey(), more, WINDOW_SECONDS);
            }
        }
    }

    /** SLF4J prints a trailing throwable with its stack trace: pass its text instead. */
    private static Object[] noStackTraces(Object[] args) {
        if (args.length > 0 && args[args.length - 1] instanceof Throwable) {
            Object[] a = args.clone();
            a[a.length - 1] = a[a.length - 1].toString();
            return a;
        }
        return args;
    }
}
