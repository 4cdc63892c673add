package io.occams.rpc.api.spi;

import io.netty.buffer.ByteBufAllocator;
import io.occams.rpc.api.RpcAddress;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * What a runtime gives the stream layer: sockets and threads. The stream layer never opens a socket
 * or starts a thread itself; it asks the runtime. Two runtimes ship: {@code runtime-vthreads}
 * (blocking channels, one virtual reader and one virtual writer per connection) and
 * {@code runtime-netty} (event loops, epoll where available).
 *
 * <p>A runtime moves bytes, not frames: it hands inbound bytes to the connection's
 * {@link ConnectionHandler} and writes the buffers it is given, in order, when asked to flush.
 * Framing, batching, timeouts and dispatch are the stream layer's.
 *
 * <p>Addresses follow spec §9: TCP ({@code host:port}) and Unix-domain sockets (a path). TCP
 * connections have TCP_NODELAY on (the stream layer batches; Nagle would only add delay).
 *
 * <p>Implementations are thread-safe. Lifecycle: create, use, {@link #close()} (idempotent) which
 * closes every listener and connection it still has and stops its threads.
 */
@ConsumerType
@SuppressWarnings("AvoidCommonTypeNames") // the SPI's name since 0.1.0; renaming it breaks every runtime
public interface Runtime extends AutoCloseable {
    /** A short name, e.g. {@code "vthreads"} or {@code "netty"}. */
    String name();

    /** The allocator that connections of this runtime use; pooled. */
    ByteBufAllocator allocator();

    /**
     * Connects to {@code address}. The factory is called once, before any byte is read, with the new
     * connection. The future fails with an {@link IOException} (or
     * {@link java.net.ConnectException}, {@link java.net.SocketTimeoutException}) when the peer
     * cannot be reached within {@code timeout}.
     */
    CompletableFuture<Connection> connect(RpcAddress address, Duration timeout, ConnectionHandler.Factory factory);

    /**
     * Binds {@code address} and accepts connections until the listener is closed; each accepted
     * connection gets a handler from {@code factory} before any byte is read. Port 0 binds a free
     * port ({@link Listener#localAddress()} tells which). A Unix path that exists as a socket is
     * replaced.
     *
     * @throws IOException when the address cannot be bound
     */
    Listener listen(RpcAddress address, ConnectionHandler.Factory factory) throws IOException;

    /**
     * {@link #connect(RpcAddress, Duration, ConnectionHandler.Factory)} over TLS when {@code tls} is not
     * null: the future completes once the handshake succeeded (within the timeout of
     * {@link io.occams.rpc.api.TlsConfig#handshakeTimeout()}), and fails with an
     * {@link javax.net.ssl.SSLException} saying why when it did not ({@link TlsContext#describe}). The
     * connection's {@link Connection#peerIdentity()} is the server's certificate.
     *
     * <p>The default handles a null {@code tls} and refuses TLS: a runtime that speaks it overrides this.
     *
     * @since 0.2
     */
    default CompletableFuture<Connection> connect(
            RpcAddress address, Duration timeout, ConnectionHandler.Factory factory, TlsContext tls) {
        if (tls == null) {
            return connect(address, timeout, factory);
        }
        return CompletableFuture.failedFuture(
                new UnsupportedOperationException("the " + name() + " runtime has no TLS"));
    }

    /**
     * {@link #listen(RpcAddress, ConnectionHandler.Factory)} over TLS when {@code tls} is not null: each
     * accepted connection first completes a handshake (bounded by
     * {@link io.occams.rpc.api.TlsConfig#handshakeTimeout()}) and only then gets its handler; one that
     * fails is closed with one log line that says why, and the listener carries on. The key material is
     * loaded before binding, so a bad file fails here.
     *
     * <p>The default handles a null {@code tls} and refuses TLS: a runtime that speaks it overrides this.
     *
     * @throws IOException when the address cannot be bound or the key material does not load
     * @since 0.2
     */
    default Listener listen(RpcAddress address, ConnectionHandler.Factory factory, TlsContext tls) throws IOException {
        if (tls == null) {
            return listen(address, factory);
        }
        throw new UnsupportedOperationException("the " + name() + " runtime has no TLS");
    }

    /** A scheduler for timers (the once-a-second timeout sweep); tasks must be short and must not block. */
    ScheduledExecutorService scheduler();

    /**
     * Where work that may block runs (synchronous service methods): a virtual thread per task where the
     * JVM has them (both shipped runtimes on Java 21+), a bounded pool of threads on Java 17
     * ({@code runtime-netty}). It should refuse no task while the runtime is open: the server bounds how
     * many calls wait, and a task refused anyway is run by the thread that handed it over.
     */
    Executor blockingExecutor();

    /** Closes all listeners and connections of this runtime and stops its threads; idempotent. */
    @Override
    void close();

    /** An open listening socket. */
    @ConsumerType
    interface Listener extends AutoCloseable {
        /** The bound address (with the real port when 0 was asked for). */
        RpcAddress localAddress();

        /** Stops accepting; connections already accepted are not touched. Idempotent. */
        @Override
        void close();
    }
}
