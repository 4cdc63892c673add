package io.occams.rpc.server.internal;

import io.occams.rpc.api.PeerIdentity;
import io.occams.rpc.api.RpcCode;
import io.occams.rpc.api.spi.Dispatch;
import io.occams.rpc.api.spi.ServerCall;
import io.occams.rpc.server.Authorizer;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks the {@link Authorizer} before a call reaches the dispatch behind it; a denied call is answered
 * with {@link RpcCode#PERMISSION_DENIED} here. A denial is logged (WARN) once per identity and service
 * per {@link #LOG_EVERY_NANOS}, so a client retrying in a loop cannot flood the log. Runs on the
 * connection's reader like any dispatch. Thread-safe.
 */
public final class AuthorizingDispatch implements Dispatch {
    private static final Logger LOG = LoggerFactory.getLogger(AuthorizingDispatch.class);
    /** How often one identity's denials on one service are logged at most: once a minute. */
    static final long LOG_EVERY_NANOS = TimeUnit.MINUTES.toNanos(1);
    /** Bounds the memory of what was logged; past it the memory starts over (a few more lines, no growth). */
    private static final int MAX_REMEMBERED = 10_000;

    private final Dispatch next;
    private final Supplier<Authorizer> authorizer;
    /** "identity|service" to when it was last logged (System.nanoTime). */
    private final ConcurrentHashMap<String, Long> logged = new ConcurrentHashMap<>();

    /**
     * @param authorizer the authorizer to ask now; null from it allows everything (a dynamic OSGi
     *        reference that is unset)
     */
    public AuthorizingDispatch(Dispatch next, Supplier<Authorizer> authorizer) {
        this.next = next;
        this.authorizer = authorizer;
    }

    @Override
    public void dispatch(ServerCall call) {
        Authorizer a = authorizer.get();
        if (a == null || a == Authorizer.ALLOW_ALL) {
            next.dispatch(call);
            return;
        }
        String action = call.stringAction();
        String service;
        String method;
        if (action == null) {
            service = "#" + call.numericAction();
            method = "";
        } else {
            int dot = action.indexOf('.');
            service = dot < 0 ? action : action.substring(0, dot);
            method = dot < 0 ? "" : action.substring(dot + 1);
        }
        PeerIdentity who = call.peerIdentity();
        boolean allowed;
        try {
            allowed = a.allows(who, service, method);
        } catch (RuntimeException e) {
            LOG.warn("the authorizer failed on {} calling {}.{}; denying", who, service, method, e);
            allowed = false;
        }
        if (allowed) {
            next.dispatch(call);
            return;
        }
        call.replyError(RpcCode.PERMISSION_DENIED);
        logDenied(who, service, method);
    }

    private void logDenied(PeerIdentity who, String service, String method) {
        String key = who.name() + "|" + service;
        long now = System.nanoTime();
        Long last = logged.get(key);
        if (last != null && now - last < LOG_EVERY_NANOS) {
            return;
        }
        if (logged.size() >= MAX_REMEMBERED) {
            logged.clear();
        }
        if (last == null ? logged.putIfAbsent(key, now) == null : logged.replace(key, last, now)) {
            LOG.warn(
                    "denied: {} may not call {}.{} (rpc_permission_denied; further denials of {} on {} are logged at most once a minute)",
                    who,
                    service,
                    method,
                    who.name(),
                    service);
        }
    }
}
