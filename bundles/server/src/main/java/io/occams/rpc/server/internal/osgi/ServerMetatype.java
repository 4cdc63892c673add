package io.occams.rpc.server.internal.osgi;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The typed, documented description of a server configuration ({@value ServerComponent#PID}, factory) for
 * Metatype: what {@code config:} in Karaf and the web console show. The component itself reads the raw
 * properties (see the table in the {@code io.occams.rpc.server} package documentation); durations are
 * strings such as {@code 5s} or {@code 250ms}.
 */
@ObjectClassDefinition(
        id = ServerComponent.PID,
        name = "occams-rpc server",
        description =
                "An occams-rpc server: listens where it says, on the runtime it names, and serves every @RpcService OSGi service.")
@interface ServerMetatype {
    @AttributeDefinition(description = "The server's name in logs (default: the PID).", required = false)
    String name();

    @AttributeDefinition(description = "TCP address to bind, with port.", required = false)
    String host() default "127.0.0.1";

    @AttributeDefinition(
            description = "TCP port; 0 binds a free one (kept across re-binds). None: no TCP.",
            required = false,
            min = "0",
            max = "65535")
    int port();

    @AttributeDefinition(description = "A Unix-domain socket path to listen on as well.", required = false)
    String unix();

    @AttributeDefinition(description = "More addresses, host:port or /path.", required = false, cardinality = 100)
    String[] addresses();

    @AttributeDefinition(
            description = "Acceptable runtimes in order of preference (netty, vthreads); empty: the best ranked.",
            required = false,
            cardinality = 10)
    String[] runtime();

    @AttributeDefinition(
            description = "How long calls wait for a replacement when the last provider of a name left.",
            required = false)
    String swapGrace() default "5s";

    @AttributeDefinition(
            description = "How long a leaving provider's unregistration waits for its calls in flight.",
            required = false)
    String drainTimeout() default "30s";

    @AttributeDefinition(
            description = "How long a re-bind or stop waits for accepted calls to be answered.",
            required = false)
    String serverCloseWait() default "90s";

    @AttributeDefinition(
            description = "How long the rest of a request may take once its header arrived.",
            required = false)
    String readTimeout() default "5s";

    @AttributeDefinition(description = "How long a write may stay blocked.", required = false)
    String writeTimeout() default "5s";

    @AttributeDefinition(description = "How long a connection may wait for its next request.", required = false)
    String idleTimeout() default "120s";

    @AttributeDefinition(description = "Largest msg or blob accepted in one request.", required = false, min = "1")
    int maxFrameBytes() default 16777216;

    @AttributeDefinition(description = "Longest string action accepted.", required = false, min = "1")
    int maxActionBytes() default 1024;

    @AttributeDefinition(
            description = "Calls of one connection in flight before reading pauses.",
            required = false,
            min = "1")
    int maxCallsPerConnection() default 4096;

    @AttributeDefinition(
            description = "Serve the built-in OccamsReflection, OccamsHealth and OccamsStatus services.",
            required = false,
            type = AttributeType.BOOLEAN)
    boolean introspection() default true;
}
