package io.occams.rpc.api.introspect;

import java.util.List;

/**
 * One server's listeners, in {@link ServerStatus}.
 *
 * @param runtime the runtime's name ({@code netty}, {@code vthreads})
 * @param addresses the addresses it listens on ({@code host:port}, or {@code unix:/path})
 * @param connections connections open now
 * @param inFlight calls received and not yet answered, over all its connections
 */
public record ListenerStatus(String runtime, List<String> addresses, int connections, int inFlight) {}
