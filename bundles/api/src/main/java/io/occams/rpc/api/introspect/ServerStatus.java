package io.occams.rpc.api.introspect;

import java.util.List;

/**
 * What {@link Status#status()} answers.
 *
 * @param serving false while the server drains on shutdown (as {@link Health} says {@code NOT_SERVING})
 * @param listeners every server that dispatches to these services, one entry each (an OSGi server
 *     configuration, or an {@code RpcServer} on the module path), in the order they started
 * @param services every service served now, sorted by name (the built-in ones included)
 */
public record ServerStatus(boolean serving, List<ListenerStatus> listeners, List<ServiceStatus> services) {}
