package io.occams.rpc.server.internal;

import io.occams.rpc.api.MethodContract;
import io.occams.rpc.api.ServiceContract;
import io.occams.rpc.api.spi.Codec;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
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
 */
public final class Provider {
    private final ServiceContract contract;
    private final Object impl;
    private final int ranking;
    private final long serial;
    private final Map<String, MethodInvoker> methods;
    private final AtomicInteger inFlight = new AtomicInteger();
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

    /** Counts a call in; false when the provider is closing (the caller must look up the table again). */
    public boolean acquire() {
        inFlight.incrementAndGet();
        if (closed) {
            release();
            return false;
        }
        return true;
    }

    /** Counts a call out; completes the drain when it was the last of a closing provider. */
    public void release() {
        if (inFlight.decrementAndGet() == 0 && closed) {
            drained.complete(null);
        }
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
        return inFlight.get();
    }

    public boolean isClosed() {
        return closed;
    }

    /** Stops new calls (call after removing this provider from the table); the future completes when none is left. */
    public CompletableFuture<Void> close() {
        closed = true;
        if (inFlight.get() == 0) {
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
