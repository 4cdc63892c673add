package io.occams.rpc.server.internal;

import io.occams.rpc.api.MethodContract;
import io.occams.rpc.api.ServiceContract;
import io.occams.rpc.api.spi.Codec;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * One registered implementation of a service, with its bound methods and the count of its calls in
 * flight.
 *
 * <p>The drain protocol, free of locks on the call path: a call {@link #acquire()}s (increments, then
 * checks {@link #closed}); the dispatcher first removes the provider from its table, then {@link #close()}s
 * it (sets {@code closed}, then reads the count). A call that incremented before {@code closed} was set is
 * seen by the reading of the count and waited for; one that incremented after sees {@code closed}, gives
 * back its count and looks again in the table, which no longer holds this provider.
 *
 * <p>The count is striped: each calling thread counts in one of {@link #STRIPES} counters a cache line
 * apart (by its thread id), and the call gives its count back to the same stripe, whatever thread
 * answers it. One shared counter was written twice per call by every connection's reader, so the
 * readers of a busy server took the cache line from each other on every call (see benchmarks/README.md,
 * "The remote API against the stream layer"). The protocol above holds per stripe: a stripe never goes
 * below the calls counted in it, so the sum read after {@code closed} is set is zero only when every call
 * counted before is answered; whichever release or close reads a zero sum last completes the drain.
 */
public final class Provider {
    private final ServiceContract contract;
    private final Object impl;
    private final int ranking;
    private final long serial;
    private final Map<String, MethodInvoker> methods;
    /** A power of two; more than a server's reader threads usually are. */
    static final int STRIPES = 8;
    /** Ints from one stripe to the next: 64 bytes, so no two stripes share a cache line. */
    private static final int SPACING = 16;
    /** The calls in flight, stripe {@code i} at index {@code (i + 1) * SPACING} (none next to the array's header). */
    private final AtomicIntegerArray inFlight = new AtomicIntegerArray((STRIPES + 1) * SPACING);
    /** Calls started on this provider, and those that failed (for the shell's counters; LongAdder: no contention). */
    private final LongAdder calls = new LongAdder();

    private final LongAdder errors = new LongAdder();
    private final CompletableFuture<Void> drained = new CompletableFuture<>();
    /** Set once by close(), after the provider left the table; read by acquire() on any thread. */
    private volatile boolean closed;

    public Provider(ServiceContract contract, Object impl, int ranking, long serial, Codec codec) {
        this.contract = contract;
        this.impl = impl;
        this.ranking = ranking;
        this.serial = serial;
        Map<String, MethodInvoker> m = new HashMap<>();
        for (MethodContract mc : contract.methods()) {
            m.put(mc.wireName(), MethodInvoker.bind(mc, impl, codec));
        }
        this.methods = Map.copyOf(m);
    }

    public ServiceContract contract() {
        return contract;
    }

    public Object impl() {
        return impl;
    }

    public int ranking() {
        return ranking;
    }

    /** Registration order: higher is newer. */
    public long serial() {
        return serial;
    }

    /** The method with wire name {@code wireName}, or null. */
    public MethodInvoker method(String wireName) {
        return methods.get(wireName);
    }

    /** Whether this provider ranks before {@code o}: higher ranking, then newer. */
    public boolean before(Provider o) {
        return ranking != o.ranking ? ranking > o.ranking : serial > o.serial;
    }

    /**
     * Counts a call in; returns the stripe it counted in, which the call gives back to {@link #release(int)},
     * or -1 when the provider is closing (the caller must look up the table again).
     */
    public int acquire() {
        @SuppressWarnings("deprecation") // Thread.threadId() is Java 19+; the bundle runs on 17
        int stripe = (((int) Thread.currentThread().getId() & (STRIPES - 1)) + 1) * SPACING;
        inFlight.incrementAndGet(stripe);
        if (closed) {
            release(stripe);
            return -1;
        }
        return stripe;
    }

    /** Counts a call out of the stripe {@link #acquire()} gave; completes the drain when it was the last of a closing provider. */
    public void release(int stripe) {
        if (inFlight.decrementAndGet(stripe) == 0 && closed && count() == 0) {
            drained.complete(null);
        }
    }

    private int count() {
        int n = 0;
        for (int i = 1; i <= STRIPES; i++) {
            n += inFlight.get(i * SPACING);
        }
        return n;
    }

    /** A call starts on this provider. */
    public void counted() {
        calls.increment();
    }

    /** A call on this provider failed (its arguments, the method or its future). */
    public void failed() {
        errors.increment();
    }

    /** Calls started on this provider so far. */
    public long calls() {
        return calls.sum();
    }

    /** Calls on this provider that failed so far. */
    public long errors() {
        return errors.sum();
    }

    /** Calls in flight now. */
    public int inFlight() {
        return count();
    }

    public boolean isClosed() {
        return closed;
    }

    /** Stops new calls (call after removing this provider from the table); the future completes when none is left. */
    public CompletableFuture<Void> close() {
        closed = true;
        if (count() == 0) {
            drained.complete(null);
        }
        return drained;
    }

    /** Completes when a closed provider has no call left. */
    public CompletableFuture<Void> drained() {
        return drained;
    }

    @Override
    public String toString() {
        return contract.name() + "[" + impl.getClass().getName() + ", ranking " + ranking + ", #" + serial + "]";
    }
}
