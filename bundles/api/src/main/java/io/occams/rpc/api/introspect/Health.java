package io.occams.rpc.api.introspect;

import io.occams.rpc.api.RpcService;
import java.util.Map;

/**
 * The health service, after the gRPC health protocol: {@link #check(String)} answers {@link #SERVING},
 * {@link #NOT_SERVING} or {@link #SERVICE_UNKNOWN} for a service name, and for the empty name the
 * server as a whole. A server that is shutting down (draining) answers {@code NOT_SERVING} for every
 * name; a name whose last provider just left (and may come back within swapGrace) is
 * {@code NOT_SERVING} too. On the wire: {@code OccamsHealth.check} and {@code OccamsHealth.all}.
 */
@RpcService(Health.NAME)
public interface Health {
    /** The service name on the wire. */
    String NAME = "OccamsHealth";
    /** The service (or server) takes calls. */
    String SERVING = "SERVING";
    /** The server is draining, or the name has no provider just now. */
    String NOT_SERVING = "NOT_SERVING";
    /** The name was never served here. */
    String SERVICE_UNKNOWN = "SERVICE_UNKNOWN";

    /** The status of {@code service}; "" (or null) asks about the server as a whole. */
    String check(String service);

    /** The status of the server ("") and of every service it serves now, by name. */
    Map<String, String> all();
}
