package io.occams.rpc.api.intercept;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Runs around each call: {@link #begin} when it starts, {@link #end} once when it ended, whatever the
 * outcome. Give interceptors to {@code ServiceDispatcher.Builder.interceptors} or
 * {@code RpcClient.Builder.interceptors}, or register them as OSGi services (the server and client
 * components take them whiteboard-style, highest {@code service.ranking} first; the property
 * {@value #SIDE_PROPERTY} = {@code server} or {@code client} limits one to a side).
 *
 * <p>Threading: {@code begin} runs on the thread that starts the call (a server connection's reader, or
 * the client's calling thread) and must not block; {@code end} runs wherever the call ends. Both must be
 * thread-safe. What {@code begin} returns comes back to {@code end} of the same call: keep per-call
 * state there, not in fields.
 *
 * <p>Failures: {@code begin} may refuse a call by throwing an {@link io.occams.rpc.api.RpcException}
 * with a code (the call is answered, or fails, with that code and never runs); any other exception
 * thrown by either method is logged and ignored.
 *
 * <pre>{@code
 * CallInterceptor log = new CallInterceptor() {
 *     public Object begin(CallInfo c) { return null; }
 *     public void end(CallInfo c, Object state, CallOutcome o) {
 *         System.out.println(c.action() + " " + o.status() + " in " + o.durationNanos() + " ns");
 *     }
 * };
 * }</pre>
 */
@ConsumerType
public interface CallInterceptor {
    /** The service property that limits an interceptor service to {@code server} or {@code client} calls. */
    String SIDE_PROPERTY = "occams.interceptor.side";

    /** The call starts; the value returned (may be null) is handed to {@link #end}. */
    Object begin(CallInfo call);

    /** The call ended with {@code outcome}; called exactly once per {@link #begin} that returned. */
    void end(CallInfo call, Object state, CallOutcome outcome);
}
