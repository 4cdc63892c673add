package io.occams.rpc.pool.internal.osgi;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The typed, documented description of a client pool configuration ({@value ClientComponent#PID},
 * factory) for Metatype: what {@code config:} in Karaf and the web console show. The component itself
 * reads the raw properties (see the table in the {@code io.occams.rpc.pool} package documentation);
 * durations are strings such as {@code 5s} or {@code 250ms}.
 */
@ObjectClassDefinition(
        id = ClientComponent.PID,
        name = "occams-rpc client pool",
        description = "A failover pool of connections to occams-rpc servers, registered as a Caller service.")
@interface ClientMetatype {
    @AttributeDefinition(description = "The pool's name in logs (default: the PID).", required = false)
    String name();

    @AttributeDefinition(description = "Server addresses, host:port or /path.", cardinality = 100)
    String[] addresses();

    @AttributeDefinition(
            description = "round_robin or first_healthy.",
            required = false,
            options = {
                @org.osgi.service.metatype.annotations.Option(value = "round_robin"),
                @org.osgi.service.metatype.annotations.Option(value = "first_healthy")
            })
    String selection() default "round_robin";

    @AttributeDefinition(description = "How many times a failed call may be sent again.", required = false, min = "0")
    int retryLimit() default 2;

    @AttributeDefinition(
            description = "Also retry a call that is not idempotent after rpc_io_err when its request may have"
                    + " reached the server (the seed's behaviour): only for services whose every call may run twice.",
            required = false)
    boolean retryAfterSend() default false;

    @AttributeDefinition(
            description = "Acceptable runtimes in order of preference; empty: the best ranked.",
            required = false,
            cardinality = 10)
    String[] runtime();

    @AttributeDefinition(description = "Connections per address.", required = false, min = "1")
    int maxConnections() default 8;

    @AttributeDefinition(description = "Calls in flight per connection (the window).", required = false, min = "1")
    int thresholds() default 128;

    @AttributeDefinition(description = "How long a call waits for its reply.", required = false)
    String taskTimeout() default "20s";

    @AttributeDefinition(description = "How long a connect may take.", required = false)
    String connectTimeout() default "10s";

    @AttributeDefinition(
            description = "How long the rest of a frame may take; how long a pong may take.",
            required = false)
    String readTimeout() default "5s";

    @AttributeDefinition(description = "How long a write may stay blocked.", required = false)
    String writeTimeout() default "5s";

    @AttributeDefinition(description = "How long an unused connection stays open.", required = false)
    String idleTimeout() default "120s";

    @AttributeDefinition(description = "Largest msg, blob or error body accepted.", required = false, min = "1")
    int maxFrameBytes() default 16777216;

    @AttributeDefinition(description = "The client id in every request header.", required = false)
    long clientId() default 0;
}
