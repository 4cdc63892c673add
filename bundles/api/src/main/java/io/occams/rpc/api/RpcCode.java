package io.occams.rpc.api;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The framework's own error codes: the nine {@code rpc_*} names of occams-rpc 0.2 (spec §4.1).
 *
 * <p>Only the {@link #wireName() wire name} ever crosses the network, in a string error frame
 * (flag 2); the ordinal is local. The names are stable and never reused. The prefix {@code rpc_}
 * is reserved for these codes.
 *
 * <p>{@link #isRetryable()} marks the codes that a failover pool may retry on another address:
 * the call may not have reached the peer's handler ({@code UNREACHABLE}, {@code IO}) or its
 * outcome is unknown ({@code TIMEOUT}, retried only for idempotent calls).
 */
public enum RpcCode {
    /** Connect or ping failure; no healthy address. */
    UNREACHABLE("rpc_unreachable"),
    /** Socket error or connection closed. */
    IO("rpc_io_err"),
    /** The call's deadline or the task timeout passed (client), or the connection sat idle (server). */
    TIMEOUT("rpc_timeout"),
    /** The service exists but has no such method. */
    METHOD_NOT_FOUND("rpc_method_notfound"),
    /** No provider serves the service name. */
    SERVICE_NOT_FOUND("rpc_service_notfound"),
    /** A value could not be encoded. */
    ENCODE("rpc_encode"),
    /** A frame, an action or a value could not be decoded, or the request could not be dispatched. */
    DECODE("rpc_decode"),
    /** A failure inside the framework or an unmapped server-side exception. */
    INTERNAL("rpc_internal_err"),
    /** The peer speaks another protocol version. */
    INVALID_VERSION("rpc_invalid_ver"),
    /**
     * The server's authorizer does not let this caller (its TLS identity) call this method; never retried.
     *
     * @since 0.2
     */
    PERMISSION_DENIED("rpc_permission_denied");

    /** The reserved prefix of every wire name. */
    public static final String PREFIX = "rpc_";

    private static final RpcCode[] VALUES = values();

    private final String wireName;

    @SuppressWarnings("ImmutableEnumChecker") // never changed; wireBytes() hands out a copy
    private final byte[] wireBytes;

    RpcCode(String wireName) {
        this.wireName = wireName;
        this.wireBytes = wireName.getBytes(StandardCharsets.US_ASCII);
    }

    /** The string sent in a flag-2 error frame, e.g. {@code "rpc_timeout"}. */
    public String wireName() {
        return wireName;
    }

    /** The wire name as ASCII bytes; a fresh copy. */
    public byte[] wireBytes() {
        return wireBytes.clone();
    }

    /** Whether a failover pool may send the call to another address (spec §4.1: codes before METHOD_NOT_FOUND). */
    public boolean isRetryable() {
        return ordinal() < METHOD_NOT_FOUND.ordinal();
    }

    /**
     * The code whose wire name equals {@code name} exactly, or {@code null}.
     */
    public static RpcCode fromWireName(CharSequence name) {
        if (name == null
                || name.length() < PREFIX.length()
                || !PREFIX.contentEquals(name.subSequence(0, PREFIX.length()))) {
            return null;
        }
        for (RpcCode c : VALUES) {
            if (c.wireName.contentEquals(name)) {
                return c;
            }
        }
        return null;
    }

    /** The code whose wire bytes equal {@code bytes[off, off+len)} exactly, or {@code null}; allocates nothing. */
    public static RpcCode fromWireBytes(byte[] bytes, int off, int len) {
        if (len < 4 || bytes[off] != 'r' || bytes[off + 1] != 'p' || bytes[off + 2] != 'c' || bytes[off + 3] != '_') {
            return null;
        }
        for (RpcCode c : VALUES) {
            if (c.wireBytes.length == len && Arrays.equals(c.wireBytes, 0, len, bytes, off, off + len)) {
                return c;
            }
        }
        return null;
    }

    @Override
    public String toString() {
        return wireName;
    }
}
