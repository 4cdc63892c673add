package io.occams.rpc.runtime.vthreads.internal;

/**
 * Chooses how the JDK wakes a virtual thread blocked in a socket read or write: the JDK's own
 * {@code jdk.pollerMode} system property, which the JDK reads once, when the first virtual thread blocks
 * on a socket.
 *
 * <p>On Linux, JDK 22-25 default to mode 2 ({@code VTHREAD_POLLERS}): a platform "master" poller thread
 * wakes a virtual sub-poller thread, which polls again and then unparks the reader, and yields after each
 * poll. Mode 1 ({@code SYSTEM_THREADS}) has a platform poller thread unpark the reader directly: one
 * thread hand-off less per wake-up. Measured side by side (2 cores, JDK 25.0.3, 2026-12-06, see
 * benchmarks/README.md "Virtual-thread wake-ups"), mode 1 took 2.4 instead of 3.4 context switches per
 * read burst at 1x10, 15-40% less CPU per call, and halved the garbage per call of
 * {@code RoundTripBench.pipelined100} (the JDK allocates per unpark and per yield). So the runtime asks
 * for mode 1 unless told otherwise. It is a trade-off: a client that streams 64 KiB blobs into a full send
 * buffer spent more CPU per call in mode 1 (each wait for room is woken through a platform write poller).
 *
 * <p>The choice is the JVM's, not one runtime's: it is made only when {@code jdk.pollerMode} is not set,
 * only on the JDKs it was measured on (21-25; later JDKs bring other poller designs and keep their own
 * default), and only takes effect when no virtual thread has blocked on a socket yet in this JVM. The
 * system property {@value #PROPERTY}{@code =jdk} leaves the JDK's default.
 */
public final class PollerMode {
    /** {@code jdk}: leave {@code jdk.pollerMode} alone; anything else (or unset): ask for mode 1 when it is unset. */
    public static final String PROPERTY = "occams.vthreads.pollerMode";
    /** The JDK's own property. */
    static final String JDK_PROPERTY = "jdk.pollerMode";
    /** The mode asked for: platform poller threads that unpark the reader directly. */
    static final String SYSTEM_THREADS = "1";

    private PollerMode() {}

    /** Sets {@code jdk.pollerMode} to 1 when {@link #choose} says so; idempotent, thread-safe enough (one value). */
    public static void apply() {
        String mode = choose(
                System.getProperty(JDK_PROPERTY),
                System.getProperty(PROPERTY),
                java.lang.Runtime.version().feature());
        if (mode != null) {
            System.setProperty(JDK_PROPERTY, mode);
        }
    }

    /**
     * The value to give {@code jdk.pollerMode}, or null to leave it: {@code jdkValue} is its current value,
     * {@code ours} that of {@value #PROPERTY}, {@code feature} the JDK's feature release.
     */
    static String choose(String jdkValue, String ours, int feature) {
        if (jdkValue != null || "jdk".equalsIgnoreCase(ours == null ? null : ours.trim()) || feature > 25) {
            return null;
        }
        return SYSTEM_THREADS;
    }
}
