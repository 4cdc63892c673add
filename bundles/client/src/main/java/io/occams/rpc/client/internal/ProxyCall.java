package io.occams.rpc.client.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.occams.rpc.api.RpcCode;
import io.occams.rpc.api.RpcException;
import io.occams.rpc.api.spi.WireError;
import io.occams.rpc.stream.ClientTask;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;

/**
 * One proxy call on the wire: encodes the arguments when the connection sends it, and turns whatever
 * ends it (reply, errno frame, string frame, framework failure, our own deadline) into the outcome of
 * its future, exactly once; whatever comes second is dropped.
 *
 * <p>Reuse: the stream task is the largest object a call makes, so a call without a deadline gives it
 * back to its {@link MethodPlan} ({@link MethodPlan#take}, {@link MethodPlan#recycle}) as soon as the
 * caller (stream, pool) has completed it, before the future completes: a closed loop that makes the next
 * call from the completion, as a pipelining client does, then makes no task per call (see
 * benchmarks/README.md, issue 21, session 7). This rests on {@link ClientTask}'s contract that every
 * sent task is completed exactly once and forgotten before its completion method runs; what was per call
 * here ({@link #args}, {@link #handler}, {@link #future}) is read into locals before the task is given
 * back, and the proxy reads the future before it submits. A call with a deadline is never given back:
 * its timer holds it and its stream timeout stays set. Futures are one per call, never reused.
 *
 * <p>Threading: {@link #encodeMsg} runs on the sending thread; the completions on the connection's
 * reader, the stream's timer, the thread that closed the stream, or the deadline timer. Replies are
 * decoded where they arrive (the buffers are borrowed); an async call's future then completes on the
 * completion executor when there is one.
 */
final class ProxyCall extends ClientTask implements Runnable {
    private final MethodPlan plan;
    // The per-use fields below are written by the proxy before it submits the task (the caller's
    // hand-over publishes them) and cleared by the completion before the task is given back.
    private Object[] args;
    /**
     * The proxy's handler, for what is the same for all its calls (error registry, codec, completion
     * executor): one field per call instead of three.
     */
    private ProxyHandler handler;

    private CompletableFuture<Object> future;
    /**
     * The deadline timer, if any; written before the task is submitted (the caller's hand-over publishes
     * it), read by whoever completes the call. A call that had one is never reused.
     */
    private ScheduledFuture<?> deadline;

    private long budgetNanos;

    ProxyCall(MethodPlan plan) {
        super(plan.actionBytes, true);
        this.plan = plan;
    }

    /** Makes this (new or given back) task the call of {@code args} through {@code h}, with a new future. */
    CompletableFuture<Object> begin(Object[] args, ProxyHandler h) {
        this.args = args;
        this.handler = h;
        CompletableFuture<Object> f = new CompletableFuture<>();
        this.future = f;
        return f;
    }

    /** The arguments (for interceptors). */
    Object[] args() {
        return args;
    }

    /** This use's future (for interceptors; valid until the task is submitted). */
    CompletableFuture<Object> future() {
        return future;
    }

    /** Fails the call with {@code rpc_timeout} after {@code nanos}, unless it ended before; call before submitting. */
    void arm(DeadlineTimer timer, long nanos) {
        budgetNanos = nanos;
        timeout(Duration.ofNanos(nanos));
        deadline = timer.schedule(this, nanos);
    }

    /** The deadline passed: runs on the timer (such a call is never reused, so its fields stay). */
    @Override
    public void run() {
        CompletableFuture<Object> f = future;
        if (!f.isDone()) {
            finish(
                    f,
                    handler,
                    null,
                    new RpcException(
                            RpcCode.TIMEOUT, plan.action + ": no reply within " + Duration.ofNanos(budgetNanos)));
        }
    }

    /**
     * Ends the call with {@code failure} before or instead of the caller's completion (an interceptor's
     * refusal, a deadline passed before the send): the task is not given back.
     */
    void fail(RpcException failure) {
        cancelDeadline();
        finish(future, handler, null, failure);
    }

    private void cancelDeadline() {
        ScheduledFuture<?> d = deadline;
        if (d != null) {
            d.cancel(false);
        }
    }

    /**
     * Takes this use's future out of the task and gives the task back for another call (the caller has
     * completed it and forgotten it), or, when a deadline holds it, cancels the deadline's timer. Returns
     * the future, or null when this use was ended already (a second completion, which the stream contract
     * rules out). Read the handler before: after this the task may be another call's.
     */
    private CompletableFuture<Object> release() {
        CompletableFuture<Object> f = future;
        if (deadline != null) {
            cancelDeadline();
        } else if (f != null) {
            future = null;
            args = null;
            handler = null;
            plan.recycle(this);
        }
        return f;
    }

    @Override
    public void encodeMsg(ByteBuf out) {
        plan.arguments.encode(args, out);
    }

