package io.occams.rpc.runtime.netty.internal;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.ReferenceCountUtil;
import io.occams.rpc.api.PeerIdentity;
import io.occams.rpc.api.RpcAddress;
import io.occams.rpc.api.TlsConfig;
import io.occams.rpc.api.spi.Connection;
import io.occams.rpc.api.spi.TlsContext;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.CompletableFuture;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * TLS for the Netty runtime: makes each channel's {@link SslHandler} from a {@link TlsContext}, with
 * OpenSSL (netty-tcnative, BoringSSL) when {@link TlsConfig#provider()} allows it and it loads, the
 * JDK's engine otherwise, and holds the connection back until the handshake is done ({@link Gate}).
 *
 * <p>Netty's {@link SslContext} is made once per key-material generation and kept (one per context and
 * side): after a rotation the next handshake makes a new one, connections already open keep theirs.
 * Thread-safe.
 */
public final class NettyTls {
    private static final Logger LOG = LoggerFactory.getLogger(NettyTls.class);
    private static volatile boolean providerLogged;
    private static volatile boolean sessionLogged;

    /** The SslContexts made so far, per TlsContext; two slots: client [0] and server [1]. */
    private final Map<TlsContext, Cached[]> cache = Collections.synchronizedMap(new WeakHashMap<>());

    private record Cached(long generation, SslContext context) {}

    /** Whether the OpenSSL engine is available here (netty-tcnative present and its native library loads). */
    public static boolean openSslAvailable() {
        try {
            return OpenSsl.isAvailable();
        } catch (LinkageError e) {
            return false;
        }
    }

    /** The provider {@code config} resolves to here: {@code "openssl"} or {@code "jdk"}. */
    public static String providerName(TlsConfig config) {
        return provider(config) == SslProvider.OPENSSL ? "openssl" : "jdk";
    }

    private static SslProvider provider(TlsConfig config) {
        return switch (config.provider()) {
            case JDK -> SslProvider.JDK;
            case OPENSSL -> SslProvider.OPENSSL;
            default -> openSslAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
        };
    }

    /** The handler for a new channel: the client end towards {@code address}, or (address null) a server end. */
    public SslHandler newHandler(Channel ch, TlsContext tls, RpcAddress address) throws SSLException {
        boolean client = address != null;
        SslContext sc = sslContext(tls, client);
        SslHandler h;
        if (client) {
            String host = tls.peerHost(address);
            h = sc.newHandler(ch.alloc(), host, address.isUnix() ? -1 : address.port());
            tls.configureClient(h.engine(), host);
        } else {
            h = sc.newHandler(ch.alloc());
            tls.configureServer(h.engine());
        }
        h.setHandshakeTimeoutMillis(Math.max(1, tls.config().handshakeTimeout().toMillis()));
        return h;
    }

    private SslContext sslContext(TlsContext tls, boolean client) throws SSLException {
        TlsContext.Material m = tls.material();
        Cached[] slots = cache.computeIfAbsent(tls, k -> new Cached[2]);
        int slot = client ? 0 : 1;
        synchronized (slots) {
            Cached c = slots[slot];
            if (c != null && c.generation == m.generation()) {
                return c.context;
            }
            SslContext sc = build(tls.config(), m, client);
            slots[slot] = new Cached(m.generation(), sc);
            return sc;
        }
    }

    private static SslContext build(TlsConfig config, TlsContext.Material m, boolean client) throws SSLException {
        SslProvider provider = provider(config);
        if (!providerLogged) {
            providerLogged = true;
            LOG.info(
                    "TLS on the netty runtime uses the {} engine{}",
                    provider == SslProvider.OPENSSL ? "OpenSSL (" + OpenSsl.versionString() + ")" : "JDK",
                    provider == SslProvider.JDK && config.provider() == TlsConfig.Provider.AUTO
                            ? " (netty-tcnative not available)"
                            : "");
        }
        SslContextBuilder b = client
                ? SslContextBuilder.forClient().keyManager(m.keyManagers())
                : SslContextBuilder.forServer(m.keyManagers());
        b.sslProvider(provider).protocols(config.protocols()).trustManager(m.trustManagers());
        if (!client) {
            b.clientAuth(
                    switch (config.clientAuth()) {
                        case REQUIRE -> ClientAuth.REQUIRE;
                        case OPTIONAL -> ClientAuth.OPTIONAL;
                        default -> ClientAuth.NONE;
                    });
        }
        return b.build();
    }

    /**
     * Sits between the {@link SslHandler} and the connection's bridge: holds back {@code channelActive}
     * (so the stream layer's handler is made only for a connection whose handshake succeeded), records
     * the peer's identity, and on a failed handshake logs one line saying why (server) or fails the
     * connect with it (client), then closes. Removes itself once the handshake succeeded.
     */
    public static final class Gate extends ChannelInboundHandlerAdapter {
        private final NettyConnection connection;
        private final CompletableFuture<Connection> connected;
        private boolean failed;

        public Gate(NettyConnection connection, CompletableFuture<Connection> connected) {
            this.connection = connection;
            this.connected = connected;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            // held back until the handshake is done
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (!(evt instanceof SslHandshakeCompletionEvent e)) {
                ctx.fireUserEventTriggered(evt);
                return;
            }
            if (e.isSuccess()) {
                SslHandler h = ctx.pipeline().get(SslHandler.class);
                connection.peerIdentity(PeerIdentity.of(h.engine().getSession()));
                logSession(h.engine());
                ctx.pipeline().remove(this);
                ctx.fireChannelActive();
                return;
            }
            fail(ctx, e.cause());
        }

        /**
         * The engine and what was negotiated: INFO for the first handshake of this JVM (so a benchmark
         * or an operator sees which engine and cipher suite carry the bytes), DEBUG for every other.
         */
        private void logSession(SSLEngine engine) {
            String engineName = engine instanceof ReferenceCountedOpenSslEngine
                    ? "OpenSSL (" + OpenSsl.versionString() + ")"
                    : "JDK";
            if (!sessionLogged) {
                sessionLogged = true;
                LOG.info(
                        "TLS on the netty runtime: {} engine, first session {} {}",
                        engineName,
                        engine.getSession().getProtocol(),
                        engine.getSession().getCipherSuite());
            } else if (LOG.isDebugEnabled()) {
                LOG.debug(
                        "{}: TLS {} engine, {} {}",
                        connection.remoteAddress(),
                        engineName,
                        engine.getSession().getProtocol(),
                        engine.getSession().getCipherSuite());
            }
        }

        private void fail(ChannelHandlerContext ctx, Throwable cause) {
            if (failed) {
                return;
            }
            failed = true;
            String why = TlsContext.describe(cause);
            if (connected != null) {
                SSLHandshakeException ex = new SSLHandshakeException(
                        "TLS handshake with " + connection.remoteAddress() + " failed: " + why);
                ex.initCause(cause);
                connected.completeExceptionally(ex);
            } else {
                LOG.warn(
                        "TLS handshake with {} failed, closing the connection: {}",
                        ctx.channel().remoteAddress(),
                        why);
                LOG.debug("TLS handshake with {} failed", ctx.channel().remoteAddress(), cause);
            }
            var unused = ctx.close(); // the failure that matters is logged above; close listeners see the close
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg); // nothing is read before the handshake is done
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // the handshake failure event follows (and carries the same cause): one line then
            LOG.trace("{}: during the TLS handshake", ctx.channel(), cause);
        }
    }
}
