package io.occams.rpc.runtime.vthreads;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.occams.rpc.api.RpcAddress;
import io.occams.rpc.api.spi.Connection;
import io.occams.rpc.api.spi.ConnectionHandler;
import io.occams.rpc.api.spi.Runtime;
import io.occams.rpc.api.spi.RuntimeBuilder;
import io.occams.rpc.api.spi.RuntimeLifecycle;
import io.occams.rpc.api.spi.TlsContext;
import io.occams.rpc.runtime.vthreads.internal.InlineWrites;
import io.occams.rpc.runtime.vthreads.internal.PlatformReaders;
import io.occams.rpc.runtime.vthreads.internal.Settings;
import io.occams.rpc.runtime.vthreads.internal.TimerThread;
import io.occams.rpc.runtime.vthreads.internal.TlsChannel;
import io.occams.rpc.runtime.vthreads.internal.TlsHandshake;
import io.occams.rpc.runtime.vthreads.internal.VtConnection;
import io.occams.rpc.runtime.vthreads.internal.VtListener;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Runtime} on virtual threads, like the seed's coroutines: blocking {@link SocketChannel}s
 * (TCP with TCP_NODELAY, and Unix-domain sockets), one virtual accept thread per listener, and per
 * connection one reader thread and one virtual writer thread. Needs Java 21. The reader is a platform
 * thread for the first {@link Builder#platformReaders(int)} connections at a time (16 by default: the
 * kernel wakes it directly, one thread switch per read) and a virtual thread for the others.
 *
 * <p><b>Reading.</b> The reader reads into a buffer from {@link #allocator()} (direct when the
 * allocator can) and hands it to {@link ConnectionHandler#onData} (ownership passes), then calls
 * {@link ConnectionHandler#onReadComplete}: every read is one burst. The read size adapts between
 * 512 bytes and {@link Builder#readBufferSize(int)}. {@code setAutoRead(false)} parks the reader after
 * the read in progress until reading is resumed.
 *
 * <p><b>Writing.</b> {@link Connection#write} queues; {@link Connection#flush} sends what was flushed
 * inline with one gathering write call when no write is in progress and the send buffer had room
 * (what the kernel did not take goes to the writer), and otherwise wakes the writer, which sends
 * everything flushed with gathering writes (up to 1024 buffers per system call). Each buffer is
 * released once it is sent. An inline write blocked for 5 ms gets a rescue reader, so the input
 * keeps being read (no deadlock between two peers that flood each other). A connection turns unwritable when more than the high water mark is
 * queued and writable again below the low one. A write that makes no progress for the write timeout
 * (the peer does not read) aborts the connection; {@code close()} drains for at most that long.
 *
 * <p><b>Threads.</b> Handler callbacks never run concurrently for one connection (writability changes
 * are delivered under the same lock as the reader's callbacks). Thread names:
 * {@code "occams-vt-accept [address]"}, {@code "occams-vt-connect [address]"},
 * {@code "occams-vt-reader [peer]-N"}, {@code "occams-vt-writer [peer]-N"} (N numbers the
 * connections of a runtime), {@code "occams-vt-handler-N"} for {@link #blockingExecutor()} and one
 * daemon platform thread {@code "occams-vt-timer"} for {@link #scheduler()}.
 *
 * <p><b>Lifecycle</b>, as {@link ExecutorService}: {@link #shutdown()} closes the listeners and closes
 * every connection gracefully; {@link #shutdownNow()} aborts them; {@link #awaitTermination} waits
 * until every connection has delivered {@code onClosed}; {@link #close()} does all three (bounded by
 * the write timeout) and is idempotent. The runtime is thread-safe.
 *
 * <pre>{@code
 * try (VirtualThreadRuntime rt = VirtualThreadRuntime.builder().writeTimeout(Duration.ofSeconds(2)).build()) {
 *     Runtime.Listener l = rt.listen(RpcAddress.parse("127.0.0.1:0"), conn -> new EchoHandler(conn));
 *     Connection c = rt.connect(l.localAddress(), Duration.ofSeconds(1), conn -> new ClientHandler()).join();
 *     c.writeAndFlush(c.alloc().buffer().writeLong(42));
 * }
 * }</pre>
 *
 * <p><b>Wake-ups.</b> A platform reader blocked on a socket is woken by the kernel. A virtual reader
 * blocked on a socket is woken by the JDK's poller. On Linux, JDK 22-25
 * default to {@code jdk.pollerMode=2} (a platform master poller wakes a virtual sub-poller, which unparks
 * the reader); {@code -Djdk.pollerMode=1} has platform poller threads unpark the reader directly, one
 * thread hand-off less: fewer context switches, less CPU and less garbage per small call, but more CPU
 * per call for a client streaming large blobs into a full send buffer (measured in benchmarks/README.md,
 * "Virtual-thread wake-ups"). It is the JVM's setting, for every virtual thread in it, so the runtime
 * leaves it to whoever starts the JVM.
 *
 * <p>On the module path it is found through {@link java.util.ServiceLoader} (the public no-argument
 * constructor gives the defaults).
 */
public final class VirtualThreadRuntime implements Runtime, RuntimeLifecycle {
    /** What {@link #name()} returns. */
    public static final String NAME = "vthreads";
    /** The default of {@link Builder#readBufferSize(int)}: 64 KiB. */
    public static final int DEFAULT_READ_BUFFER_SIZE = 64 * 1024;
    /** The default low water mark: 512 KiB. */
    public static final int DEFAULT_WRITE_LOW_WATER_MARK = 512 * 1024;
    /** The default high water mark: 1 MiB. */
    public static final int DEFAULT_WRITE_HIGH_WATER_MARK = 1024 * 1024;
    /**
     * The default of {@link Builder#platformReaders(int)}: the first 16 connections at a time read on
     * platform threads of their own.
     */
    public static final int DEFAULT_PLATFORM_READERS = 16;
    /** The default write timeout: 5 s, the seed's {@code write_timeout}. */
    public static final Duration DEFAULT_WRITE_TIMEOUT = Duration.ofSeconds(5);

    private static final Logger LOG = LoggerFactory.getLogger(VirtualThreadRuntime.class);
    private static final long STUCK_CHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
    private static final int RUNNING = 0;
    private static final int SHUTDOWN = 1;
    private static final int TERMINATED = 2;

    private final Settings settings;
    private final ScheduledThreadPoolExecutor timer;
    private final ExecutorService blocking;
    /** Which connections read on a platform thread of their own ({@link Builder#platformReaders(int)}). */
    private final PlatformReaders platformReaders;

    private final AtomicLong connectionIds = new AtomicLong();
    /** Live connections (until their reader delivered onClosed); added under stateLock, read by the timer. */
    private final Set<VtConnection> connections = ConcurrentHashMap.newKeySet();
    /** Open listeners; added under stateLock. */
    private final Set<VtListener> listeners = ConcurrentHashMap.newKeySet();

    private final ReentrantLock stateLock = new ReentrantLock();
    /** Signalled when the state reaches TERMINATED. */
    private final Condition terminated = stateLock.newCondition();
    /** RUNNING, SHUTDOWN or TERMINATED; only moves forward. */
    @GuardedBy("stateLock")
    private int state = RUNNING;

    /** A runtime with the defaults; what {@link java.util.ServiceLoader} calls. */
    public VirtualThreadRuntime() {
        this(new Builder());
    }

    private VirtualThreadRuntime(Builder b) {
        ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, r -> new TimerThread(r, "occams-vt-timer"));
        t.setRemoveOnCancelPolicy(true);
        t.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        this.timer = t;
        this.platformReaders = new PlatformReaders(b.platformReaders);
        this.blocking = Executors.newThreadPerTaskExecutor(
                Thread.ofVirtual().name("occams-vt-handler-", 1).factory());
        this.settings = new Settings(
                b.allocator,
                b.readBufferSize,
                b.lowWaterMark,
                b.highWaterMark,
                b.writeTimeout.toNanos(),
                t,
                b.inlineWrites);
        // Checks for writes blocked past the timeout; a quarter of it apart, within [10 ms, 1 s].
        long period = Math.max(
                TimeUnit.MILLISECONDS.toNanos(10),
                Math.min(TimeUnit.SECONDS.toNanos(1), settings.writeTimeoutNanos() / 4));
        // checkConnections logs what a check throws, so the periodic task is never cancelled by a failure.
        var unused = t.scheduleAtFixedRate(
                () -> checkConnections("write timeout", VtConnection::checkWriteTimeout),
                period,
                period,
                TimeUnit.NANOSECONDS);
        // Inline writes that block while the handler lock is held get a rescue reader (no deadlock
        // between two peers flooding each other); checked every 5 ms.
        var unused2 = t.scheduleAtFixedRate(
                () -> checkConnections("inline write", VtConnection::checkStuckInlineWrite),
                STUCK_CHECK_NANOS,
                STUCK_CHECK_NANOS,
                TimeUnit.NANOSECONDS);
    }

    /** A builder with the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public ByteBufAllocator allocator() {
        return settings.allocator();
    }

    /** The write timeout: how long a write may make no progress, and how long {@code close()} drains. */
    public Duration writeTimeout() {
        return Duration.ofNanos(settings.writeTimeoutNanos());
    }

    /**
     * {@inheritDoc}
     *
     * <p>Connecting (name resolution included) runs on a virtual thread
     * {@code "occams-vt-connect [address]"}; the future completes there, after the factory made the
     * handler. Fails with {@link IllegalStateException} once the runtime is shut down.
     *
     * @throws IllegalArgumentException when {@code timeout} is not positive
     */
    @Override
    public CompletableFuture<Connection> connect(
            RpcAddress address, Duration timeout, ConnectionHandler.Factory factory) {
        return connect(address, timeout, factory, null);
    }

    /**
     * {@inheritDoc}
     *
     * <p>TLS is the JDK's {@code SSLEngine} over the blocking channel ({@link TlsChannel}); the handshake
     * runs on the connect thread, bounded by the TLS handshake timeout.
     */
    @Override
    public CompletableFuture<Connection> connect(
            RpcAddress address, Duration timeout, ConnectionHandler.Factory factory, TlsContext tls) {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(factory, "factory");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive: " + timeout);
        }
        CompletableFuture<Connection> result = new CompletableFuture<>();
        if (isShutdown()) {
            result.completeExceptionally(new IllegalStateException("runtime is shut down"));
            return result;
        }
        Thread.ofVirtual()
                .name("occams-vt-connect [" + address + "]")
                .start(() -> doConnect(address, timeout, factory, tls, result));
        return result;
    }

    private void doConnect(
            RpcAddress address,
            Duration timeout,
            ConnectionHandler.Factory factory,
            TlsContext tls,
            CompletableFuture<Connection> result) {
        SocketChannel ch = null;
        ScheduledFuture<?> deadline = null;
        AtomicBoolean timedOut = new AtomicBoolean();
        try {
            SocketAddress sa = address.toSocketAddress();
            ch = address.isUnix() ? SocketChannel.open(StandardProtocolFamily.UNIX) : SocketChannel.open();
            SocketChannel toClose = ch;
            // A blocking connect has no timeout of its own: closing the channel ends it.
            deadline = timer.schedule(
                    () -> {
                        timedOut.set(true);
                        closeQuietly(toClose);
                    },
                    timeout.toNanos(),
                    TimeUnit.NANOSECONDS);
            ch.connect(sa);
            if (!deadline.cancel(false)) {
                throw new SocketTimeoutException("connect to " + address + " timed out after " + timeout);
            }
            TlsChannel t = tls == null ? null : TlsHandshake.client(ch, tls, address, timer);
            VtConnection conn = register(ch, t, factory);
            try {
                conn.opened().join();
            } catch (CompletionException e) {
                throw e.getCause();
            }
            if (!result.complete(conn)) {
                conn.abort(); // the caller gave up (cancelled) meanwhile
            }
        } catch (Throwable e) {
            if (deadline != null) {
                deadline.cancel(false);
            }
            closeQuietly(ch);
            Throwable cause = timedOut.get()
                    ? new SocketTimeoutException("connect to " + address + " timed out after " + timeout)
                    : e;
            result.completeExceptionally(cause);
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>The accept loop runs on a virtual thread {@code "occams-vt-accept [address]"}. A Unix path that
     * exists as a socket is replaced (anything else there fails the bind with a
     * {@link java.net.BindException}); closing the listener deletes the socket file it made.
     *
     * @throws IllegalStateException once the runtime is shut down
     */
    @Override
    public Listener listen(RpcAddress address, ConnectionHandler.Factory factory) throws IOException {
        return listen(address, factory, null);
    }

    /**
     * {@inheritDoc}
     *
     * <p>Each accepted connection's handshake runs on a virtual thread of its own
     * ({@code "occams-vt-handshake [peer]"}), so that a slow one never holds up the accept loop.
     */
    @Override
    public Listener listen(RpcAddress address, ConnectionHandler.Factory factory, TlsContext tls) throws IOException {
        Objects.requireNonNull(factory, "factory");
        if (tls != null) {
            tls.material(); // a key file that does not load fails the listen, not every handshake
        }
        VtListener l = VtListener.bind(
                address,
                tls == null ? ch -> acceptConnection(ch, factory) : ch -> acceptTls(ch, factory, tls),
                this::listenerClosed);
        stateLock.lock();
        try {
            if (state == RUNNING) {
                listeners.add(l);
                return l;
            }
        } finally {
            stateLock.unlock();
        }
        l.close();
        throw new IllegalStateException("runtime is shut down");
    }

    /**
     * {@inheritDoc}
     *
     * <p>One daemon platform thread, {@code "occams-vt-timer"}, that also runs this runtime's own
     * timers. Owned by the runtime: do not shut it down; {@link #close()} does.
     */
    @Override
    public ScheduledExecutorService scheduler() {
        return timer;
    }

    /** {@inheritDoc} <p>A new virtual thread per task, named {@code "occams-vt-handler-N"}. */
    @Override
    public Executor blockingExecutor() {
        return blocking;
    }

    // ------------------------------------------------------------------ lifecycle

    /**
     * Starts an orderly shutdown: closes every listener, and closes every connection (each flushes what
     * is queued, for at most the write timeout). New connects and listens fail. Does not wait; see
     * {@link #awaitTermination}. Idempotent.
     */
    @Override
    public void shutdown() {
        List<VtListener> ls;
        List<VtConnection> cs;
        stateLock.lock();
        try {
            if (state != RUNNING) {
                return;
            }
            state = SHUTDOWN;
            ls = new ArrayList<>(listeners);
            cs = new ArrayList<>(connections);
        } finally {
            stateLock.unlock();
        }
        for (VtListener l : ls) {
            l.close();
        }
        for (VtConnection c : cs) {
            c.close();
        }
        stateLock.lock();
        try {
            tryTerminate();
        } finally {
            stateLock.unlock();
        }
    }

    /**
     * Shuts down and aborts every connection at once (queued writes are dropped), stops the timer and
     * interrupts the tasks of {@link #blockingExecutor()}. Does not wait. Idempotent.
     */
    @Override
    public void shutdownNow() {
        shutdown();
        for (VtConnection c : new ArrayList<>(connections)) {
            c.abort();
        }
        timer.shutdownNow();
        blocking.shutdownNow();
    }

    /** Whether {@link #shutdown()} (or close) was called. */
    @Override
    public boolean isShutdown() {
        stateLock.lock();
        try {
            return state != RUNNING;
        } finally {
            stateLock.unlock();
        }
    }

    /** Whether, after a shutdown, every listener closed and every connection delivered {@code onClosed}. */
    @Override
    public boolean isTerminated() {
        stateLock.lock();
        try {
            return state == TERMINATED;
        } finally {
            stateLock.unlock();
        }
    }

    /**
     * Waits until the runtime is terminated (after a shutdown) or the timeout passes.
     *
     * @return whether it terminated
     */
    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        long nanos = unit.toNanos(timeout);
        stateLock.lock();
        try {
            while (state != TERMINATED) {
                if (nanos <= 0) {
                    return false;
                }
                nanos = terminated.awaitNanos(nanos);
            }
            return true;
        } finally {
            stateLock.unlock();
        }
    }

    /**
     * {@link #shutdown()}, waits up to the write timeout (plus a second) for the connections to drain
     * and close, then {@link #shutdownNow()}. Idempotent. When interrupted while waiting it aborts what
     * is left and restores the interrupt flag. Do not call it from a handler callback: it waits for
     * those callbacks' connections to close.
     */
    @Override
    public void close() {
        shutdown();
        boolean interrupted = false;
        try {
            if (!awaitTermination(settings.writeTimeoutNanos() + TimeUnit.SECONDS.toNanos(1), TimeUnit.NANOSECONDS)) {
                LOG.warn("{}: connections did not close within the write timeout; aborting them", this);
            }
        } catch (InterruptedException e) {
            interrupted = true;
        }
        shutdownNow();
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "VirtualThreadRuntime[" + connections.size() + " connections, " + listeners.size() + " listeners]";
    }

    // ------------------------------------------------------------------ internals

    /** On an accept thread: the handshake goes to a thread of its own, then the connection is registered. */
    private void acceptTls(SocketChannel ch, ConnectionHandler.Factory factory, TlsContext tls) {
        String peer;
        try {
            peer = String.valueOf(ch.getRemoteAddress());
        } catch (IOException e) {
            peer = "?";
        }
        String who = peer;
        Thread.ofVirtual().name("occams-vt-handshake [" + peer + "]").start(() -> {
            TlsChannel t = TlsHandshake.server(ch, tls, who, timer);
            if (t != null) {
                acceptConnection(ch, t, factory);
            }
        });
    }

    /** On an accept thread. */
    private void acceptConnection(SocketChannel ch, ConnectionHandler.Factory factory) {
        acceptConnection(ch, null, factory);
    }

    /** On an accept thread, or a handshake thread. */
    private void acceptConnection(SocketChannel ch, TlsChannel tls, ConnectionHandler.Factory factory) {
        try {
            register(ch, tls, factory);
        } catch (IOException | IllegalStateException e) {
            LOG.debug("dropping an accepted connection: {}", e.toString());
            closeQuietly(ch);
        }
    }

    /** Makes, registers and starts a connection on a connected channel; closes it when shut down. */
    private VtConnection register(SocketChannel ch, TlsChannel tls, ConnectionHandler.Factory factory)
            throws IOException {
        if (ch.getRemoteAddress() instanceof InetSocketAddress) {
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
        }
        PlatformReaders slot = platformReaders.take() ? platformReaders : null;
        VtConnection conn;
        try {
            conn = new VtConnection(
                    ch, tls, settings, factory, connectionIds.incrementAndGet(), slot, this::connectionTerminated);
            stateLock.lock();
            try {
                if (state != RUNNING) {
                    throw new IllegalStateException("runtime is shut down");
                }
                connections.add(conn);
            } finally {
                stateLock.unlock();
            }
        } catch (IOException | RuntimeException e) {
            if (slot != null) {
                slot.give(); // the reader never started
            }
            throw e;
        }
        conn.start(); // from here on the reader gives the slot back when it is done
        return conn;
    }

    /** On the connection's reader, after onClosed. */
    private void connectionTerminated(VtConnection c) {
        stateLock.lock();
        try {
            connections.remove(c);
            tryTerminate();
        } finally {
            stateLock.unlock();
        }
    }

    private void listenerClosed(VtListener l) {
        stateLock.lock();
        try {
            listeners.remove(l);
            tryTerminate();
        } finally {
            stateLock.unlock();
        }
    }

    @GuardedBy("stateLock")
    private void tryTerminate() {
        if (state == SHUTDOWN && connections.isEmpty() && listeners.isEmpty()) {
            state = TERMINATED;
            timer.shutdown();
            blocking.shutdown();
            terminated.signalAll();
        }
    }

    /**
     * On the timer: runs {@code check} on every connection with the time now; a failure is logged, not
     * thrown, so the periodic task stays alive.
     */
    private void checkConnections(String what, java.util.function.ObjLongConsumer<VtConnection> check) {
        try {
            long now = System.nanoTime();
            for (VtConnection c : connections) {
                check.accept(c, now);
            }
        } catch (RuntimeException e) {
            LOG.warn("{} check failed", what, e);
        }
    }

    private static void closeQuietly(SocketChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException e) {
                LOG.debug("error closing a channel", e);
            }
        }
    }

    /**
     * Builds a {@link VirtualThreadRuntime}. Not thread-safe; each {@link #build()} makes a new runtime.
     *
     * <pre>{@code
     * VirtualThreadRuntime rt = VirtualThreadRuntime.builder()
     *         .readBufferSize(128 * 1024)
     *         .writeBufferWaterMark(256 * 1024, 512 * 1024)
     *         .writeTimeout(Duration.ofSeconds(3))
     *         .build();
     * }</pre>
     */
    public static final class Builder implements RuntimeBuilder<Builder> {
        private ByteBufAllocator allocator = PooledByteBufAllocator.DEFAULT;
        private int readBufferSize = DEFAULT_READ_BUFFER_SIZE;
        private int lowWaterMark = DEFAULT_WRITE_LOW_WATER_MARK;
        private int highWaterMark = DEFAULT_WRITE_HIGH_WATER_MARK;
        private Duration writeTimeout = DEFAULT_WRITE_TIMEOUT;
        private InlineWrites inlineWrites = InlineWrites.AUTO;
        private int platformReaders = DEFAULT_PLATFORM_READERS;

        private Builder() {}

        /** The allocator for read buffers and {@code Connection.alloc()}; default {@link PooledByteBufAllocator#DEFAULT}. */
        public Builder allocator(ByteBufAllocator allocator) {
            this.allocator = Objects.requireNonNull(allocator, "allocator");
            return this;
        }

        /** The most bytes one read asks for (at least 64); default 64 KiB. */
        public Builder readBufferSize(int bytes) {
            if (bytes < 64) {
                throw new IllegalArgumentException("readBufferSize must be at least 64: " + bytes);
            }
            this.readBufferSize = bytes;
            return this;
        }

        /**
         * The write water marks: a connection turns unwritable when more than {@code high} bytes are
         * queued unsent, and writable again below {@code low}. Defaults 512 KiB and 1 MiB.
         */
        @Override
        public Builder writeBufferWaterMark(int low, int high) {
            if (low < 0 || high <= 0 || low > high) {
                throw new IllegalArgumentException("need 0 <= low <= high and high > 0: low " + low + ", high " + high);
            }
            this.lowWaterMark = low;
            this.highWaterMark = high;
            return this;
        }

        /**
         * How long a write may stay blocked before the connection is aborted, and how long
         * {@code close()} may drain queued writes; positive; default 5 s.
         */
        @Override
        public Builder writeTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("writeTimeout must be positive: " + timeout);
            }
            this.writeTimeout = timeout;
            return this;
        }

        /**
         * How many connections at a time read on a platform thread of their own instead of a virtual
         * one; at least 0; default {@value VirtualThreadRuntime#DEFAULT_PLATFORM_READERS}. The kernel wakes a platform
         * thread blocked in a socket read itself, one thread switch per read; a virtual reader is woken
         * through the JDK's poller, two or three switches per read (a platform poller thread, on Linux a
         * virtual sub-poller, a carrier), which cost a small call 2-3x the CPU (benchmarks/README.md,
         * "Issue 21, virtual threads, session 7"). The connections made or accepted first get them; a
         * connection gives its slot back when it closes. Everything else (the writer, handlers on the
         * blocking executor, the one-reader-per-connection model, blocking in a callback) is the same
         * on either kind of reader. 0: every reader is virtual.
         */
        public Builder platformReaders(int max) {
            if (max < 0) {
                throw new IllegalArgumentException("platformReaders must not be negative: " + max);
            }
            this.platformReaders = max;
            return this;
        }

        /**
         * Tests only (package-private, not API): when a flush may write inline on the flushing thread;
         * {@link InlineWrites#ALWAYS} and {@link InlineWrites#NEVER} force one path. Default
         * {@link InlineWrites#AUTO}.
         */
        Builder inlineWrites(InlineWrites mode) {
            this.inlineWrites = Objects.requireNonNull(mode, "mode");
            return this;
        }

        /** A new runtime; it starts its timer thread at once. */
        public VirtualThreadRuntime build() {
            return new VirtualThreadRuntime(this);
        }
    }
}