    @Override
    public void onReply(ByteBuf msg, ByteBuf blob) {
        ProxyHandler h = handler;
        CompletableFuture<Object> f = release();
        if (f == null || f.isDone()) {
            return; // timed out meanwhile: nobody waits for this value
        }
        Object value;
        try {
            if (blob.isReadable()) {
                finish(
                        f,
                        h,
                        null,
                        new RpcException(
                                RpcCode.DECODE,
                                plan.action + ": the reply carries a blob of " + blob.readableBytes()
                                        + " bytes; the remote API never uses blobs (spec 7.1)"));
                return;
            }
            if (plan.result == null) {
                value = null; // void: whatever the message, there is nothing to return
            } else if (!msg.isReadable()) {
                value = plan.emptyValue; // msg_len 0: the seed's Resp::default()
            } else {
                value = plan.result.decode(msg);
                if (value instanceof ByteBuf b) {
                    // A ByteBuf result is a slice of the reply, which is released when this returns: the
                    // caller gets a heap copy, which needs no release (spec-level: a msgpack bin).
                    value = Unpooled.copiedBuffer(b);
                }
                if (value == null && plan.primitive != null) {
                    finish(
                            f,
                            h,
                            null,
                            new RpcException(
                                    RpcCode.DECODE,
                                    plan.action + ": the reply is nil, but the result is a " + plan.primitive));
                    return;
                }
            }
        } catch (Throwable t) {
            // Whatever the codec throws (an exception, a stack overflow on a hostile frame, a linkage error),
            // the call must still end, and with the cause: otherwise the caller would wait for ever.
            finish(
                    f,
                    h,
                    null,
                    new RpcException(
                            RpcCode.DECODE,
                            plan.action + ": cannot decode the reply as "
                                    + plan.contract.resultType().getTypeName() + ": " + t,
                            t));
            rethrowIfFatal(t);
            return;
        }
        finish(f, h, value, null);
    }

    @Override
    public void onErrno(int errno) {
        ProxyHandler h = handler;
        CompletableFuture<Object> f = release();
        if (f != null && !f.isDone()) {
            finishError(f, h, WireError.errno(errno));
        }
    }

    @Override
    public void onErrorString(ByteBuf text) {
        ProxyHandler h = handler;
        CompletableFuture<Object> f = release();
        if (f != null && !f.isDone()) {
            byte[] b = new byte[text.readableBytes()];
            text.getBytes(text.readerIndex(), b);
            finishError(f, h, WireError.wrap(b));
        }
    }

    @Override
    public void onFailure(RpcException failure) {
        ProxyHandler h = handler;
        CompletableFuture<Object> f = release();
        if (f != null) {
            finish(f, h, null, failure);
        }
    }

    /** A user error: mapped through the registry (which never throws, but a call must end even if it did). */
    private void finishError(CompletableFuture<Object> f, ProxyHandler h, WireError w) {
        Throwable mapped;
        try {
            mapped = h.errors().decode(w, plan.declaredErrors, h.codec());
        } catch (Throwable t) {
            finish(
                    f,
                    h,
                    null,
                    new RpcException(RpcCode.DECODE, plan.action + ": cannot map the error " + w + ": " + t, t));
            rethrowIfFatal(t);
            return;
        }
        finish(f, h, null, mapped);
    }

    /** The JVM's own trouble (out of memory, internal error) is not ours to swallow: it goes on after the call ended. */
    private static void rethrowIfFatal(Throwable t) {
        if (t instanceof VirtualMachineError && !(t instanceof StackOverflowError)) {
            throw (VirtualMachineError) t;
        }
    }

    /**
     * Completes {@code f}, the future of this use, through {@code h}'s completion executor if any. The
     * task may be another call's by now (given back): only its final {@link #plan} is read here.
     */
    private void finish(CompletableFuture<Object> f, ProxyHandler h, Object value, Throwable error) {
        finish(plan, f, h, value, error);
    }

    /** Completes {@code f}, a call of {@code p} through {@code h}, on {@code h}'s completion executor if any. */
    static void finish(MethodPlan p, CompletableFuture<Object> f, ProxyHandler h, Object value, Throwable error) {
        Executor e = p.async ? h.completion() : null;
        if (e != null) {
            try {
                e.execute(() -> complete(f, value, error));
                return;
            } catch (RejectedExecutionException rejected) {
                // the executor is shut down or full: complete here rather than never
            }
        }
        complete(f, value, error);
    }

    private static void complete(CompletableFuture<Object> f, Object value, Throwable error) {
        if (error == null) {
            f.complete(value);
        } else {
            f.completeExceptionally(error);
        }
    }

    @Override
    public String toString() {
        return "ProxyCall[" + plan.action + " seq " + seq() + "]";
    }
}
