package io.occams.rpc.stream;

import io.occams.rpc.api.RpcCode;
import io.occams.rpc.api.RpcException;

/**
 * A frame broke the protocol or a configured limit. The connection it came from cannot be trusted
 * any more (the byte stream may be out of step), so the stream layer closes it, logging
 * {@link #getMessage()}; other connections carry on.
 *
 * <p>{@link #reason()} tells the cases apart; {@link #code()} is {@code INVALID_VERSION} for a wrong
 * version, {@code ENCODE} for a frame this side refused to send, {@code DECODE} otherwise.
 */
public final class FrameException extends RpcException {
    private static final long serialVersionUID = 1L;

    /** What was wrong. */
    public enum Reason {
        /** The first two bytes are not {@code 25 4d}. */
        BAD_MAGIC,
        /** The version byte is not 1. */
        BAD_VERSION,
        /** A string action longer than the limit, or empty. */
        ACTION_TOO_LONG,
        /** A string action that is not valid UTF-8. */
        ACTION_NOT_UTF8,
        /** A numeric action outside 0..2^31-1: its top bit would make it read as a string action. */
        NUMERIC_ACTION_OUT_OF_RANGE,
        /** A msg longer than {@code maxFrameBytes}. */
        MSG_TOO_LONG,
        /** A blob longer than {@code maxFrameBytes}. */
        BLOB_TOO_LONG,
        /** A blob length with the top bit set (negative as i32). */
        NEGATIVE_LENGTH,
        /** A response flag other than 0, 1 or 2. */
        BAD_FLAG
    }

    private final Reason reason;

    public FrameException(Reason reason, String message) {
        super(codeOf(reason), reason + ": " + message);
        this.reason = reason;
    }

    private static RpcCode codeOf(Reason r) {
        return r == Reason.BAD_VERSION
                ? RpcCode.INVALID_VERSION
                : r == Reason.NUMERIC_ACTION_OUT_OF_RANGE ? RpcCode.ENCODE : RpcCode.DECODE;
    }

    public Reason reason() {
        return reason;
    }
}
