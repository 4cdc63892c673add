package io.occams.rpc.server.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.occams.rpc.api.PeerIdentity;
import io.occams.rpc.api.RpcCode;
import io.occams.rpc.api.RpcException;
import io.occams.rpc.api.intercept.CallInfo;
import io.occams.rpc.api.intercept.CallInterceptors;
import io.occams.rpc.api.intercept.CallOutcome;
import io.occams.rpc.api.spi.ServerCall;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A server call seen by interceptors: it wraps the stream's {@link ServerCall}, hands every reply on to
 * it, and tells the interceptors how the call ended when the first reply passes. Made only when at least
 * one interceptor is registered (the dispatcher checks one field), so calls without interceptors neither
 * allocate it nor pay for it.
 *
 * <p>The names are copied at the start: the stream recycles the wrapped call once it is answered. The
 * arguments are decoded on first request, and only while the call is not answered (its msg is borrowed
 * until then).
 */
public final class InterceptedCall implements ServerCall, CallInfo {
    /** Decodes a call's arguments for the current provider of {@code service.method}; null when it cannot. */
    @FunctionalInterface
    public interface ArgumentDecoder {
        Object[] decode(String service, String method, ByteBuf msg);
    }

    private static final Object[] UNDECODED = new Object[0];

    private final ServerCall call;
    private final CallInterceptors chain;
    private final ArgumentDecoder decoder;
    private final String service;
    private final String method;
    /** The decoder's cached action string (copied: the call is recycled once answered); null for a numeric one. */
    private final String action;

    private final long start;
    /** The connection's identity, read at the start (the wrapped call is recycled once answered). */
    private final PeerIdentity peer;

    private final AtomicBoolean ended = new AtomicBoolean();
    private Object[] states;
    private volatile Object[] args = UNDECODED;

    private InterceptedCall(ServerCall call, CallInterceptors chain, ArgumentDecoder decoder) {
        this.call = call;
        this.chain = chain;
        this.decoder = decoder;
        this.start = System.nanoTime();
        PeerIdentity who = call.peerIdentity();
        this.peer = who != null ? who : PeerIdentity.ANONYMOUS;
        String action = call.stringAction();
        this.action = action;
        int dot = action == null ? -1 : action.indexOf('.');
        if (action == null) {
            this.service = "";
            this.method = "#" + call.numericAction();
        } else if (dot < 0) {
            this.service = action;
            this.method = "";
        } else {
            this.service = action.substring(0, dot);
            this.method = action.substring(dot + 1);
        }
    }

    /**
     * Begins {@code call} in {@code chain}; returns the call to dispatch, or null when an interceptor refused
     * it (it is answered with the refusal's code then).
     */
    public static ServerCall begin(CallInterceptors chain, ServerCall call, ArgumentDecoder decoder) {
        InterceptedCall c = new InterceptedCall(call, chain, decoder);
        try {
            c.states = chain.begin(c);
        } catch (RpcException refused) {
            c.ended.set(true); // the chain has ended itself
            call.replyError(refused.code());
            return null;
        }
        return c;
    }

    private void end(CallOutcome outcome) {
        if (ended.compareAndSet(false, true)) {
            args = null;
            chain.end(this, states, outcome);
        }
    }

    private long elapsed() {
        return System.nanoTime() - start;
    }

    // CallInfo

    @Override
    public Side side() {
        return Side.SERVER;
    }

    @Override
    public String service() {
        return service;
    }

    @Override
    public String method() {
        return method;
    }

    @Override
    public String action() {
        String a = action;
        return a != null ? a : service + "." + method;
    }

    /**
     * The name of the connection's {@link PeerIdentity}: the client certificate's subject over mutual TLS,
     * {@value PeerIdentity#ANONYMOUS_NAME} otherwise.
     */
    @Override
    public String peer() {
        return peer.name();
    }

    @Override
    public Object[] arguments() {
        Object[] a = args;
        if (a != UNDECODED) {
            return a;
        }
        synchronized (this) {
            if (args != UNDECODED) {
                return args;
            }
            Object[] decoded = null;
            if (!ended.get()) {
                try {
                    decoded = decoder.decode(service, method, call.msg());
                } catch (RuntimeException e) {
                    decoded = null;
                }
            }
            args = decoded;
            return decoded;
        }
    }

    @Override
    public long startNanos() {
        return start;
    }

    // ServerCall: everything goes to the wrapped call; the first reply ends the interception.

    @Override
    public long seq() {
        return call.seq();
    }

    @Override
    public boolean hasStringAction() {
        return call.hasStringAction();
    }

    @Override
    public int numericAction() {
        return call.numericAction();
    }

    @Override
    public String stringAction() {
        return call.stringAction();
    }

    @Override
    public ByteBuf msg() {
        return call.msg();
    }

    @Override
    public ByteBuf blob() {
        return call.blob();
    }

    @Override
    public Executor executor() {
        return call.executor();
    }

    @Override
    public ByteBufAllocator alloc() {
        return call.alloc();
    }

    @Override
    public void reply(ByteBuf msg, ByteBuf blob) {
        long d = elapsed();
        call.reply(msg, blob);
        end(CallOutcome.ok(d));
    }

    @Override
    public void replyErrno(int errno) {
        long d = elapsed();
        call.replyErrno(errno);
        end(CallOutcome.userError(errno, null, d));
    }

    @Override
    public void replyError(ByteBuf bytes) {
        long d = elapsed();
        call.replyError(bytes);
        end(CallOutcome.userError(-1, null, d));
    }

    @Override
    public void replyError(RpcCode code) {
        long d = elapsed();
        call.replyError(code);
        end(CallOutcome.framework(code, null, d));
    }

    @Override
    public PeerIdentity peerIdentity() {
        return peer;
    }

    @Override
    public boolean isAnswered() {
        return ended.get() || call.isAnswered();
    }

    @Override
    public String toString() {
        return "InterceptedCall[" + service + "." + method + "]";
    }
}
