package io.occams.rpc.api.spi;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Routes the requests of a server's connections to the code that answers them. The remote-API
 * {@code ServiceDispatcher} is one; a low-level user can write their own, e.g. by numeric action.
 *
 * <p>Threading: {@link #dispatch} runs on the connection's reader, so it must not block: decide,
 * then run slow work on {@link ServerCall#executor()} (or any other thread) and reply from there.
 * Every call must be answered exactly once; a dispatch that throws is answered with
 * {@code rpc_internal_err} by the stream layer.
 *
 * <pre>{@code
 * Dispatch echo = call -> call.reply(call.msg().retain(), null);
 * }</pre>
 */
@ConsumerType
@FunctionalInterface
public interface Dispatch {
    /** Handles one request (pings never arrive here). */
    void dispatch(ServerCall call);
}
