package io.occams.rpc.server;

import io.occams.rpc.api.PeerIdentity;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * Decides who may call what: asked once per call, before it is dispatched, with the caller's
 * {@linkplain PeerIdentity identity} (its TLS client certificate, or {@link PeerIdentity#ANONYMOUS}) and
 * the {@code "Service.method"} it calls. A denied call is answered with {@code rpc_permission_denied}
 * and never reaches the service; the server logs it once per identity and service (rate limited).
 *
 * <p>Given to {@link RpcServer.Builder#authorizer}, or, in OSGi, registered as a service (the servers of
 * {@code io.occams.rpc.server} configurations use the best ranked one; with none, everything is allowed).
 * {@link PatternAuthorizer} is a ready one, configured from a table of patterns.
 *
 * <p>Threading: called on the connection's reader, concurrently for many connections; it must be
 * thread-safe, fast and must not block (decide from memory, not from a remote lookup).
 *
 * <pre>{@code
 * Authorizer onlyBilling = (who, service, method) ->
 *         !service.equals("Billing") || "billing".equals(who.commonName());
 * RpcServer server = RpcServer.builder().runtime(rt).config(tlsConfig).authorizer(onlyBilling).build();
 * }</pre>
 *
 * @since 0.2
 */
@ConsumerType
@FunctionalInterface
public interface Authorizer {
    /** Allows every call: the default. */
    Authorizer ALLOW_ALL = (identity, service, method) -> true;

    /**
     * Whether {@code identity} may call {@code service.method}.
     *
     * @param identity who calls; never null
     * @param service the service name, the part of the action before its first dot
     * @param method the method name, the rest of the action
     */
    boolean allows(PeerIdentity identity, String service, String method);
}
