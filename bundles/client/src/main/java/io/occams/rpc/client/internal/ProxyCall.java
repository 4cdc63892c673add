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
 * {@link #future}, exactly once; whatever comes second is dropped.
 *
 * <p>Threading: {@link #encodeMsg} runs on the sending thread; the completions on the connection's
 * reader, the stream's timer, the thread that closed the stream, or the deadline timer. Replies are
 * decoded where they arrive (the buffers are borrowed); an async call's future then completes on the
 * completion executor when there is one.
 */
final class ProxyCall extends ClientTask implements Runnable {
    private final MethodPlan plan;
    private final Object[] args;
    /**
     * The proxy's handler, for what is the same for all its calls (error registry, codec, completion
     * executor): one field per call instead of three.
     */
    private final ProxyHandler handler;

    final CompletableFuture<Object> future = new CompletableFuture<>();
    /**
     * The deadline timer, if any; written before the task is submitted (the caller's hand-over publishes
     * it), read by whoever completes the call.
     */
    private ScheduledFuture<?> deadline;

    private long budgetNanos;

    ProxyCall(MethodPlan plan, Object[] args, ProxyHandler handler) {
        super(plan.actionBytes, true);
        this.plan = plan;
        this.args = args;
        this.handler = handler;
    }

    /** The arguments (for interceptors). */
    Object[] args() {
        return args;
    }

    /** Fails the call with {@code rpc_timeout} after {@code nanos}, unless it ended before; call before submitting. */
    void arm(DeadlineTimer timer, long nanos) {
        budgetNanos = nanos;
        timeout(Duration.ofNanos(nanos));
        deadline = timer.schedule(this, nanos);
    }

    /** The deadline passed: runs on the timer. */
    @Override
    public void run() {
        if (!future.isDone()) {
            finish(
                    null,
                    new RpcException(
                            RpcCode.TIMEOUT, plan.action + ": no reply within " + Duration.ofNanos(budgetNanos)));
        }
    }

    @Override
    public void encodeMsg(ByteBuf out) {
        plan.arguments.encode(args, out);
    }

    @Override
    public void onReply(ByteBuf msg, ByteBuf blob) {
        if (future.isDone()) {
            return; // timed out meanwhile: nobody waits for this value
        }
        Object value;
        try {
            if (blob.isReadable()) {
                finish(
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
                    null,
                    new RpcException(
                            RpcCode.DECODE,
                            plan.action + ": cannot decode the reply as "
                                    + plan.contract.resultType().getTypeName() + ": " + t,
                            t));
            rethrowIfFatal(t);
            return;
        }
        finish(value, null);
    }

    @Override
    public void onErrno(int errno) {
        if (!future.isDone()) {
            finishError(WireError.errno(errno));
        }
    }

    @Override
    public void onErrorString(ByteBuf text) {
        if (!future.isDone()) {
            byte[] b = new byte[text.readableBytes()];
            text.getBytes(text.readerIndex(), b);
            finishError(WireError.wrap(b));
        }
    }

    @Override
    public void onFailure(RpcException failure) {
        finish(null, failure);
    }

    /** A user error: mapped through the registry (which never throws, but a call must end even if it did). */
    private void finishError(WireError w) {
        Throwable mapped;
        try {
            mapped = handler.errors().decode(w, plan.declaredErrors, handler.codec());
        } catch (Throwable t) {
            finish(null, new RpcException(RpcCode.DECODE, plan.action + ": cannot map the error " + w + ": " + t, t));
            rethrowIfFatal(t);
            return;
        }
        finish(null, mapped);
    }

    /** The JVM's own trouble (out of memory, internal error) is not ours to swallow: it goes on after the call ended. */
    private static void rethrowIfFatal(Throwable t) {
        if (t instanceof VirtualMachineError && !(t instanceof StackOverflowError)) {
            throw (VirtualMachineError) t;
        }
    }

    private void finish(Object value, Throwable error) {
        ScheduledFuture<?> d = deadline;
        if (d != null) {
            d.cancel(false);
        }
        Executor e = plan.async ? handler.completion() : null;
        if (e != null) {
            try {
                e.execute(() -> complete(value, error));
                return;
            } catch (RejectedExecutionException rejected) {
                // the executor is shut down or full: complete here rather than never
            }
        }
        complete(value, error);
    }

    private void complete(Object value, Throwable error) {
        if (error == null) {
            future.complete(value);
        } else {
            future.completeExceptionally(error);
        }
    }

    @Override
    public String toString() {
        return "ProxyCall[" + plan.action + " seq " + seq() + "]";
    }
}
