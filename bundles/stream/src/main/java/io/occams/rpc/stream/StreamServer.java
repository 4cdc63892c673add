package io.occams.rpc.stream;

import io.occams.rpc.api.RpcAddress;
import io.occams.rpc.api.ServerConfig;
import io.occams.rpc.api.spi.Connection;
import io.occams.rpc.api.spi.ConnectionHandler;
import io.occams.rpc.api.spi.Dispatch;
import io.occams.rpc.api.spi.Runtime;
import io.occams.rpc.stream.internal.BurstExecutor;
import io.occams.rpc.stream.internal.RateLimitedLog;
import io.occams.rpc.stream.internal.ServerCallLimit;
import io.occams.rpc.stream.internal.ServerConnection;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import org.osgi.annotation.versioning.ProviderType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server side of the stream layer: listeners on a {@link Runtime}, and for each accepted
 * connection a reader and a writer that hand requests to a {@link Dispatch} (spec §6.2).
 *
 * <p>Pings are answered without dispatch. A request the dispatch cannot handle is answered with an
 * {@code rpc_*} error and the connection stays open. A frame that breaks the protocol or a limit closes
 * only its own connection, after the calls it already made are answered. Connections idle longer than
 * {@code idleTimeout} are closed.
 *
 * <p>Lifecycle like {@code ExecutorService}: {@link #shutdown()} stops accepting and reading, answers
 * every call already accepted, then closes each connection; {@link #awaitTermination} waits for that;
 * {@link #shutdownNow()} closes at once; {@link #close()} is shutdown, a wait bounded by
 * {@code serverCloseWait}, then shutdownNow. The runtime is not closed: it belongs to the caller.
 *
 * <p>Thread-safe.
 *
 * <pre>{@code
 * StreamServer server = new StreamServer(runtime, ServerConfig.defaults(), call -> ...);
 * RpcAddress bound = server.listen(RpcAddress.parse("127.0.0.1:0"));
 * ...
 * server.close();
 * }</pre>
 */
@ProviderType
public final class StreamServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StreamServer.class);

    private final Runtime runtime;
    private final ServerConfig config;
    private final Dispatch dispatch;
    private final List<Runtime.Listener> listeners = new CopyOnWriteArrayList<>();
    private final Set<ServerConnection> connections = ConcurrentHashMap.newKeySet();
    private final CompletableFuture<Void> terminated = new CompletableFuture<>();
    private final Object lock = new Object();
    /** Set once by shutdown(); read by the accept path. @GuardedBy("lock") for transitions. */
    private volatile boolean shutdown;

    private ScheduledFuture<?> sweep;
    /** Where the connections' {@code ServerCall.executor()} tasks run, batched per read. */
    private final BurstExecutor bursts;
    /** The bound on unanswered calls over all connections ({@link ServerConfig#maxCallsPerServer()}). */
    private final ServerCallLimit limit;
    /** This server's peers' faults, rate-limited; flushed by the sweep. */
    private final RateLimitedLog faults = new RateLimitedLog(LOG);
    /** Connections admitted and not yet closed (the maxConnections limit). */
    private final AtomicInteger admitted = new AtomicInteger();
    /** Admitted connections by remote host (the maxConnectionsPerAddress limit); entries leave at 0. */
    private final ConcurrentHashMap<String, AtomicInteger> perHost = new ConcurrentHashMap<>();

    /** Where the sweep runs: null for the runtime's scheduler, or a test's manual one. */
    private final ScheduledExecutorService sweeper;
    /** What the sweep's timeouts are measured on: {@link System#nanoTime()}, or a test's manual clock. */
    private final LongSupplier clock;

    public StreamServer(Runtime runtime, ServerConfig config, Dispatch dispatch) {
        this(runtime, config, dispatch, null, System::nanoTime);
    }

    /**
     * A server whose once-a-second sweep (the idle, read, write and first-frame timeouts) runs on
     * {@code sweeper} and measures time with {@code clock}: for tests on a manual clock (testkit's
     * {@code ManualScheduler} and its {@code nanoTime}), so that a timeout fires when the test moves the
     * clock, without waiting. The calls' own work still runs on the runtime.
     *
     * @param sweeper where the sweep runs; null: {@code runtime.scheduler()}
     * @param clock nanoseconds, as {@link System#nanoTime()}
     */
    public StreamServer(
            Runtime runtime,
            ServerConfig config,
            Dispatch dispatch,
            ScheduledExecutorService sweeper,
            LongSupplier clock) {
        this.sweeper = sweeper;
        this.clock = Objects.requireNonNull(clock, "clock");
        this.runtime = runtime;
        this.config = config;
        this.dispatch = dispatch;
        this.bursts = new BurstExecutor(runtime.blockingExecutor(), runtime.scheduler());
        this.limit = new ServerCallLimit(config.maxCallsPerServer());
    }

    /**
     * Binds {@code address} (TCP or Unix) and serves it; may be called several times.
     *
     * @return the bound address (with the real port when 0 was asked for)
     */
    public RpcAddress listen(RpcAddress address) throws IOException {
        synchronized (lock) {
            if (shutdown) {
                throw new IllegalStateException("server is shut down");
            }
            Runtime.Listener l = runtime.listen(
                    address,
                    conn -> {
                        String host = hostOf(conn);
                        if (!admit(conn, host)) {
                            conn.abort();
                            return REFUSED;
                        }
                        ServerConnection sc = new ServerConnection(
                                conn,
                                dispatch,
                                config,
                                bursts,
                                limit,
                                c -> {
                                    left(host);
                                    removed(c);
                                },
                                faults,
                                clock);
                        connections.add(sc);
                        if (shutdown) {
                            sc.beginClose();
                        }
                        return sc;
                    },
                    config.tls() == null ? null : config.tls().context());
            listeners.add(l);
            if (sweep == null) {
                sweep = (sweeper != null ? sweeper : runtime.scheduler())
                        .scheduleAtFixedRate(this::sweep, 1, 1, TimeUnit.SECONDS);
            }
            LOG.debug("listening on {} ({})", l.localAddress(), runtime.name());
            return l.localAddress();
        }
    }

    /** The addresses listened on. */
    public List<RpcAddress> addresses() {
        List<RpcAddress> out = new ArrayList<>();
        for (Runtime.Listener l : listeners) {
            out.add(l.localAddress());
        }
        return out;
    }

    /** Open connections. */
    public int connectionCount() {
        return connections.size();
    }

    /** Calls accepted and not yet answered, over every open connection (the server-wide count). */
    public int inFlight() {
        return limit.total();
    }

    /** The runtime this server runs on. */
    public Runtime runtime() {
        return runtime;
    }

    /** The remote IP address that maxConnectionsPerAddress counts, or null (Unix sockets, unknown). */
    private static String hostOf(Connection conn) {
        RpcAddress remote = conn.remoteAddress();
        return remote == null || remote.isUnix() ? null : remote.host();
    }

    /** Counts a new connection in, or says why not (one rate-limited line) and leaves the counts as they were. */
    private boolean admit(Connection conn, String host) {
        if (admitted.incrementAndGet() > config.maxConnections()) {
            admitted.decrementAndGet();
            faults.warn(
                    "connections refused over maxConnections",
                    "refusing connection from {}: {} connections open, maxConnections is {}",
                    conn.remoteAddress(),
                    config.maxConnections(),
                    config.maxConnections());
            return false;
        }
        if (host != null) {
            AtomicInteger n = perHost.compute(host, (h, v) -> {
                if (v == null) {
                    return new AtomicInteger(1);
                }
                v.incrementAndGet();
                return v;
            });
            if (n.get() > config.maxConnectionsPerAddress()) {
                left(host);
                faults.warn(
                        "connections refused over maxConnectionsPerAddress",
                        "refusing connection from {}: {} connections open from {}, maxConnectionsPerAddress is {}",
                        conn.remoteAddress(),
                        config.maxConnectionsPerAddress(),
                        host,
                        config.maxConnectionsPerAddress());
                return false;
            }
        }
        return true;
    }

    /** Counts an admitted connection out. */
    private void left(String host) {
        admitted.decrementAndGet();
        if (host != null) {
            perHost.computeIfPresent(host, (h, v) -> v.decrementAndGet() <= 0 ? null : v);
        }
    }

    /** What a refused connection gets while it closes: its bytes are dropped. */
    private static final ConnectionHandler REFUSED = new ConnectionHandler() {
        @Override
        public void onData(io.netty.buffer.ByteBuf data) {
            data.release();
        }

        @Override
        public void onReadComplete() {}

        @Override
        public void onInputShutdown() {}

        @Override
        public void onWritabilityChanged(boolean writable) {}

        @Override
        public void onClosed(Throwable cause) {}
    };

    private void sweep() {
        faults.flush();
        long now = clock.getAsLong();
        for (ServerConnection c : connections) {
            try {
                c.sweep(now);
            } catch (RuntimeException e) {
                LOG.warn("sweep of {} failed", c, e);
            }
        }
    }

    private void removed(ServerConnection c) {
        connections.remove(c);
        if (shutdown && connections.isEmpty()) {
            terminated.complete(null);
        }
    }

    /**
     * Stops accepting: closes the listeners and leaves the open connections serving. For a server that
     * moves, to bind the same addresses elsewhere before it {@link #shutdown() drains} these connections
     * (their clients then reconnect to a listener that is already there). Idempotent.
     */
    public void stopAccepting() {
        for (Runtime.Listener l : listeners) {
            try {
                l.close();
            } catch (RuntimeException e) {
                LOG.debug("closing listener {} failed", l.localAddress(), e);
            }
        }
    }

    /** Stops accepting and reading; answers what was accepted; then closes the connections. Idempotent. */
    public void shutdown() {
        synchronized (lock) {
            if (shutdown) {
                return;
            }
            shutdown = true;
        }
        for (Runtime.Listener l : listeners) {
            try {
                l.close();
            } catch (RuntimeException e) {
                LOG.debug("closing listener {} failed", l.localAddress(), e);
            }
        }
        for (ServerConnection c : connections) {
            c.beginClose();
        }
        if (connections.isEmpty()) {
            terminated.complete(null);
        }
        var unused = terminated.whenComplete((v, e) -> cancelSweep()); // cancelSweep only cancels a timer
    }

    private void cancelSweep() {
        synchronized (lock) {
            if (sweep != null) {
                sweep.cancel(false);
            }
        }
    }

    /** Shuts down and closes every connection at once. */
    public void shutdownNow() {
        shutdown();
        for (ServerConnection c : connections) {
            c.abort();
        }
    }

    public boolean isShutdown() {
        return shutdown;
    }

    /** Whether shutdown finished: every connection closed. */
    public boolean isTerminated() {
        return terminated.isDone();
    }

    /** Waits until every connection closed after {@link #shutdown()}; true if it happened in time. */
    public boolean awaitTermination(Duration timeout) throws InterruptedException {
        try {
            terminated.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            return true;
        }
    }

    /**
     * Graceful close bounded by {@code serverCloseWait}: shutdown, wait, then shutdownNow. Restores the
     * interrupt flag if interrupted while waiting.
     */
    @Override
    public void close() {
        shutdown();
        try {
            if (!awaitTermination(config.serverCloseWait())) {
                LOG.warn(
                        "{} connections still busy after serverCloseWait {}; closing them",
                        connections.size(),
                        config.serverCloseWait());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        shutdownNow();
    }
}
