package io.occams.rpc.client.internal;

import io.occams.rpc.api.RpcCode;
import io.occams.rpc.api.RpcException;
import io.occams.rpc.api.spi.Codec;
import io.occams.rpc.client.CallOptions;
import io.occams.rpc.errors.ErrorCodecRegistry;
import io.occams.rpc.stream.Caller;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;

/**
 * The invocation handler behind every proxy: finds the method's prebuilt {@link MethodPlan}, submits one
 * {@link ProxyCall} to the {@link Caller}, and either returns the call's future (async methods) or waits
 * for it (blocking methods). {@code equals}, {@code hashCode} and {@code toString} are answered locally
 * (identity; the proxy's interface and caller), default methods run their own body. Immutable, thread-safe.
 */
public final class ProxyHandler implements InvocationHandler {
    private static final Object[] NO_ARGS = new Object[0];

    private final InterfacePlan plan;
    private final Caller caller;
    private final CallOptions options;
    private final ErrorCodecRegistry errors;
    private final Codec codec;
    private final Executor completion;
    private final DeadlineTimer timer;
    private final ClientInterception interception;

    public ProxyHandler(
            InterfacePlan plan,
            Caller caller,
            CallOptions options,
            ErrorCodecRegistry errors,
            Codec codec,
            Executor completion,
            DeadlineTimer timer) {
        this(plan, caller, options, errors, codec, completion, timer, new ClientInterception(null));
    }

    public ProxyHandler(
            InterfacePlan plan,
            Caller caller,
            CallOptions options,
            ErrorCodecRegistry errors,
            Codec codec,
            Executor completion,
            DeadlineTimer timer,
            ClientInterception interception) {
        this.interception = interception;
        this.plan = plan;
        this.caller = caller;
        this.options = options;
        this.errors = errors;
        this.codec = codec;
        this.completion = completion;
        this.timer = timer;
    }

    /** The registry that maps error frames to exceptions, for this handler's calls. */
    ErrorCodecRegistry errors() {
        return errors;
    }

    /** The codec of error frames' payloads, for this handler's calls. */
    Codec codec() {
        return codec;
    }

    /** Where async calls' futures complete; null: where the outcome arrives. */
    Executor completion() {
        return completion;
    }

    /** The interface's plan. */
    public InterfacePlan plan() {
        return plan;
    }

    /** The options bound to this proxy. */
    public CallOptions options() {
        return options;
    }

    /** The same handler with other options. */
    public ProxyHandler withOptions(CallOptions o) {
        return new ProxyHandler(plan, caller, o, errors, codec, completion, timer, interception);
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
        MethodPlan p = plan.plan(method);
        if (p == null) {
            return local(proxy, method, args);
        }
        CallOptions o = options;
        CallOptions scoped = CallOptions.current();
        ProxyCall call = p.take();
        Object[] a = args == null ? NO_ARGS : args;
        // The future is read here, before the submit: once the call is completed its task may be another call's.
        CompletableFuture<Object> future = call.begin(a, this);
        long budget;
        if (o == CallOptions.none() && scoped == o) {
            // The common case, no options on the proxy nor in scope: nothing to merge, no deadline.
            call.idempotent(p.idempotent);
            budget = Long.MAX_VALUE;
        } else {
            if (scoped != CallOptions.none()) {
                o = o.overriddenBy(scoped);
            }
            call.idempotent(o.idempotent().orElse(p.idempotent));
            budget = o.remainingNanos();
        }
        if (!interception.begin(call, p, a, caller)) {
            // refused by an interceptor: failed already, never sent
        } else if (budget <= 0) {
            call.fail(new RpcException(RpcCode.TIMEOUT, p.action + ": the deadline passed before the call was sent"));
        } else {
            if (budget != Long.MAX_VALUE) {
                call.arm(timer, budget);
            }
            submit(call, future, budget != Long.MAX_VALUE, p);
        }
        return p.async ? future : await(future, p);
    }

    /**
     * Hands {@code call} to the caller; if the caller throws, fails the call. Without a deadline that goes
     * through {@code future}, not the task: the caller may have completed the task before it threw, and
     * another call taken it since; a task with a deadline is never reused, so it is failed itself (which
     * cancels its timer).
     */
    private void submit(ProxyCall call, CompletableFuture<Object> future, boolean armed, MethodPlan p) {
        try {
            caller.submit(call);
        } catch (RuntimeException e) {
            RpcException failure = e instanceof RpcException && ((RpcException) e).code() != null
                    ? (RpcException) e
                    : new RpcException(RpcCode.INTERNAL, "the caller refused the call: " + e, e);
            if (armed) {
                call.fail(failure);
            } else {
                ProxyCall.finish(p, future, this, null, failure);
            }
        }
    }

    private static Object await(CompletableFuture<Object> future, MethodPlan p) throws Throwable {
        try {
            return future.get();
        } catch (ExecutionException e) {
            Throwable t = e.getCause();
            if (!p.mayThrow(t)) {
                throw new RpcException(
                        RpcCode.INTERNAL,
                        p.action + ": the error " + t + " is not declared by " + p.contract.method(),
                        t);
            }
            if (t instanceof RpcException && ((RpcException) t).code() != null) {
                // A framework failure may be one instance shared by every call a lost connection fails: give
                // this caller its own, with its own stack, and the shared one (and its cause) as the cause.
                RpcException shared = (RpcException) t;
                throw new RpcException(shared.code(), shared.getMessage(), shared);
            }
            // A user error is made for this call alone, on the connection's reader: record where the call was made.
            t.addSuppressed(new CallSite(p.action));
            throw t;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RpcException(
                    RpcCode.INTERNAL,
                    p.action + ": interrupted while waiting for the reply" + " (the call may still run on the server)",
                    e);
        }
    }

    private Object local(Object proxy, Method method, Object[] args) throws Throwable {
        if (method.getDeclaringClass() == Object.class) {
            switch (method.getName()) {
                case "equals":
                    return proxy == args[0];
                case "hashCode":
                    return System.identityHashCode(proxy);
                case "toString":
                    return plan.contract().name() + " proxy over " + caller
                            + (options == CallOptions.none() ? "" : " with " + options);
                default:
                    break;
            }
        }
        if (method.isDefault()) {
            return InvocationHandler.invokeDefault(proxy, method, args);
        }
        throw new UnsupportedOperationException(method + " is not part of the service contract " + plan.contract());
    }

    /** Where a blocking call was made, attached to the exception it throws. */
    static final class CallSite extends Exception {
        private static final long serialVersionUID = 1L;

        CallSite(String action) {
            super("the call " + action + " was made here");
        }
    }
}
