package io.occams.rpc.api.intercept;

import org.osgi.annotation.versioning.ProviderType;

/**
 * One call as an interceptor sees it. Valid for the call's life; the names are fixed, the arguments are
 * decoded only when {@link #arguments()} is first asked for.
 */
@ProviderType
public interface CallInfo {
    /** Which side sees the call. */
    enum Side {
        /** The call arrived at a server. */
        SERVER,
        /** A client sends it. */
        CLIENT
    }

    Side side();

    /** The service name on the wire, e.g. {@code CalService}. */
    String service();

    /** The method name on the wire, e.g. {@code add}. */
    String method();

    /** {@code service + "." + method}. */
    default String action() {
        return service() + "." + method();
    }

    /**
     * Who is at the other end, when known (a verified identity, or an address); null when not known. The
     * server side knows only what its transport tells it.
     */
    String peer();

    /**
     * The arguments, decoded on the first call of this method; null when they cannot be had (on the server,
     * after the call was answered, or when the bytes are not the method's arguments). Do not change them.
     */
    Object[] arguments();

    /** {@link System#nanoTime()} when the call started. */
    long startNanos();
}
