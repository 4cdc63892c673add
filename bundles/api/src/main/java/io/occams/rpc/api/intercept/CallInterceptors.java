package io.occams.rpc.api.intercept;

import io.occams.rpc.api.RpcException;
import java.util.List;
import java.util.Objects;

/**
 * An ordered, immutable list of {@link CallInterceptor}s run as one: {@link #begin} calls each in order,
 * {@link #end} each in reverse order. The server and the client hold one of these, or null when there is
 * none, so that a call without interceptors costs one read of a field.
 *
 * <p>If an interceptor's {@code begin} refuses the call (throws an {@link RpcException} with a code), the
 * interceptors that began before it still see their {@code end}, with that code; the exception is
 * rethrown. Other exceptions are logged and the interceptor is left out of that call.
 */
public final class CallInterceptors {
    private static final System.Logger LOG = System.getLogger(CallInterceptors.class.getName());
    private static final Object SKIPPED = new Object();

    private final CallInterceptor[] chain;

    private CallInterceptors(CallInterceptor[] chain) {
        this.chain = chain;
    }

    /** The chain of {@code interceptors} in that order; null when the list is empty (nothing to run). */
    public static CallInterceptors of(List<? extends CallInterceptor> interceptors) {
        if (interceptors == null || interceptors.isEmpty()) {
            return null;
        }
        CallInterceptor[] a = interceptors.toArray(new CallInterceptor[0]);
        for (CallInterceptor i : a) {
            Objects.requireNonNull(i, "interceptor");
        }
        return new CallInterceptors(a);
    }

    /** The interceptors, in order. */
    public List<CallInterceptor> interceptors() {
        return List.of(chain);
    }

    /**
     * Begins {@code call} in every interceptor; returns the states to give to {@link #end}.
     *
     * @throws RpcException when an interceptor refuses the call (the ones before it have ended already)
     */
    public Object[] begin(CallInfo call) {
        Object[] states = new Object[chain.length];
        for (int i = 0; i < chain.length; i++) {
            try {
                states[i] = chain[i].begin(call);
            } catch (RpcException refused) {
                if (refused.code() == null) {
                    LOG.log(
                            System.Logger.Level.WARNING,
                            "interceptor " + chain[i] + " threw in begin; ignored",
                            refused);
                    states[i] = SKIPPED;
                    continue;
                }
                states[i] = SKIPPED;
                for (int j = i + 1; j < chain.length; j++) {
                    states[j] = SKIPPED;
                }
                end(
                        call,
                        states,
                        CallOutcome.framework(refused.code(), refused, System.nanoTime() - call.startNanos()));
                throw refused;
            } catch (RuntimeException | LinkageError e) {
                LOG.log(System.Logger.Level.WARNING, "interceptor " + chain[i] + " threw in begin; ignored", e);
                states[i] = SKIPPED;
            }
        }
        return states;
    }

    /** Ends {@code call} in every interceptor that began it, last first. Never throws. */
    public void end(CallInfo call, Object[] states, CallOutcome outcome) {
        for (int i = chain.length - 1; i >= 0; i--) {
            if (states[i] == SKIPPED) {
                continue;
            }
            try {
                chain[i].end(call, states[i], outcome);
            } catch (RuntimeException | LinkageError e) {
                LOG.log(System.Logger.Level.WARNING, "interceptor " + chain[i] + " threw in end; ignored", e);
            }
        }
    }

    @Override
    public String toString() {
        return "CallInterceptors" + List.of(chain);
    }
}
