package io.occams.rpc.pool.internal;

import io.netty.buffer.ByteBuf;
import io.occams.rpc.api.RpcCode;
import io.occams.rpc.api.RpcException;
import io.occams.rpc.pool.ClientPool;
import io.occams.rpc.stream.ClientTask;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One user call through a failover pool: sends an {@link Attempt} (a fresh {@link ClientTask} with the
 * user task's action, msg and timeout) to a pool, and on a failure that is safe to retry sends another
 * to the next healthy pool; completes the user task exactly once.
 *
 * <p>What is retried, up to {@code retryLimit} times ({@code retryLimit + 1} attempts at most):
 * {@code rpc_unreachable}; {@code rpc_io_err} and {@code rpc_timeout} only when the task is
 * {@link ClientTask#isIdempotent() idempotent}, since the request may have reached the server and run
 * there (for {@code rpc_io_err} also when the pool was built with {@code retryAfterSend}, the seed's
 * behaviour); never a user error or another code. An attempt that failed before its frame was written
 * (the pool was down, closed, or its queue full; the connection closed while the call waited for the
 * window) never reached any server, so it is re-routed without counting, at most
 * {@value #MAX_REROUTES} times, whether idempotent or not.
 *
 * <p>Waiting: when a call (or its retry) finds no healthy pool, the router {@linkplain Router#await parks}
 * it until a pool is healthy again ({@link #resume}) or until the call's own deadline (its timeout, or
 * the pools' {@code taskTimeout}, counted from its submission), when it fails with the failure that made
 * it wait ({@link #expire}).
 *
 * <p>Ownership: the user task's blob is taken once, at construction; each attempt sends a retained
 * duplicate; the original is released once, when the call completes.
 *
 * <p>Threading: one attempt is out at a time; each completion runs on a connection's reader, a timer or
 * a closing thread, and decides the next step there (never blocking). The fields are handed from one
 * attempt to the next through the pools' and streams' locks, which order them.
 */
public final class RetryingCall {
    private static final Logger LOG = LoggerFactory.getLogger(RetryingCall.class);
    static final int MAX_REROUTES = 16;

    /** Where the next attempt goes. */
    public interface Router {
        /** The first healthy pool after {@code last} (from the start when {@code last} was removed), or null. */
        ClientPool next(ClientPool last);

        /**
         * Parks {@code call} until a pool is healthy, then {@link RetryingCall#resume resumes} it there; at
         * the call's {@linkplain RetryingCall#deadlineNanos deadline} {@link RetryingCall#expire expires}
         * it with {@code why}. Never blocks.
         */
        void await(RetryingCall call, RpcException why);
    }

    private final ClientTask task;
    private final Router router;
    private final int retryLimit;
    /** Whether rpc_io_err is retried even for a call that is not idempotent and whose frame was written. */
    private final boolean retryAfterSend;

    private final Duration timeout;
    /** System.nanoTime() after which a waiting call gives up. */
    private final long deadlineNanos;

    private ByteBuf blob;
    private ClientPool last;
    private int retries;
    private int reroutes;

    /**
     * Takes {@code task}'s blob; send with {@link #start}, or hand to {@link Router#await}.
     *
     * @param retryAfterSend whether {@code rpc_io_err} is retried even when the task is not idempotent and
     *     its frame was written (the seed's behaviour; it may then run twice)
     * @param defaultTimeout how long the call may wait for a pool when the task has no timeout of its own
     */
    public RetryingCall(
            ClientTask task, Router router, int retryLimit, boolean retryAfterSend, Duration defaultTimeout) {
        this.task = task;
        this.router = router;
        this.retryLimit = retryLimit;
        this.retryAfterSend = retryAfterSend;
        this.timeout = task.timeout();
        this.deadlineNanos = System.nanoTime() + (timeout != null ? timeout : defaultTimeout).toNanos();
        this.blob = task.takeBlob();
    }

    /** Sends the first attempt to {@code first}. */
    public void start(ClientPool first) {
        send(first);
    }

    /** When a waiting call gives up (System.nanoTime()). */
    public long deadlineNanos() {
        return deadlineNanos;
    }

    /** A pool is healthy again: the next attempt goes there. */
    public void resume(ClientPool pool) {
        send(pool);
    }

    /** No pool became healthy before the deadline (or the failover pool closed): completes with {@code why}. */
    public void expire(RpcException why) {
        finish(why);
    }

    private void send(ClientPool pool) {
        last = pool;
        pool.submit(new Attempt());
    }

    private void failed(Attempt attempt, RpcException e) {
        RpcCode code = e.code();
        boolean unsent = !attempt.encoded && (code == RpcCode.UNREACHABLE || code == RpcCode.IO);
        if (unsent && reroutes < MAX_REROUTES) {
            reroutes++;
        } else if (!unsent && retryable(code) && retries < retryLimit) {
            retries++;
        } else {
            finish(e);
            return;
        }
        ClientPool next = router.next(last);
        if (next == null) {
            router.await(this, e); // every address is down: wait for one, within the call's deadline
            return;
        }
        if (LOG.isDebugEnabled()) {
            LOG.debug(
                    "{} on {}; {} on {}",
                    code,
                    last.address(),
                    unsent ? "re-routing" : "retry " + retries,
                    next.address());
        }
        send(next);
    }

    /**
     * Whether a written attempt that failed with {@code code} may be sent again: a connection that broke
     * after the frame went out ({@code rpc_io_err}) or a reply that never came ({@code rpc_timeout}) leaves
     * the call run or not, so only an idempotent call is, unless the pool retries {@code rpc_io_err} after
     * a send on purpose.
     */
    private boolean retryable(RpcCode code) {
        switch (code) {
            case UNREACHABLE:
                return true;
            case IO:
                return task.isIdempotent() || retryAfterSend;
            case TIMEOUT:
                return task.isIdempotent();
            default:
                return false;
        }
    }

    private void releaseBlob() {
        ByteBuf b = blob;
        blob = null;
        if (b != null) {
            b.release();
        }
    }

    private void finish(RpcException e) {
        releaseBlob();
        try {
            task.onFailure(e);
        } catch (Throwable t) {
            LOG.warn("a task's onFailure threw", t);
        }
    }

    /** One attempt: delegates to the user task; each is sent once. */
    private final class Attempt extends ClientTask {
        /** Whether the stream began writing this attempt's frame (then it may have reached the server). */
        boolean encoded;

        boolean blobTaken;

        Attempt() {
            super(task);
            if (timeout != null) {
                timeout(timeout);
            }
            idempotent(task.isIdempotent());
        }

        @Override
        public void encodeMsg(ByteBuf out) {
            encoded = true;
            task.encodeMsg(out);
        }

        @Override
        public ByteBuf takeBlob() {
            if (blobTaken || blob == null) {
                return null;
            }
            blobTaken = true;
            return blob.retainedDuplicate();
        }

        @Override
        public void onReply(ByteBuf msg, ByteBuf replyBlob) {
            releaseBlob();
            task.onReply(msg, replyBlob);
        }

        @Override
        public void onErrno(int errno) {
            releaseBlob();
            task.onErrno(errno);
        }

        @Override
        public void onErrorString(ByteBuf text) {
            releaseBlob();
            task.onErrorString(text);
        }

        @Override
        public void onFailure(RpcException failure) {
            failed(this, failure);
        }
    }
}
