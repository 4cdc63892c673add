package io.occams.rpc.client.internal;

import io.occams.rpc.api.MethodContract;
import io.occams.rpc.api.ServiceContract;
import io.occams.rpc.api.spi.Codec;
import java.lang.reflect.Method;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * The call plans of one service interface for one codec: built once (every binding looked up here, so a
 * call does no reflection and no codec lookup), then shared by every proxy of that interface. Immutable.
 */
public final class InterfacePlan {
    private final ServiceContract contract;
    private final Map<Method, MethodPlan> byMethod;
    /**
     * The same plans by the {@code Method} instances that proxies hand to their handler: a proxy class
     * passes the same instance on every call, but not the instance {@link #byMethod} was keyed with, so
     * there each call paid {@code Method.equals} (names, return and parameter types), a visible share of a
     * pipelining client's profile (see {@code benchmarks/README.md}). Identity lookups here instead. Copy on write under {@code this}; holds
     * at most {@link #maxSeen} entries (one per method and proxy class; a caller passing fresh
     * {@code Method} copies to the handler itself only falls back to {@link #byMethod}).
     */
    private volatile IdentityHashMap<Method, MethodPlan> seen = new IdentityHashMap<>();

    private final int maxSeen;

    private InterfacePlan(ServiceContract contract, Map<Method, MethodPlan> byMethod) {
        this.contract = contract;
        this.byMethod = byMethod;
        this.maxSeen = 4 * byMethod.size() + 16;
    }

    /**
     * The plan of {@code type}.
     *
     * @throws IllegalArgumentException when {@code type} is no {@code @RpcService} interface or the codec
     *         cannot bind one of its types (the codec's failure is the cause)
     */
    public static InterfacePlan build(Class<?> type, Codec codec) {
        return build(ServiceContract.of(type), codec);
    }

    /**
     * The plan of {@code c}, which may be a plain interface's contract.
     *
     * @throws IllegalArgumentException when the codec cannot bind one of its types
     */
    public static InterfacePlan build(ServiceContract c, Codec codec) {
        Class<?> type = c.type();
        Map<Method, MethodPlan> m = new HashMap<>();
        for (MethodContract mc : c.methods()) {
            try {
                m.put(mc.method(), new MethodPlan(mc, codec));
            } catch (RuntimeException e) {
                throw new IllegalArgumentException(
                        type.getName() + ": the codec cannot bind the types of " + mc.method() + ": " + e.getMessage(),
                        e);
            }
        }
        return new InterfacePlan(c, m);
    }

    /** The interface. */
    public Class<?> type() {
        return contract.type();
    }

    /** The service contract. */
    public ServiceContract contract() {
        return contract;
    }

    /** The plan of interface method {@code m}, or null when it is not part of the contract. */
    MethodPlan plan(Method m) {
        MethodPlan p = seen.get(m);
        if (p != null) {
            return p;
        }
        p = byMethod.get(m);
        if (p != null) {
            remember(m, p);
        }
        return p;
    }

    private synchronized void remember(Method m, MethodPlan p) {
        if (seen.size() < maxSeen && !seen.containsKey(m)) {
            IdentityHashMap<Method, MethodPlan> next = new IdentityHashMap<>(seen);
            next.put(m, p);
            seen = next;
        }
    }
}
