package io.occams.rpc.itest;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * A closed-loop load on the {@code Swap} service: {@code chains} calls always in flight, each answered call
 * followed at once by the next one from the completion. It counts completed and failed calls, keeps the
 * longest time one call waited for its reply (the stall a user would notice) and the last version seen,
 * and lets a test wait, with a latch, for replies to show a given version.
 */
final class Load {
    private final Supplier<SwapClient> client;
    private final int chains;
    private final AtomicLong sequence = new AtomicLong();
    final AtomicLong completed = new AtomicLong();
    final AtomicLong failed = new AtomicLong();
    private final AtomicLong maxStallNanos = new AtomicLong();
    private final AtomicInteger running = new AtomicInteger();
    private final List<Throwable> failures = new ArrayList<>();
    /** Read by completions, written by the test thread. */
    private volatile boolean stopping;

    private volatile String wanted;
    private volatile CountDownLatch seen = new CountDownLatch(0);
    private final CountDownLatch drained = new CountDownLatch(1);
    /**
     * Where each next call is made: never on a connection's reader, which the client may be closing (a
     * {@code Caller} swapped under the load may make the next call wait for the new one).
     */
    private ExecutorService executor;

    private volatile String lastVersion;
    private volatile long progressTarget = Long.MAX_VALUE;
    private volatile CountDownLatch progress = new CountDownLatch(0);

    /** {@code client} is asked for the proxy at each call, so a test may swap it under the load. */
    Load(Supplier<SwapClient> client, int chains) {
        this.client = client;
        this.chains = chains;
    }

    Load start() {
        executor = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "itest-load");
            t.setDaemon(true);
            return t;
        });
        for (int i = 0; i < chains; i++) {
            running.incrementAndGet();
            next();
        }
        return this;
    }

    private void next() {
        if (stopping) {
            if (running.decrementAndGet() == 0) {
                drained.countDown();
            }
            return;
        }
        long n = sequence.incrementAndGet();
        long start = System.nanoTime();
        try {
            client.get()
                    .version(n)
                    .whenCompleteAsync(
                            (reply, error) -> {
                                long took = System.nanoTime() - start;
                                maxStallNanos.accumulateAndGet(took, Math::max);
                                if (error != null) {
                                    fail(error);
                                } else if (!reply.endsWith(":" + n)) {
                                    fail(new AssertionError("reply " + reply + " to call " + n));
                                } else {
                                    if (completed.incrementAndGet() >= progressTarget) {
                                        progress.countDown();
                                    }
                                    String v = reply.substring(0, reply.indexOf(':'));
                                    lastVersion = v;
                                    if (v.equals(wanted)) {
                                        seen.countDown();
                                    }
                                }
                                next();
                            },
                            executor);
        } catch (RuntimeException | AssertionError e) {
            fail(e);
            next();
        }
    }

    private void fail(Throwable t) {
        failed.incrementAndGet();
        synchronized (failures) {
            if (failures.size() < 5) {
                failures.add(t);
            }
        }
    }

    /** Arms the wait for {@code version}; call before the change that should bring it. */
    void expect(String version) {
        seen = new CountDownLatch(1);
        wanted = version;
    }

    /** Whether a reply showed the {@linkplain #expect expected} version within the timeout. */
    boolean awaitExpected(long timeout, TimeUnit unit) throws InterruptedException {
        return seen.await(timeout, unit);
    }

    /** Waits until {@code count} more calls completed, or the timeout passes. */
    boolean awaitProgress(long count, long timeoutMillis) throws InterruptedException {
        CountDownLatch latch = new CountDownLatch(1);
        progress = latch;
        progressTarget = completed.get() + count;
        if (completed.get() >= progressTarget) {
            return true;
        }
        return latch.await(timeoutMillis, TimeUnit.MILLISECONDS);
    }

    String lastVersion() {
        return lastVersion;
    }

    long maxStallMillis() {
        return TimeUnit.NANOSECONDS.toMillis(maxStallNanos.get());
    }

    void resetStall() {
        maxStallNanos.set(0);
    }

    List<Throwable> failures() {
        synchronized (failures) {
            return new ArrayList<>(failures);
        }
    }

    /** Stops issuing calls and waits for the calls in flight to end. */
    void stop() throws InterruptedException {
        stopping = true;
        boolean done = drained.await(30, TimeUnit.SECONDS);
        executor.shutdown();
        if (!done) {
            throw new AssertionError("calls still in flight 30 s after the load stopped: " + running.get());
        }
    }

    @Override
    public String toString() {
        return "completed " + completed.get() + ", failed " + failed.get() + ", longest stall " + maxStallMillis()
                + " ms" + (failures().isEmpty() ? "" : ", first failures " + failures());
    }
}
