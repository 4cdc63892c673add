package io.occams.rpc.runtime.vthreads.internal;

import io.occams.rpc.api.RpcAddress;
import io.occams.rpc.api.spi.TlsContext;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.SocketChannel;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLHandshakeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the TLS handshake of a new connection of the virtual-thread runtime, bounded by the handshake
 * timeout: the runtime's timer closes the channel when it passes, which ends a blocked read at once.
 * The server side logs one line per failed handshake saying why ({@link TlsContext#describe}) and
 * closes the connection; the client side fails the connect with that reason.
 */
public final class TlsHandshake {
    private static final Logger LOG = LoggerFactory.getLogger(TlsHandshake.class);
    private static volatile boolean sessionLogged;

    private TlsHandshake() {}

    /**
     * The client end: handshakes with the server at {@code address}.
     *
     * @throws SSLHandshakeException saying why the handshake failed (the cause is the engine's exception)
     */
    public static TlsChannel client(
            SocketChannel ch, TlsContext tls, RpcAddress address, ScheduledExecutorService timer) throws IOException {
        SSLEngine engine = tls.newClientEngine(address);
        try {
            return run(ch, engine, tls, timer);
        } catch (IOException e) {
            SSLHandshakeException ex =
                    new SSLHandshakeException("TLS handshake with " + address + " failed: " + TlsContext.describe(e));
            ex.initCause(e);
            throw ex;
        }
    }

    /**
     * The server end of an accepted connection; null when the handshake failed (then the channel is
     * closed and one line logged).
     */
    public static TlsChannel server(SocketChannel ch, TlsContext tls, String peer, ScheduledExecutorService timer) {
        try {
            return run(ch, tls.newServerEngine(), tls, timer);
        } catch (IOException | RuntimeException e) {
            LOG.warn("TLS handshake with {} failed, closing the connection: {}", peer, TlsContext.describe(e));
            LOG.debug("TLS handshake with {} failed", peer, e);
            try {
                ch.close();
            } catch (IOException ignored) {
                // closing anyway
            }
            return null;
        }
    }

    private static TlsChannel run(SocketChannel ch, SSLEngine engine, TlsContext tls, ScheduledExecutorService timer)
            throws IOException {
        if (ch.getRemoteAddress() instanceof InetSocketAddress) {
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true); // the handshake's flights go out at once
        }
        TlsChannel t = new TlsChannel(ch, engine);
        AtomicBoolean timedOut = new AtomicBoolean();
        ScheduledFuture<?> deadline;
        try {
            deadline = timer.schedule(
                    () -> {
                        timedOut.set(true);
                        try {
                            ch.close();
                        } catch (IOException ignored) {
                            // the handshake fails either way
                        }
                    },
                    tls.config().handshakeTimeout().toNanos(),
                    TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException shutDown) {
            ch.close();
            throw new IOException("runtime is shut down", shutDown);
        }
        try {
            t.handshake();
        } catch (IOException | RuntimeException e) {
            if (timedOut.get()) {
                IOException timeout = new IOException(
                        "handshake timed out after " + tls.config().handshakeTimeout(),
                        new TimeoutException("handshake timed out"));
                timeout.addSuppressed(e);
                throw timeout;
            }
            throw e;
        } finally {
            deadline.cancel(false);
        }
        if (timedOut.get() || !ch.isOpen()) {
            throw new IOException(
                    "handshake timed out after " + tls.config().handshakeTimeout(),
                    new TimeoutException("handshake timed out"));
        }
        logSession(engine);
        return t;
    }

    /**
     * What was negotiated: INFO for the first handshake of this JVM (so a benchmark or an operator sees
     * which engine and cipher suite carry the bytes), DEBUG for every other.
     */
    private static void logSession(SSLEngine engine) {
        if (!sessionLogged) {
            sessionLogged = true;
            LOG.info(
                    "TLS on the virtual-thread runtime: JDK engine, first session {} {}",
                    engine.getSession().getProtocol(),
                    engine.getSession().getCipherSuite());
        } else if (LOG.isDebugEnabled()) {
            LOG.debug(
                    "TLS: JDK engine, {} {}",
                    engine.getSession().getProtocol(),
                    engine.getSession().getCipherSuite());
        }
    }
}
