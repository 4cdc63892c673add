package io.occams.rpc.client.internal;

import io.occams.rpc.api.RpcException;
import io.occams.rpc.api.intercept.CallInfo;
import io.occams.rpc.api.intercept.CallInterceptor;
import io.occams.rpc.api.intercept.CallInterceptors;
import io.occams.rpc.api.intercept.CallOutcome;
import io.occams.rpc.stream.Caller;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;

/**
 * A client's interceptors: one volatile field, null when there are none, so that a proxy call without
 * interceptors reads it and goes on. With interceptors, {@link #begin} starts the chain and ends it when
 * the call's future completes, whatever completes it (reply, error, timeout, lost connection).
 */
public final class ClientInterception {
    private volatile CallInterceptors chain;
    /** The last chain made of this client's and a caller's interceptors, with the two it was made of. */
    private volatile Joined joined;

    private record Joined(CallInterceptors own, CallInterceptors callers, CallInterceptors both) {}

    public ClientInterception(List<? extends CallInterceptor> interceptors) {
        this.chain = CallInterceptors.of(interceptors);
    }

    /** Replaces the interceptors; calls already started keep theirs. */
    public void set(List<? extends CallInterceptor> interceptors) {
        chain = CallInterceptors.of(interceptors);
    }

    public List<CallInterceptor> get() {
        CallInterceptors c = chain;
        return c == null ? List.of() : c.interceptors();
    }

    /**
     * Begins {@code call} in the interceptors, if any; false when one refused it (the call is failed with the
     * refusal then, and must not be sent).
     */
    boolean begin(ProxyCall call, MethodPlan plan, Object[] args, Caller peer) {
        CallInterceptors c = withCallers(chain, peer.interceptors());
        if (c == null) {
            return true;
        }
        Info info = new Info(plan, args, peer);
        Object[] states;
        try {
            states = c.begin(info);
        } catch (RpcException refused) {
            call.fail(refused);
            return false;
        }
        // end() catches what an interceptor throws, so the derived future has nothing to report
        var unused = call.future().whenComplete((value, failure) -> c.end(info, states, outcome(info, failure)));
        return true;
    }

    /**
     * This client's interceptors, then the caller's (a pool from Configuration Admin has the registry's),
     * each instance once.
     */
    private CallInterceptors withCallers(CallInterceptors own, CallInterceptors callers) {
        if (callers == null) {
            return own;
        }
        if (own == null) {
            return callers;
        }
        Joined j = joined;
        if (j == null || j.own != own || j.callers != callers) {
            List<CallInterceptor> all = new ArrayList<>(own.interceptors());
            for (CallInterceptor i : callers.interceptors()) {
                // The same interceptor given to the client and registered for the pool runs once per call.
                if (all.stream().noneMatch(o -> o == i)) {
                    all.add(i);
                }
            }
            j = new Joined(own, callers, CallInterceptors.of(all));
            joined = j;
        }
        return j.both;
    }

    private static CallOutcome outcome(Info info, Throwable failure) {
        long d = System.nanoTime() - info.start;
        if (failure == null) {
            return CallOutcome.ok(d);
        }
        Throwable t =
                failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        if (t instanceof RpcException) {
            RpcException e = (RpcException) t;
            if (e.code() != null) {
                return CallOutcome.framework(e.code(), e, d);
            }
            return CallOutcome.userError(e.errno() != RpcException.NO_ERRNO ? (int) e.errno() : -1, e, d);
        }
        return CallOutcome.userError(-1, t, d);
    }

    /** One client call as interceptors see it. */
    private static final class Info implements CallInfo {
        final MethodPlan plan;
        final Object[] args;
        final Object peer;
        final long start = System.nanoTime();

        Info(MethodPlan plan, Object[] args, Object peer) {
            this.plan = plan;
            this.args = args;
            this.peer = peer;
        }

        @Override
        public Side side() {
            return Side.CLIENT;
        }

        @Override
        public String service() {
            return plan.contract.service().name();
        }

        @Override
        public String method() {
            return plan.contract.wireName();
        }

        @Override
        public String action() {
            return plan.action;
        }

        @Override
        public String peer() {
            return String.valueOf(peer);
        }

        @Override
        public Object[] arguments() {
            return args;
        }

        @Override
        public long startNanos() {
            return start;
        }
    }
}
