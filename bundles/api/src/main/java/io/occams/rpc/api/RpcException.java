package io.occams.rpc.api;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * A call failed for a reason the caller did not declare.
 *
 * <p>Either the framework failed (then {@link #code()} says how: timeout, connection lost, unknown
 * service, ...), or the peer answered with a user error that no registered error codec could turn
 * into one of the method's declared exceptions. In the second case {@link #code()} is {@code null}
 * and the raw value is kept: {@link #errno()} for an errno frame, {@link #errorBytes()} for a
 * string frame. Nothing the peer sends is lost.
 *
 * <p>Immutable and thread-safe.
 */
public class RpcException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    /** Errno value meaning "not an errno frame". */
    public static final long NO_ERRNO = -1L;

    private final RpcCode code;
    private final long errno;
    private final byte[] errorBytes;

    /** A framework failure with the code's wire name as message. */
    public RpcException(RpcCode code) {
        this(code, code.wireName(), null);
    }

    /** A framework failure with a detail message. */
    public RpcException(RpcCode code, String message) {
        this(code, message, null);
    }

    /** A framework failure with a detail message and a cause. */
    public RpcException(RpcCode code, String message, Throwable cause) {
        super(
                message == null
                        ? code.wireName()
                        : (message.startsWith(code.wireName()) ? message : code.wireName() + ": " + message),
                cause);
        this.code = Objects.requireNonNull(code, "code");
        this.errno = NO_ERRNO;
        this.errorBytes = null;
    }

    private RpcException(String message, long errno, byte[] errorBytes) {
        super(message);
        this.code = null;
        this.errno = errno;
        this.errorBytes = errorBytes;
    }

    /** A user error sent as errno {@code errno} that nothing on this side maps to an exception type. */
    public static RpcException unmappedErrno(long errno) {
        return new RpcException(
                "remote error: errno " + errno + " (no error codec maps it)", errno & 0xFFFF_FFFFL, null);
    }

    /** A user error sent as a string frame that nothing on this side maps to an exception type. */
    public static RpcException unmappedString(byte[] bytes) {
        byte[] copy = bytes.clone();
        return new RpcException("remote error: \"" + printable(copy) + "\" (no error codec maps it)", NO_ERRNO, copy);
    }

    /** The framework code, or {@code null} when this carries an unmapped user error. */
    public RpcCode code() {
        return code;
    }

    /** Whether this is the framework failure {@code c}. */
    public boolean is(RpcCode c) {
        return code == c;
    }

    /** Whether a failover pool may retry the call elsewhere. User errors never are. */
    public boolean isRetryable() {
        return code != null && code.isRetryable();
    }

    /** The raw errno of an unmapped errno frame (0 to 2^32-1), or {@link #NO_ERRNO}. */
    public long errno() {
        return errno;
    }

    /** The raw bytes of an unmapped string frame (a copy), or {@code null}. */
    public byte[] errorBytes() {
        return errorBytes == null ? null : errorBytes.clone();
    }

    private static String printable(byte[] b) {
        int n = Math.min(b.length, 200);
        String s = new String(b, 0, n, StandardCharsets.UTF_8);
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            out.append(Character.isISOControl(ch) ? '?' : ch);
        }
        if (b.length > n) {
            out.append("...");
        }
        return out.toString();
    }
}
