package io.occams.rpc.api.intercept;

import io.occams.rpc.api.RpcCode;
import java.util.Objects;

/**
 * How a call ended: {@linkplain Kind#OK success}, a {@linkplain Kind#USER_ERROR user error} (the service
 * threw: an errno frame or a string frame on the wire), or a {@linkplain Kind#FRAMEWORK_ERROR framework
 * error} with its {@link RpcCode} (unknown method, timeout, undecodable arguments, ...). Immutable.
 */
public final class CallOutcome {
    /** The three kinds of ending. */
    public enum Kind {
        OK,
        USER_ERROR,
        FRAMEWORK_ERROR
    }

    private final Kind kind;
    private final RpcCode code;
    private final int errno;
    private final Throwable error;
    private final long durationNanos;

    private CallOutcome(Kind kind, RpcCode code, int errno, Throwable error, long durationNanos) {
        this.kind = kind;
        this.code = code;
        this.errno = errno;
        this.error = error;
        this.durationNanos = durationNanos;
    }

    /** Success. */
    public static CallOutcome ok(long durationNanos) {
        return new CallOutcome(Kind.OK, null, -1, null, durationNanos);
    }

    /** A framework error with {@code code}. */
    public static CallOutcome framework(RpcCode code, Throwable error, long durationNanos) {
        return new CallOutcome(Kind.FRAMEWORK_ERROR, Objects.requireNonNull(code, "code"), -1, error, durationNanos);
    }

    /** A user error: an errno ({@code errno >= 0}) or a string frame / exception ({@code errno} -1). */
    public static CallOutcome userError(int errno, Throwable error, long durationNanos) {
        return new CallOutcome(Kind.USER_ERROR, null, errno, error, durationNanos);
    }

    public Kind kind() {
        return kind;
    }

    public boolean isOk() {
        return kind == Kind.OK;
    }

    /** The framework error's code; null otherwise. */
    public RpcCode code() {
        return code;
    }

    /** The errno of a user error sent as an errno frame; -1 otherwise. */
    public int errno() {
        return errno;
    }

    /** The exception, where one is at hand (client side, and server methods that threw); else null. */
    public Throwable error() {
        return error;
    }

    /** From the call's start to its end, in nanoseconds. */
    public long durationNanos() {
        return durationNanos;
    }

    /**
     * The status as one word, for metrics and logs: {@code OK}, the framework code's wire name
     * ({@code rpc_timeout}, ...), {@code errno_<n>}, or {@code error} for any other user error.
     */
    public String status() {
        switch (kind) {
            case OK:
                return "OK";
            case FRAMEWORK_ERROR:
                return code.wireName();
            default:
                return errno >= 0 ? "errno_" + errno : "error";
        }
    }

    @Override
    public String toString() {
        return status() + " in " + durationNanos + " ns";
    }
}
