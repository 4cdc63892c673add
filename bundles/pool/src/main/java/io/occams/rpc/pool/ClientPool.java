package io.occams.rpc.pool;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.occams.rpc.api.ClientConfig;
import io.occams.rpc.api.RpcAddress;
import io.occams.rpc.api.RpcCode;
import io.occams.rpc.api.RpcException;
import io.occams.rpc.api.spi.Runtime;
import io.occams.rpc.pool.internal.Backoff;
import io.occams.rpc.pool.internal.Tasks;
import io.occams.rpc.stream.Caller;
import io.occams.rpc.stream.ClientStream;
import io.occams.rpc.stream.ClientTask;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import java.util.function.LongSupplier;
import org.osgi.annotation.versioning.ProviderType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Connections to one address: the seed's {@code ClientPool} (spec §5.4) with real sizing, idle close and
 * health that recovers (§12.2, §12.12). A {@link Caller}: remote-API proxies and
 * {@link FailoverPool} send through it.
 *
 * <p><b>Connections.</b> The pool opens its first {@link ClientStream} at once and another whenever every
 * open one has a full window ({@link ClientConfig#thresholds()} calls in flight), up to
 * {@link ClientConfig#maxConnections()}; a call goes to the first connection with room, so load packs
 * onto few connections and their batches stay large. When all are full at the maximum, calls wait in
 * the connections' own queues. A connection unused for {@link ClientConfig#idleTimeout()} with nothing
 * in flight is closed gracefully; the pool may shrink to none and reconnects on the next call.
 *
 * <p><b>Monitor.</b> Once a second (on the runtime's scheduler) the pool pings every connection that
 * carried no call during the last second. The pong is awaited: a ping that fails, or whose pong has not
 * come within {@link ClientConfig#readTimeout()}, marks the connection dead and aborts it (its calls fail
 * with {@code rpc_io_err}), which counts as a connection loss. Busy connections prove themselves by their
 * replies, or by their calls timing out.
 *
 * <p><b>Health.</b> {@link #isHealthy()} starts true. It goes false when a connect fails while no
 * connection is open, or when a connection is lost (closed by the peer or by an error, not by the pool).
 * While it is false every call fails at once with {@code rpc_unreachable}: nothing waits for a timeout
 * (a {@link FailoverPool}, even of one address, makes such calls wait for an address instead).
 * After a loss the pool reconnects at once; after a failed connect it retries after a step of 100 ms,
 * doubling up to 1 s, and back to 100 ms after a success; each delay is drawn between half its step and
 * the step (jitter), so a restarted server is tried again within 1 s and its clients do not all come at
 * once. A {@link FailoverPool} with calls waiting for an address asks a pool that is down to try at once
 * ({@link #probe()}). The first successful reconnect makes the pool healthy again. (A connect that fails
 * while other connections are open only delays growing, by the same backoff.)
 *
 * <p><b>Queue.</b> Calls submitted while no connection is open (the first connect, or after the pool
 * shrank to none) wait in a queue bounded by {@code 4 × thresholds × maxConnections}; a call beyond the
 * bound fails at once with {@code rpc_unreachable} ("the address cannot take it now"; it never left, so
 * a failover pool re-routes it). When the connect fails, every queued call fails with
 * {@code rpc_unreachable} at once.
 *
 * <p><b>Lifecycle.</b> Construct, {@link #submit} from any thread, {@link #close()}. Closing is graceful:
 * calls in flight still get their replies, queued calls fail with {@code rpc_io_err}, then the
 * connections close ({@link #closeFuture()}). The runtime belongs to the caller and outlives the pool.
 *
 * <p><b>Threading.</b> Thread-safe. {@link #submit} never blocks and never waits for a connect: it is
 * fine from async code and from plain threads; a blocking caller waits on its own future. Task
 * completions run on a connection's reader, on the runtime's scheduler (timeouts, failed connects) or
 * on the thread that called {@link #close()}, and must not block.
 *
 * <p><b>Ownership.</b> A submitted task belongs to the pool until it completes, exactly once; its blob
 * is released by the pool or its stream.
 *
 * <pre>{@code
 * try (ClientPool pool = new ClientPool(runtime, RpcAddress.parse("10.0.0.7:7000"), ClientConfig.defaults())) {
 *     MyTask t = new MyTask(...);          // a ClientTask completing a CompletableFuture
 *     pool.submit(t);
 *     t.future().get(30, TimeUnit.SECONDS); // blocking callers wait on their own future
 * }
 * }</pre>
 */
@ProviderType
public final class ClientPool implements Caller, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ClientPool.class);
    private static final Conn[] NONE = new Conn[0];
    private static final long BACKOFF_INITIAL_MILLIS = 100;
    private static final long BACKOFF_MAX_MILLIS = 1_000;
    /** A probe connects only when no connect began within this long (a waiting call probes, a storm does not). */
    private static final long PROBE_GAP_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final Runtime runtime;
    private final RpcAddress address;
    private final ClientConfig config;
    private final int maxConnections;
    private final int queueLimit;
    private final long idleNanos;
    private final long pongNanos;

    private final Object lock = new Object();
    /** The open connections, copy-on-write: read without the lock by every submit, replaced under it. */
    private volatile Conn[] conns = NONE;
    /** Calls waiting for a first connection, oldest first. */
    @GuardedBy("lock")
    private final ArrayDeque<ClientTask> queue = new ArrayDeque<>();
    /** Connections closed by the pool for idleness, closed for real on the next tick. */
    @GuardedBy("lock")
    private final List<Conn> retired = new ArrayList<>();
    /** Connects in progress; written under the lock, read without it by the growth check. */
    private volatile int connecting;
    /** Connects in progress plus connections whose close has not completed. */
    @GuardedBy("lock")
    private int live;

    @GuardedBy("lock")
    private final Backoff backoff = new Backoff(BACKOFF_INITIAL_MILLIS, BACKOFF_MAX_MILLIS);
    /** The scheduled reconnect while down, or null. */
    @GuardedBy("lock")
    private ScheduledFuture<?> reconnect;
    /** No growth connect before this System.nanoTime() (after one failed). */
    @GuardedBy("lock")
    private long growNotBefore;
    /** Whether the address is believed reachable; read by every submit, written under the lock. */
    private volatile boolean healthy = true;
    /** Set once, under the lock; read by every submit. */
    private volatile boolean closed;
    /** Spreads calls over the connections when every window is full. */
    private final AtomicInteger spread = new AtomicInteger();

    private final ScheduledFuture<?> monitor;
    /**
     * Calls a round-robin {@link FailoverPool} started on this pool; compared with the other addresses'
     * counts to bound its preference for the submitting thread's own connections. Any thread.
     */
    final AtomicLong selected = new AtomicLong();

    private final CompletableFuture<Void> terminated = new CompletableFuture<>();
    /** When the last connect began (System.nanoTime()); bounds how often {@link #probe()} connects. */
    private volatile long lastConnectNanos = System.nanoTime() - PROBE_GAP_NANOS;
    /** Told when the pool becomes healthy again (a {@link FailoverPool} releasing its waiting calls), or null. */
    private volatile Runnable healthyAgain;
    /** What the monitor measures idleness and pings with: {@link System#nanoTime()}, or a test's manual clock. */
    private final LongSupplier clock;

    /**
     * A pool to {@code address}; starts connecting at once and schedules its monitor on
     * {@code runtime.scheduler()}.
     *
     * @param runtime where connections and timers come from; not closed by the pool
     * @param address the one address this pool connects to
     * @param config stream settings, plus {@code maxConnections} and {@code idleTimeout} for the pool
     */
    public ClientPool(Runtime runtime, RpcAddress address, ClientConfig config) {
        this(runtime, address, config, null, System::nanoTime);
    }

    /**
     * A pool whose once-a-second monitor (idle connections, unanswered pings) runs on {@code monitorScheduler}
     * and measures time with {@code clock}: for tests on a manual clock (testkit's {@code ManualScheduler} and
     * its {@code nanoTime}), so that an idle timeout passes when the test moves the clock, without waiting.
     * Connections and their own timers still come from {@code runtime}.
     *
     * @param monitorScheduler where the monitor runs; null: {@code runtime.scheduler()}
     * @param clock nanoseconds, as {@link System#nanoTime()}
     */
    public ClientPool(
            Runtime runtime,
            RpcAddress address,
            ClientConfig config,
            ScheduledExecutorService monitorScheduler,
            LongSupplier clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.runtime = Objects.requireNonNull(runtime, "runtime");
        this.address = Objects.requireNonNull(address, "address");
        this.config = Objects.requireNonNull(config, "config");
        this.maxConnections = config.maxConnections();
        this.queueLimit = (int) Math.min(Integer.MAX_VALUE, 4L * config.thresholds() * config.maxConnections());
        this.idleNanos = config.idleTimeout().toNanos();
        this.pongNanos = config.readTimeout().toNanos();
        this.monitor = (monitorScheduler != null ? monitorScheduler : runtime.scheduler())
                .scheduleAtFixedRate(this::tick, 1, 1, TimeUnit.SECONDS);
        synchronized (lock) {
            connecting++;
            live++;
        }
        connect();
    }

    /** The address this pool connects to. */
    public RpcAddress address() {
        return address;
    }

    /** The configuration in force. */
    public ClientConfig config() {
        return config;
    }

    /**
     * Sends {@code task} on a connection with room, or queues it while the first connection opens;
     * fails it at once with {@code rpc_unreachable} while the pool is down or the queue is full, and with
     * {@code rpc_io_err} once the pool is closed. Never blocks.
     */
    @Override
    public void submit(ClientTask task) {
        Objects.requireNonNull(task, "task");
        for (; ; ) {
            if (healthy) {
                Conn c = pick();
                if (c != null) {
                    if (!c.used) {
                        c.used = true;
                    }
                    c.stream.submit(task);
                    return;
                }
            }
            if (closed) {
                Tasks.fail(task, new RpcException(RpcCode.IO, address + ": pool is closed"));
                return;
            }
            if (!healthy) {
                Tasks.fail(task, new RpcException(RpcCode.UNREACHABLE, address + ": unreachable (reconnecting)"));
                return;
            }
            boolean queued = false;
            boolean full = false;
            boolean connectNow = false;
            synchronized (lock) {
                if (!closed && healthy && !hasOpen(conns)) {
                    if (queue.size() < queueLimit) {
                        queue.addLast(task);
                        queued = true;
                        if (connecting == 0) {
                            connecting++;
                            live++;
                            connectNow = true;
                        }
                    } else {
                        full = true;
                    }
                }
            }
            if (connectNow) {
                connect();
            }
            if (queued) {
                return;
            }
            if (full) {
                Tasks.fail(
                        task,
                        new RpcException(
                                RpcCode.UNREACHABLE,
                                address + ": " + queueLimit + " calls already wait for a connection"));
                return;
            }
            // The state changed under us (a connection opened, the pool went down or closed): again.
        }
    }

    /** The first open connection with room; else grows and spreads over the full ones; null if none is open. */
    private Conn pick() {
        Conn[] cs = conns;
        Conn open = null;
        for (Conn c : cs) {
            ClientStream s = c.stream;
            if (s.isClosed()) {
                continue;
            }
            if (!s.windowFull()) {
                return c;
            }
            open = c;
        }
        if (open == null) {
            return null;
        }
        int n = cs.length;
        if (n + connecting < maxConnections) {
            grow();
        }
        if (n > 1) {
            Conn c = cs[Math.floorMod(spread.getAndIncrement(), n)];
            if (!c.stream.isClosed()) {
                return c;
            }
        }
        return open;
    }

    /** Opens one more connection, unless at the maximum, one is already opening, or growth backs off. */
    private void grow() {
        synchronized (lock) {
            if (closed
                    || !healthy
                    || connecting > 0
                    || conns.length >= maxConnections
                    || System.nanoTime() - growNotBefore < 0) {
                return;
            }
            connecting++;
            live++;
        }
        connect();
    }

    /** Starts one connect; the caller has counted it in {@code connecting} and {@code live}. Not under the lock. */
    private void connect() {
        lastConnectNanos = System.nanoTime();
        CompletableFuture<ClientStream> f;
        try {
            f = ClientStream.connect(runtime, address, config);
        } catch (RuntimeException e) {
            f = CompletableFuture.failedFuture(e);
        }
        var unused = f.whenComplete(logThrown("handling a connect", this::connected));
    }

    /**
     * {@code action}, logging what it throws: as a completion of a {@code CompletableFuture} a throw would
     * only fail the derived future, which nobody reads, and leave the pool's counts wrong without a word.
     */
    private <T> BiConsumer<T, Throwable> logThrown(String what, BiConsumer<T, Throwable> action) {
        return (value, error) -> {
            try {
                action.accept(value, error);
            } catch (RuntimeException e) {
                LOG.error("{}: {} threw", address, what, e);
            }
        };
    }

    /** A connect finished; runs on the runtime's thread (or the caller's when it failed at once). */
    private void connected(ClientStream stream, Throwable error) {
        Conn conn = null;
        boolean cameBack = false;
        boolean closeIt = false;
        boolean done = false;
        List<ClientTask> send = null;
        List<ClientTask> failed = null;
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        synchronized (lock) {
            connecting--;
            if (cause == null) {
                if (closed) {
                    closeIt = true;
                } else {
                    conn = new Conn(stream, clock.getAsLong());
                    Conn[] cs = conns;
                    Conn[] grown = Arrays.copyOf(cs, cs.length + 1);
                    grown[cs.length] = conn;
                    conns = grown;
                    if (!healthy) {
                        LOG.info("{}: reachable again", address);
                        cameBack = true;
                    }
                    healthy = true;
                    backoff.reset();
                    growNotBefore = 0;
                    if (!queue.isEmpty()) {
                        send = new ArrayList<>(queue);
                        queue.clear();
                    }
                }
            } else {
                live--;
                if (closed) {
                    done = live == 0;
                } else if (hasOpen(conns)) {
                    long delay = backoff.next();
                    growNotBefore = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(delay);
                    LOG.debug(
                            "{}: opening another connection failed; not growing for {} ms: {}",
                            address,
                            delay,
                            cause.toString());
                } else {
                    if (healthy) {
                        LOG.warn("{}: unreachable, reconnecting with backoff: {}", address, cause.toString());
                    }
                    healthy = false;
                    if (!queue.isEmpty()) {
                        failed = new ArrayList<>(queue);
                        queue.clear();
                    }
                    scheduleReconnectLocked();
                }
            }
        }
        if (stream != null) {
            Conn c = conn;
            var unused = stream.closeFuture()
                    .whenComplete(logThrown("handling a closed connection", (v, e) -> closedConnection(c)));
        }
        if (closeIt) {
            stream.close();
        }
        if (send != null) {
            conn.used = true;
            for (ClientTask t : send) {
                stream.submit(t);
            }
        }
        if (failed != null) {
            RpcException e = cause instanceof RpcException
                    ? (RpcException) cause
                    : new RpcException(RpcCode.UNREACHABLE, address + ": " + cause, cause);
            for (ClientTask t : failed) {
                Tasks.fail(t, e);
            }
        }
        if (done) {
            terminated.complete(null);
        }
        Runnable listener = healthyAgain;
        if (cameBack && listener != null) {
            listener.run();
        }
    }

    /**
     * While the pool is down: tries to connect now rather than at the end of the backoff delay, unless a
     * connect is under way or began less than 100 ms ago. For a caller with calls waiting for this
     * address. Never blocks.
     */
    void probe() {
        synchronized (lock) {
            if (closed || healthy || connecting > 0 || System.nanoTime() - lastConnectNanos < PROBE_GAP_NANOS) {
                return;
            }
            if (reconnect != null) {
                reconnect.cancel(false);
                reconnect = null;
            }
            connecting++;
            live++;
        }
        LOG.debug("{}: probing (calls are waiting)", address);
        connect();
    }

    /** Sets what to run, on the connecting thread, each time the pool becomes healthy again after being down. */
    void whenHealthyAgain(Runnable listener) {
        healthyAgain = listener;
    }

    @GuardedBy("lock")
    private void scheduleReconnectLocked() {
        if (reconnect != null || closed) {
            return;
        }
        long delay = backoff.next();
        try {
            reconnect = runtime.scheduler().schedule(this::reconnectNow, delay, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            LOG.warn("{}: cannot schedule a reconnect (runtime closed?)", address, e);
        }
    }

    private void reconnectNow() {
        synchronized (lock) {
            reconnect = null;
            if (closed || connecting > 0) {
                return;
            }
            connecting++;
            live++;
        }
        connect();
    }

    /** A connection's close completed: removes it; a close the pool did not ask for is a loss. */
    private void closedConnection(Conn c) {
        boolean reconnectNow = false;
        boolean done = false;
        synchronized (lock) {
            live--;
            if (c != null) {
                conns = without(conns, c);
                retired.remove(c);
            }
            if (closed) {
                done = live == 0;
            } else if (c != null && !c.closedByPool) {
                if (healthy) {
                    LOG.info("{}: connection lost; reconnecting", address);
                }
                healthy = false;
                if (connecting == 0 && reconnect == null) {
                    connecting++;
                    live++;
                    reconnectNow = true;
                }
            }
        }
        if (reconnectNow) {
            connect();
        }
        if (done) {
            terminated.complete(null);
        }
    }

    /** The monitor, once a second on the runtime's scheduler: closes retired connections, pings idle ones, retires unused ones. */
    private void tick() {
        try {
            List<Conn> toClose;
            synchronized (lock) {
                if (closed) {
                    return;
                }
                toClose = retired.isEmpty() ? List.of() : new ArrayList<>(retired);
                retired.clear();
            }
            for (Conn c : toClose) {
                c.stream.close();
            }
            long now = clock.getAsLong();
            for (Conn c : conns) {
                ClientStream s = c.stream;
                if (s.isClosed()) {
                    continue;
                }
                long sent = c.pingSentNanos;
                if (sent != 0 && now - sent > pongNanos) {
                    LOG.warn(
                            "{}: no pong within {} ms; closing the connection",
                            address,
                            TimeUnit.NANOSECONDS.toMillis(pongNanos));
                    s.abort();
                    continue;
                }
                if (c.used) {
                    c.used = false;
                    c.lastUsedNanos = now;
                    continue;
                }
                if (now - c.lastUsedNanos >= idleNanos && s.inFlight() == 0) {
                    retire(c);
                    continue;
                }
                if (sent == 0) {
                    ping(c, now);
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("{}: pool monitor failed", address, e);
        }
    }

    private void ping(Conn c, long now) {
        c.pingSentNanos = now;
        ClientStream s = c.stream;
        var unused = s.ping().whenComplete((rtt, error) -> { // it throws nothing: an abort() does not
            if (error == null) {
                c.pingSentNanos = 0;
            } else if (!s.isClosed()) {
                LOG.warn("{}: ping failed ({}); closing the connection", address, error.toString());
                s.abort();
            }
        });
    }

    /** Takes an idle connection out of use; the next tick closes it (gracefully), after any racing submit. */
    private void retire(Conn c) {
        synchronized (lock) {
            if (closed) {
                return;
            }
            conns = without(conns, c);
            c.closedByPool = true;
            retired.add(c);
        }
        LOG.debug("{}: closing a connection unused for {}", address, config.idleTimeout());
    }

    /**
     * Whether some open connection with room in its window reads its replies on the calling thread
     * (see {@link ClientStream#isReaderThread()}), so that a call submitted from here now stays on this
     * thread. Any thread; never blocks.
     */
    boolean hasRoomOnThisThread() {
        for (Conn c : conns) {
            ClientStream s = c.stream;
            if (s.isReaderThread() && !s.windowFull() && !s.isClosed()) {
                return true;
            }
        }
        return false;
    }

    /** Whether calls submitted now have a chance: false while the address is unreachable, and once closed. */
    @Override
    public boolean isHealthy() {
        return healthy && !closed;
    }

    /** How many connections are open now (not counting ones being opened or closed). */
    public int connectionCount() {
        int n = 0;
        for (Conn c : conns) {
            if (!c.stream.isClosed()) {
                n++;
            }
        }
        return n;
    }

    /** Whether {@link #close()} was called. */
    public boolean isClosed() {
        return closed;
    }

    /** Completes once the pool is closed and every connection it opened has closed. */
    public CompletableFuture<Void> closeFuture() {
        return terminated;
    }

    /**
     * Graceful close: no new calls (they fail with {@code rpc_io_err}); queued calls fail with
     * {@code rpc_io_err}; calls in flight still get their replies, then each connection closes (see
     * {@link #closeFuture()}). Returns at once; idempotent.
     */
    @Override
    public void close() {
        List<Conn> all;
        List<ClientTask> failed;
        boolean done;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            monitor.cancel(false);
            if (reconnect != null) {
                reconnect.cancel(false);
                reconnect = null;
            }
            all = new ArrayList<>(Arrays.asList(conns));
            all.addAll(retired);
            retired.clear();
            conns = NONE;
            for (Conn c : all) {
                c.closedByPool = true;
            }
            failed = new ArrayList<>(queue);
            queue.clear();
            done = live == 0;
        }
        for (Conn c : all) {
            c.stream.close();
        }
        RpcException e = new RpcException(RpcCode.IO, address + ": pool closed before the call was sent");
        for (ClientTask t : failed) {
            Tasks.fail(t, e);
        }
        if (done) {
            terminated.complete(null);
        }
    }

    @Override
    public String toString() {
        return "ClientPool[" + address + ", " + connectionCount() + " connections, "
                + (closed ? "closed" : healthy ? "healthy" : "down") + "]";
    }

    private static boolean hasOpen(Conn[] cs) {
        for (Conn c : cs) {
            if (!c.stream.isClosed()) {
                return true;
            }
        }
        return false;
    }

    private static Conn[] without(Conn[] cs, Conn c) {
        for (int i = 0; i < cs.length; i++) {
            if (cs[i] == c) {
                Conn[] out = new Conn[cs.length - 1];
                System.arraycopy(cs, 0, out, 0, i);
                System.arraycopy(cs, i + 1, out, i, cs.length - i - 1);
                return out;
            }
        }
        return cs;
    }

    /** One pooled connection and what the monitor knows about it. */
    private static final class Conn {
        final ClientStream stream;
        /** Set by submit when it picks this connection, cleared by the monitor each tick; a lost race only delays an idle close. */
        volatile boolean used;
        /** When the monitor last saw it used. Monitor-confined (ticks run one at a time). */
        long lastUsedNanos;
        /** When the unanswered ping was sent, or 0; written by the monitor and the pong's completion. */
        volatile long pingSentNanos;
        /** Whether the pool closed it (idle or pool close), so its close is no loss; set under the pool's lock. */
        volatile boolean closedByPool;

        Conn(ClientStream stream, long now) {
            this.stream = stream;
            this.lastUsedNanos = now;
        }
    }
}
