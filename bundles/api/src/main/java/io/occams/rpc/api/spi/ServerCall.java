package io.occams.rpc.api.spi;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.occams.rpc.api.PeerIdentity;
import io.occams.rpc.api.RpcCode;
import java.util.concurrent.Executor;
import org.osgi.annotation.versioning.ProviderType;

/**
 * One accepted request on a server connection, and the means to answer it, exactly once.
 *
 * <p>Ownership: {@link #msg()} and {@link #blob()} are borrowed from the call and stay valid until the
 * call is answered; {@code retain()} (or {@code retainedSlice()}) what must live longer. The blob is a
 * slice of the bytes read from the socket, not a copy.
 *
 * <p>Thread safety: the reply methods may be called from any thread; the first reply wins and any
 * later one throws {@link IllegalStateException} (after releasing what it was given).
 *
 * <p><b>Lifetime: the object is valid only until it is answered.</b> The stream layer recycles it for a
 * later request of the same connection as soon as the reply is written (no garbage per call), so once a
 * reply method has been called, on any thread, the caller must not touch it again: no second reply, no
 * {@link #seq()} in a log line, no {@link #isAnswered()}. It is the same contract as a released pooled
 * {@code ByteBuf}: copy what you need (the seq, the action) <em>before</em> answering. Misuse is caught
 * where that is cheap: a reply, {@link #msg()} or {@link #blob()} on an object that has been answered and
 * not yet handed out again throws {@link IllegalStateException} (after its connection has closed, no
 * object is handed out again, so a second reply then always throws; a first reply then is dropped, its
 * buffers released, as before). A stale reference used after the object was handed out again cannot be told
 * apart from the new owner's and would answer the new request: that is the bug the rule forbids.
 * {@link #isAnswered()} is meant for the thread that dispatched the call, while it still owns it.
 *
 * <pre>{@code
 * Dispatch d = call -> {
 *     long seq = call.seq();                     // what is needed later, copied while the call is ours
 *     ByteBuf in = call.msg().retain();          // borrowed: retain to keep past the answer
 *     executor.execute(() -> {
 *         try { call.reply(work(in), null); }    // the last use of call
 *         finally { in.release(); }
 *         log.debug("answered {}", seq);         // not call.seq(): call may be another request's now
 *     });
 * };
 * }</pre>
 */
@ProviderType
public interface ServerCall {
    /** The request's sequence number; the reply carries the same. */
    long seq();

    /** Whether the action is a string ({@code "Service.method"}) rather than a number. */
    boolean hasStringAction();

    /** The numeric action (0 to 2^31-1); -1 for a string action. */
    int numericAction();

    /** The string action; null for a numeric action. */
    String stringAction();

    /** The structured message (codec-encoded); borrowed; may be empty. */
    ByteBuf msg();

    /** The raw blob; borrowed; empty when the request has none. */
    ByteBuf blob();

    /**
     * Where blocking work for this call may run: the runtime's blocking executor. A task handed over by
     * the dispatching reader waits for the end of the current read and goes, with the others of that
     * read, to one thread that runs them in turn; should one of them block, the rest move to threads of
     * their own within about a millisecond. A task handed over from any other thread goes at once.
     */
    Executor executor();

    /** The allocator for reply buffers. */
    ByteBufAllocator alloc();

    /** Answers with success: {@code msg} and {@code blob} (either may be null for none); takes ownership of both. */
    void reply(ByteBuf msg, ByteBuf blob);

    /** Answers with an errno frame (flag 1). */
    void replyErrno(int errno);

    /** Answers with a string frame (flag 2) carrying {@code bytes}; takes ownership. */
    void replyError(ByteBuf bytes);

    /** Answers with the framework error {@code code} (a flag-2 frame with its wire name). */
    void replyError(RpcCode code);

    /**
     * Who made the call: the {@linkplain Connection#peerIdentity() identity} of its connection. Like the
     * other getters, read it before answering.
     *
     * @since 0.2
     */
    default PeerIdentity peerIdentity() {
        return PeerIdentity.ANONYMOUS;
    }

    /** Whether the call has been answered; only meaningful while the caller still owns it (see above). */
    boolean isAnswered();
}
