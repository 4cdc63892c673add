package io.occams.rpc.api.spi;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
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

    /** Where blocking work for this call may run. */
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

    /** Whether the call has been answered. */
    boolean isAnswered();
}
