package io.occams.rpc.api.introspect;

import io.occams.rpc.api.RpcService;

/**
 * The status service every server serves beside {@link Reflection} and {@link Health} (unless told not
 * to): what an operator asks a running server, the numbers behind "is it busy, and with what". One call,
 * {@code OccamsStatus.status} on the wire (no argument), answers with the server's listeners
 * (runtime, addresses, connections open, calls in flight) and, per service served now, its provider,
 * how many calls its providers started and how many of those failed since they registered, and how many
 * run now. The answer is a msgpack map keyed by the record components' names, so a client in any
 * language can read it; the {@code occams status} command prints it.
 *
 * <p>The figures are read one after another, not as one atomic snapshot: under load the sums may be a
 * few calls apart.
 */
@RpcService(Status.NAME)
public interface Status {
    /** The service name on the wire. */
    String NAME = "OccamsStatus";

    /** The server's listeners and its services' counters, now. */
    ServerStatus status();
}
