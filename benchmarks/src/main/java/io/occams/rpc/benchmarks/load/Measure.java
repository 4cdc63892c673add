package io.occams.rpc.benchmarks.load;

import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * The measuring half every Java client of the harness shares, so that occams and the raw ceiling are
 * timed the same way: latencies go into a wait-free HdrHistogram {@link Recorder} (nanoseconds),
 * whatever the warm-up recorded is dropped, and the measured window ends with one {@code RESULT} line
 * on stdout that {@link LoadHarness} parses.
 */
final class Measure {
    static final long HIGHEST_NANOS = TimeUnit.SECONDS.toNanos(30);

    final Recorder recorder = new Recorder(HIGHEST_NANOS, 2);
    final LongAdder errors = new LongAdder();
    volatile boolean stop;

    /**
     * Records the latency of a call started at {@code startNanos}; returns the time now, for the next
     * call's start (one clock read per call, the same for every client: on this VM it costs ~25 ns).
     */
    long record(long startNanos) {
        long now = System.nanoTime();
        long d = now - startNanos;
        recorder.recordValue(d < 1 ? 1 : Math.min(d, HIGHEST_NANOS));
        return now;
    }

    /**
     * Sleeps through the warm-up, then measures for {@code seconds} and prints the RESULT line. A
     * {@code WINDOW} line marks the window's start (the harness samples the server JVM's CPU time
     * then and at RESULT), and RESULT ends with this JVM's own CPU time over the window
     * ({@code cpums=}): CPU per call does not depend on how busy the machine is, calls/s does.
     */
    void run(double warmupSeconds, double seconds) throws InterruptedException {
        Thread.sleep((long) (warmupSeconds * 1000));
        recorder.getIntervalHistogram(); // drop the warm-up
        errors.reset();
        System.out.println("WINDOW");
        System.out.flush();
        long cpu0 = processCpuNanos();
        long t0 = System.nanoTime();
        Thread.sleep((long) (seconds * 1000));
        Histogram h = recorder.getIntervalHistogram();
        long t1 = System.nanoTime();
        long cpu1 = processCpuNanos();
        stop = true;
        double secs = (t1 - t0) / 1e9;
        System.out.printf(
                Locale.ROOT,
                "RESULT calls=%d secs=%.3f p50us=%.1f p99us=%.1f errors=%d cpums=%.1f%n",
                h.getTotalCount(),
                secs,
                h.getValueAtPercentile(50) / 1e3,
                h.getValueAtPercentile(99) / 1e3,
                errors.sum(),
                cpu0 < 0 || cpu1 < 0 ? -1.0 : (cpu1 - cpu0) / 1e6);
        System.out.flush();
    }

    /** This JVM's CPU time (all threads, user + system), or -1 where the platform does not tell. */
    static long processCpuNanos() {
        return java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                        instanceof com.sun.management.OperatingSystemMXBean os
                ? os.getProcessCpuTime()
                : -1;
    }

    /** {@code --name value} options, all required to be present in {@code args}. */
    static String opt(String[] args, String name, String dflt) {
        for (int i = 0; i + 1 < args.length; i++) {
            if (args[i].equals("--" + name)) {
                return args[i + 1];
            }
        }
        if (dflt == null) {
            throw new IllegalArgumentException("missing --" + name);
        }
        return dflt;
    }
}
