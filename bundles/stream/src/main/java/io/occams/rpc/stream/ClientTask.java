package io.occams.rpc.stream;

import io.netty.buffer.ByteBuf;
import io.occams.rpc.api.RpcException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * One request sent through a {@link ClientStream}, and the receiver of its outcome: the seed's client
 * task (spec §5.1) as one class. Subclass it to say what to send and what to do with the answer.
 *
 * <p>Call order: the stream assigns {@link #seq()}, calls {@link #encodeMsg} and {@link #takeBlob} once
 * while sending, then calls <b>exactly one</b> of {@link #onReply}, {@link #onErrno},
 * {@link #onErrorString} or {@link #onFailure}, exactly once: every task sent is completed, whatever
 * happens to the connection (no silent drop, unlike spec §12.7).
 *
 * <p>The methods are public so that wrappers (a failover pool's retry) can delegate; only the
 * framework calls them. A wrapper may call {@link #encodeMsg} once per attempt, so it must write the
 * same bytes each time.
 *
 * <p>Threading: the completion methods run on the connection's reader (or the timer, or the thread
 * that closed the stream) and must not block; hand slow work to another thread.
 *
 * <p>Reuse: a task may be sent again once it has completed, e.g. from inside its own completion method,
 * so that a caller that wants no garbage per call keeps one task per call slot. The completion method
 * is the end of the old call: by then the stream has forgotten it (a late reply to its old seq is
 * dropped), and a new send assigns a new {@link #seq()} and deadline; the {@link #timeout(Duration)} and
 * {@link #isIdempotent()} settings stay. Sending a task that is still in flight throws
 * {@link IllegalStateException}. Only one thread may send a given task at a time, and one that did not
 * run the completion needs a happens-before with it (whatever told it the call completed).
 *
 * <pre>{@code
 * final class Echo extends ClientTask {                       // a closed loop: one task, reused
 *     public void encodeMsg(ByteBuf out) { out.writeLongLE(n); }
 *     public void onReply(ByteBuf msg, ByteBuf blob) { n++; stream.submit(this); }
 *     ...
 * }
 * }</pre>
 *
 * <pre>{@code
 * final class Open extends ClientTask {
 *     Open() { super(1); }                                      // numeric action 1
 *     public void encodeMsg(ByteBuf out) { OPEN_BINDING.encode(req, out); }
 *     public void onReply(ByteBuf msg, ByteBuf blob) { future.complete(null); }
 *     public void onErrno(int errno) { future.completeExceptionally(new ErrnoException(errno)); }
 *     public void onErrorString(ByteBuf text) { ... }
 *     public void onFailure(RpcException e) { future.completeExceptionally(e); }
 * }
 * }</pre>
 */
@ConsumerType
public abstract class ClientTask {
    static final int NEW = 0;
    static final int SENT = 1;
    static final int DONE = 2;

    final int rawAction;
    final byte[] actionBytes;
    // The fields below are written by the sending thread under the stream's send lock, before the task
    // is published in the pending table (whose lock makes them visible to the reader and the timer).
    long seq;
    long deadlineNanos;
    long timeoutNanos = -1;
    /** The stream's {@link Deadlines} links; guarded by the stream's pending table, like the table itself. */
    ClientTask deadlinePrev;

    ClientTask deadlineNext;
    Deadlines.Lane deadlineLane;
    int state = NEW;
    private boolean idempotent;

    /** A task with numeric action {@code action} (0 to 2^31-1). */
    protected ClientTask(int action) {
        this.rawAction = Frames.numericAction(action);
        this.actionBytes = null;
    }

    /** A task with string action {@code action}, e.g. {@code "CalService.add"}. */
    protected ClientTask(String action) {
        this(action.getBytes(StandardCharsets.UTF_8), true);
    }

    /**
     * A task with a string action given as UTF-8 bytes (kept, not copied: share one array per action
     * to send without allocating).
     */
    protected ClientTask(byte[] utf8Action, boolean shared) {
        this.actionBytes = shared ? utf8Action : utf8Action.clone();
        this.rawAction = Frames.stringAction(utf8Action.length);
    }

    /**
     * A task with the same action as {@code other}, for wrappers that send another task's request
     * (a failover pool sends one per attempt). The action bytes are shared, not copied; nothing else
     * of {@code other} is taken: the wrapper delegates what it needs.
     */
    protected ClientTask(ClientTask other) {
        this.rawAction = other.rawAction;
        this.actionBytes = other.actionBytes;
    }

    /** The sequence number, once sent; 0 before. */
    public final long seq() {
        return seq;
    }

    /**
     * Sets this call's own timeout, instead of the stream's {@code taskTimeout}; call before sending.
     * Like the task timeout it fails the call with {@code rpc_timeout} within a few milliseconds of
     * its deadline (the stream's deadline timer).
     */
    public final ClientTask timeout(Duration timeout) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive: " + timeout);
        }
        this.timeoutNanos = timeout.toNanos();
        return this;
    }

    /** This call's own timeout, or null when the stream's {@code taskTimeout} applies. */
    public final Duration timeout() {
        return timeoutNanos > 0 ? Duration.ofNanos(timeoutNanos) : null;
    }

    /**
     * Marks the call idempotent: running it twice is harmless, so a failover pool may retry it after a
     * timeout (it never retries a timed-out call otherwise). Call before submitting.
     */
    public final ClientTask idempotent(boolean idempotent) {
        this.idempotent = idempotent;
        return this;
    }

    public final boolean isIdempotent() {
        return idempotent;
    }

    /**
     * Appends the structured message to {@code out} (borrowed). Default: none. */
    public void encodeMsg(ByteBuf out) {}

    /**
     * The raw blob to send after the msg, or null. Called once; the stream takes ownership and
     * releases it after writing (or on failure). Default: none.
     */
    public ByteBuf takeBlob() {
        return null;
    }

    /** Success. {@code msg} and {@code blob} are borrowed, valid only during the call; retain to keep. */
    public abstract void onReply(ByteBuf msg, ByteBuf blob);

    /** The peer answered with a user error number (an errno frame). */
    public abstract void onErrno(int errno);

    /** The peer answered with a user error string (a string frame that is no {@code rpc_*} name); borrowed. */
    public abstract void onErrorString(ByteBuf text);

    /** The call failed in the framework: timeout, connection loss, encode failure, or an {@code rpc_*} reply. */
    public abstract void onFailure(RpcException failure);
}
