package io.occams.rpc.runtime.netty;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.DuplexChannelConfig;
import io.netty.util.concurrent.EventExecutor;
import io.occams.rpc.api.RpcAddress;
import io.occams.rpc.api.spi.Connection;
import io.occams.rpc.api.spi.ConnectionHandler;
import io.occams.rpc.api.spi.Runtime;
import io.occams.rpc.api.spi.RuntimeBuilder;
import io.occams.rpc.api.spi.RuntimeLifecycle;
import io.occams.rpc.api.spi.TlsContext;
import io.occams.rpc.runtime.netty.internal.BlockingExecutors;
import io.occams.rpc.runtime.netty.internal.NamedThreadFactory;
import io.occams.rpc.runtime.netty.internal.NettyConnection;
import io.occams.rpc.runtime.netty.internal.NettyListener;
import io.occams.rpc.runtime.netty.internal.NettyTls;
import io.occams.rpc.runtime.netty.internal.Transport;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The occams-rpc {@link Runtime} on Netty event loops: native epoll on Linux when its library loads
 * (and {@link Builder#preferNative} allows), NIO otherwise; TCP and Unix-domain sockets on both.
 * TCP connections have TCP_NODELAY on; every connection allows half-closure, so the peer's end of
 * stream reaches the handler as {@link ConnectionHandler#onInputShutdown()} and not as a close.
 * Buffers come from Netty's pooled allocator.
 *
 * <p>Threads (daemons; the runtime never keeps a JVM alive by itself): {@code occams-netty-io-N}
 * event loops, which read, write and call every {@link ConnectionHandler} (a connection stays on one
 * loop); {@code occams-netty-blocking-N} behind {@link #blockingExecutor()}, where synchronous service
 * methods run: a virtual thread per task on a Java 21+ JVM (unless {@link Builder#virtualThreads} says
 * no), else a bounded pool of platform threads whose queue does not refuse work (the server's limits on
 * unanswered calls bound what waits there); and {@code occams-netty-timer} behind {@link #scheduler()}.
 *
 * <p>Back-pressure: {@link Connection#isWritable()} turns false when the queued, unsent bytes of a
 * connection pass the high-water mark and true again below the low-water mark.
 * {@link Connection#close()} waits at most the write timeout for queued writes to go out, then closes.
 *
 * <p>{@link #connect} completes its future on the connection's I/O thread, right after the handler
 * factory ran: dependent stages that run there must not block. On the module path, epoll is used only
 * when its modules are resolved ({@code --add-modules io.netty.transport.classes.epoll,}
 * {@code io.netty.transport.epoll.linux.x86_64}); otherwise, and in OSGi without the epoll bundles, NIO.
 * NIO Unix sockets close on the peer's end of stream instead of half-closing (a Netty 4.2.18 limit).
 *
 * <p>Thread-safe. Lifecycle: build, use, {@link #close()} (idempotent, blocking, bounded) which closes
 * listeners, then connections (flushing each, bounded by the write timeout), then stops its threads.
 *
 * <pre>{@code
 * try (NettyRuntime rt = NettyRuntime.builder().ioThreads(2).build()) {
 *     Runtime.Listener l = rt.listen(RpcAddress.parse("127.0.0.1:0"), connection -> myHandler(connection));
 *     ...
 * }
 * }</pre>
 */
public final class NettyRuntime implements Runtime, RuntimeLifecycle {
    private static final Logger LOG = LoggerFactory.getLogger(NettyRuntime.class);

    private final Transport transport;
    private final EventLoopGroup group;
    private final ExecutorService blocking;
    private final boolean blockingOnVirtualThreads;
    private final ScheduledThreadPoolExecutor timer;
    private final ByteBufAllocator allocator = PooledByteBufAllocator.DEFAULT;
    private final WriteBufferWaterMark waterMark;
    private final long writeTimeoutNanos;
    private final Set<NettyConnection> connections = ConcurrentHashMap.newKeySet();
    private final Set<NettyListener> listeners = ConcurrentHashMap.newKeySet();
    private final NettyTls nettyTls = new NettyTls();
    /** Set once by shutdown() or close() on any thread; read by listen() and connect() on any thread to refuse new work. */
    private volatile boolean closed;
    /** Whether close() ran (it waits, bounded, even after a shutdown()); guarded by {@code this}. */
    private boolean closeCalled;
    /** Whether the threads were told to stop (by shutdown once its connections closed, or by shutdownNow). */
    private final AtomicBoolean threadsStopping = new AtomicBoolean();

    /**
     * A runtime with the defaults of {@link #builder()}; for {@link java.util.ServiceLoader}, which
     * finds this class through {@code provides io.occams.rpc.api.spi.Runtime} and
     * {@code META-INF/services}.
     */
    public NettyRuntime() {
        this(new Builder());
    }

    private NettyRuntime(Builder b) {
        this.transport = Transport.select(b.preferNative);
        this.waterMark = new WriteBufferWaterMark(b.lowWaterMark, b.highWaterMark);
        this.writeTimeoutNanos = b.writeTimeout.toNanos();
        this.group = new MultiThreadIoEventLoopGroup(
                b.ioThreads, new NamedThreadFactory("occams-netty-io", true), transport.ioHandlerFactory());
        ExecutorService virtual = b.virtualThreads ? BlockingExecutors.virtualThreads("occams-netty-blocking") : null;
        this.blockingOnVirtualThreads = virtual != null;
        this.blocking = virtual != null ? virtual : BlockingExecutors.pool("occams-netty-blocking", b.blockingThreads);
        this.timer = new ScheduledThreadPoolExecutor(1, new NamedThreadFactory("occams-netty-timer", false));
        this.timer.setRemoveOnCancelPolicy(true);
        LOG.debug("netty runtime on {} with {} I/O threads", transport.name(), b.ioThreads);
    }

    /** A builder with the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public String name() {
        return "netty";
    }

    /** Whether {@link #blockingExecutor()} starts a virtual thread per task (Java 21+), rather than using a pool. */
    public boolean blockingOnVirtualThreads() {
        return blockingOnVirtualThreads;
    }

    /**
     * Whether TLS can use the OpenSSL engine here: netty-tcnative (BoringSSL) is on the class path and its
     * native library loads. {@link io.occams.rpc.api.TlsConfig.Provider#AUTO} then uses it.
     */
    public static boolean openSslAvailable() {
        return NettyTls.openSslAvailable();
    }

    /** The Netty transport in use: {@code "epoll"} or {@code "nio"}. */
    public String transport() {
        return transport.name();
    }

    @Override
    public ByteBufAllocator allocator() {
        return allocator;
    }

    @Override
    public CompletableFuture<Connection> connect(
            RpcAddress address, Duration timeout, ConnectionHandler.Factory factory) {
        return connect(address, timeout, factory, null);
    }

    /**
     * {@inheritDoc}
     *
     * <p>TLS is Netty's {@code SslHandler}, with the OpenSSL engine when netty-tcnative is present and
     * {@link io.occams.rpc.api.TlsConfig#provider()} allows it, else the JDK's.
     */
    @Override
    public CompletableFuture<Connection> connect(
            RpcAddress address, Duration timeout, ConnectionHandler.Factory factory, TlsContext tls) {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(factory, "factory");
        CompletableFuture<Connection> result = new CompletableFuture<>();
        if (closed) {
            result.completeExceptionally(new IOException("runtime closed"));
            return result;
        }
        SocketAddress target;
        try {
            target = transport.socketAddress(address);
        } catch (IOException e) {
            result.completeExceptionally(e);
            return result;
        }
        boolean unix = address.isUnix();
        Bootstrap b = new Bootstrap()
                .group(group)
                .channel(transport.channelClass(unix))
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int)
                        Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis())))
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) throws Exception {
                        allowHalfClosure(ch);
                        ch.config().setRecvByteBufAllocator(READS);
                        NettyConnection c = new NettyConnection(
                                ch,
                                transport,
                                writeTimeoutNanos,
                                factory,
                                connections,
                                result,
                                null,
                                unix ? address : null);
                        if (tls != null) {
                            try {
                                ch.pipeline()
                                        .addLast(nettyTls.newHandler(ch, tls, address), new NettyTls.Gate(c, result));
                            } catch (Exception e) {
                                result.completeExceptionally(e);
                                throw e;
                            }
                        }
                        ch.pipeline().addLast(c.bridge());
                    }
                });
        configure(b, unix);
        ChannelFuture f = b.connect(target);
        f.addListener(done -> {
            if (!done.isSuccess()) {
                result.completeExceptionally(ioException(done.cause(), "cannot connect to " + address));
            }
        });
        return result;
    }

    @Override
    public Listener listen(RpcAddress address, ConnectionHandler.Factory factory) throws IOException {
        return listen(address, factory, null);
    }

    /**
     * {@inheritDoc}
     *
     * <p>A failed handshake is logged at WARN, one line with the reason, and its channel closed.
     */
    @Override
    public Listener listen(RpcAddress address, ConnectionHandler.Factory factory, TlsContext tls) throws IOException {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(factory, "factory");
        if (tls != null) {
            tls.material(); // a key file that does not load fails the listen, not every handshake
        }
        if (closed) {
            throw new IOException("runtime closed");
        }
        boolean unix = address.isUnix();
        if (unix) {
            NettyListener.deleteIfSocket(address.path());
        }
        SocketAddress local = transport.socketAddress(address);
        ServerBootstrap b = new ServerBootstrap()
                .group(group)
                .channel(transport.serverChannelClass(unix))
                .option(ChannelOption.ALLOCATOR, allocator)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) throws Exception {
                        allowHalfClosure(ch);
                        ch.config().setRecvByteBufAllocator(READS);
                        NettyConnection c = new NettyConnection(
                                ch,
                                transport,
                                writeTimeoutNanos,
                                factory,
                                connections,
                                null,
                                unix ? address : null,
                                null);
                        if (tls != null) {
                            ch.pipeline().addLast(nettyTls.newHandler(ch, tls, null), new NettyTls.Gate(c, null));
                        }
                        ch.pipeline().addLast(c.bridge());
                    }
                });
        if (!unix) {
            b.option(ChannelOption.SO_REUSEADDR, true);
        }
        configureChildren(b, unix);
        ChannelFuture f = b.bind(local);
        try {
            f.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            var unused = f.channel().close(); // the bind is abandoned; the caller gets the exception below
            throw new InterruptedIOException("interrupted while binding " + address);
        }
        if (!f.isSuccess()) {
            throw ioException(f.cause(), "cannot listen on " + address);
        }
        RpcAddress bound = unix ? address : transport.rpcAddress(f.channel().localAddress());
        NettyListener l = new NettyListener(f.channel(), bound, listeners);
        listeners.add(l);
        if (closed) {
            l.close();
            throw new IOException("runtime closed");
        }
        return l;
    }

    @Override
    public ScheduledExecutorService scheduler() {
        return timer;
    }

    @Override
    public Executor blockingExecutor() {
        return blocking;
    }

    // ------------------------------------------------------------------ lifecycle (RuntimeLifecycle)

    /**
     * {@inheritDoc}
     *
     * <p>Once the last connection has closed (or the write timeout and a second have passed), the event
     * loops, the timer and the blocking pool stop.
     */
    @Override
    public void shutdown() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        for (NettyListener l : new ArrayList<>(listeners)) {
            l.close();
        }
        List<NettyConnection> open = new ArrayList<>(connections);
        AtomicInteger left = new AtomicInteger(open.size());
        for (NettyConnection c : open) {
            c.close();
            c.closeFuture().addListener(f -> {
                if (left.decrementAndGet() == 0) {
                    stopThreads();
                }
            });
        }
        if (open.isEmpty()) {
            stopThreads();
        } else {
            try {
                // stopThreads only calls shutdown methods, which do not throw
                var unused = timer.schedule(
                        this::stopThreads, writeTimeoutNanos + TimeUnit.SECONDS.toNanos(1), TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.RejectedExecutionException stopped) {
                stopThreads();
            }
        }
    }

    /** {@inheritDoc} */
    @Override
    public void shutdownNow() {
        shutdown();
        for (NettyConnection c : new ArrayList<>(connections)) {
            c.abort();
        }
        stopThreads();
        blocking.shutdownNow();
    }

    /** Stops the event loops (quiet period 0), the timer and the blocking pool; once. */
    private void stopThreads() {
        if (threadsStopping.compareAndSet(false, true)) {
            var unused = group.shutdownGracefully(0, 2, TimeUnit.SECONDS); // awaited by awaitTermination
            timer.shutdownNow();
            blocking.shutdown();
        }
    }

    @Override
    public boolean isShutdown() {
        return closed;
    }

    @Override
    public boolean isTerminated() {
        return closed && group.isTerminated() && timer.isTerminated() && blocking.isTerminated();
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        if (!group.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
            return false;
        }
        return timer.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)
                && blocking.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)
                && isTerminated();
    }

    /**
     * Closes every listener, then every connection (each flushes what it has queued, bounded by the
     * write timeout), then stops the threads, waiting a bounded time for each step. Idempotent. Called
     * on one of this runtime's own I/O threads it does not wait. Keeps the caller's interrupt flag.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closeCalled) {
                return;
            }
            closeCalled = true;
            closed = true;
        }
        boolean onOwnLoop = false;
        for (EventExecutor e : group) {
            onOwnLoop |= e.inEventLoop();
        }
        boolean interrupted = false;
        for (NettyListener l : new ArrayList<>(listeners)) {
            l.close();
        }
        List<ChannelFuture> closing = new ArrayList<>();
        for (NettyConnection c : new ArrayList<>(connections)) {
            c.close();
            closing.add(c.closeFuture());
        }
        long deadline = System.nanoTime() + writeTimeoutNanos + TimeUnit.SECONDS.toNanos(1);
        if (!onOwnLoop) {
            for (ChannelFuture f : closing) {
                try {
                    f.await(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    interrupted = true;
                    break;
                }
            }
        }
        // Quiet period 0: nothing new arrives once listeners and connections are closed.
        var stopped = group.shutdownGracefully(0, 2, TimeUnit.SECONDS);
        threadsStopping.set(true);
        timer.shutdownNow();
        blocking.shutdown();
        if (!onOwnLoop && !interrupted) {
            try {
                stopped.await(5, TimeUnit.SECONDS);
                if (!blocking.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                    blocking.shutdownNow();
                }
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            blocking.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "netty runtime (" + transport.name() + ")";
    }

    /**
     * How much each read asks for: Netty's adaptive guess, but never below {@value #MIN_READ} bytes. Netty's
     * edge-triggered epoll reads again whenever a read filled its buffer, and with the default minimum (64)
     * the guess settles at exactly the size of a repeated small burst when that size is one in its table
     * (ten 40-byte requests: 400 bytes), so such a burst was read and then followed by a read that found
     * nothing: 12% of a 1x10 server's reads (benchmarks/README.md, "Issue 21, Netty 1x10, session 7"). The
     * buffer is the pool's and goes back after the read, so the larger minimum holds no memory.
     */
    private static final int MIN_READ = 1024;

    private static final RecvByteBufAllocator READS = new AdaptiveRecvByteBufAllocator(MIN_READ, 2048, 65536);

    private void configure(Bootstrap b, boolean unix) {
        b.option(ChannelOption.ALLOCATOR, allocator).option(ChannelOption.WRITE_BUFFER_WATER_MARK, waterMark);
        if (!unix) {
            b.option(ChannelOption.TCP_NODELAY, true);
        }
    }

    private void configureChildren(ServerBootstrap b, boolean unix) {
        b.childOption(ChannelOption.ALLOCATOR, allocator).childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, waterMark);
        if (!unix) {
            b.childOption(ChannelOption.TCP_NODELAY, true);
        }
    }

    /**
     * The peer's end of stream must become onInputShutdown, not a close. Set on the config and not
     * as {@code ChannelOption.ALLOW_HALF_CLOSURE}, which Netty 4.2.18's NioDomainSocketChannel does not
     * know ("Unknown channel option") although its config has the setter. Even so, NIO Unix sockets
     * close on the peer's end of stream: AbstractNioByteChannel honours half-closure only for a
     * SocketChannelConfig, which NioDomainSocketChannel's config is not. Epoll and NIO TCP half-close.
     */
    private static void allowHalfClosure(Channel ch) {
        if (ch.config() instanceof DuplexChannelConfig) {
            ((DuplexChannelConfig) ch.config()).setAllowHalfClosure(true);
        }
    }

    private static IOException ioException(Throwable cause, String message) {
        if (cause instanceof IOException) {
            return (IOException) cause;
        }
        return new IOException(message + ": " + cause, cause);
    }

    /**
     * Settings of a {@link NettyRuntime}. Not thread-safe; {@link #build()} may be called more than once.
     *
     * <pre>{@code
     * NettyRuntime rt = NettyRuntime.builder()
     *         .ioThreads(4)
     *         .blockingThreads(128)
     *         .writeBufferWaterMark(256 * 1024, 512 * 1024)
     *         .writeTimeout(Duration.ofSeconds(5))
     *         .build();
     * }</pre>
     */
    public static final class Builder implements RuntimeBuilder<Builder> {
        private int ioThreads = Math.max(1, java.lang.Runtime.getRuntime().availableProcessors());
        private int blockingThreads = 64;
        private boolean virtualThreads = true;
        private int lowWaterMark = 512 * 1024;
        private int highWaterMark = 1024 * 1024;
        private Duration writeTimeout = Duration.ofSeconds(10);
        private boolean preferNative = true;

        private Builder() {}

        /** Event loop threads; default: the number of available processors. */
        public Builder ioThreads(int threads) {
            if (threads < 1) {
                throw new IllegalArgumentException("ioThreads must be at least 1: " + threads);
            }
            this.ioThreads = threads;
            return this;
        }

        /**
         * The blocking executor's most threads when it is a pool (Java 17, or {@code virtualThreads(false)});
         * default 64. The queue of tasks waiting for a thread refuses none: a refused task would be a failed
         * call, so the server's limits on unanswered calls bound it instead.
         *
         * @since 0.2
         */
        public Builder blockingThreads(int maxThreads) {
            if (maxThreads < 1) {
                throw new IllegalArgumentException("blocking threads must be at least 1: " + maxThreads);
            }
            this.blockingThreads = maxThreads;
            return this;
        }

        /**
         * As {@link #blockingThreads(int)}; {@code queueCapacity} is checked but no longer bounds the queue.
         *
         * @deprecated since 0.2 the queue is unbounded; use {@link #blockingThreads(int)}
         */
        @Deprecated
        public Builder blockingThreads(int maxThreads, int queueCapacity) {
            if (maxThreads < 1 || queueCapacity < 1) {
                throw new IllegalArgumentException(
                        "blocking threads and queue must be at least 1: " + maxThreads + ", " + queueCapacity);
            }
            return blockingThreads(maxThreads);
        }

        /**
         * Whether the blocking executor starts a virtual thread per task when the JVM has them (Java 21+);
         * default true. Virtual threads make a blocked synchronous method cost a few kilobytes, not a
         * platform thread, and give every call its own thread, so one connection's slow calls never queue
         * another's behind them. False: the pool of {@link #blockingThreads(int)}.
         *
         * @since 0.2
         */
        public Builder virtualThreads(boolean virtualThreads) {
            this.virtualThreads = virtualThreads;
            return this;
        }

        /**
         * Unsent bytes per connection above which it turns unwritable ({@code high}, default 1 MiB) and
         * below which it turns writable again ({@code low}, default 512 KiB).
         */
        @Override
        public Builder writeBufferWaterMark(int low, int high) {
            if (low < 0 || high < low) {
                throw new IllegalArgumentException("need 0 <= low <= high: " + low + ", " + high);
            }
            this.lowWaterMark = low;
            this.highWaterMark = high;
            return this;
        }

        /** How long {@link Connection#close()} waits for queued writes to go out; default 10 s. */
        @Override
        public Builder writeTimeout(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("writeTimeout must be positive: " + timeout);
            }
            this.writeTimeout = timeout;
            return this;
        }

        /** Whether to use native epoll when it is available (default true); false forces NIO. */
        public Builder preferNative(boolean preferNative) {
            this.preferNative = preferNative;
            return this;
        }

        /** A new runtime with these settings. */
        public NettyRuntime build() {
            return new NettyRuntime(this);
        }
    }
}
