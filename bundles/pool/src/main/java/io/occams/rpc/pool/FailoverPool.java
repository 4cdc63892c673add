package io.occams.rpc.pool;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.occams.rpc.api.ClientConfig;
import io.occams.rpc.api.RpcAddress;
import io.occams.rpc.api.RpcCode;
import io.occams.rpc.api.RpcException;
import io.occams.rpc.api.spi.Runtime;
import io.occams.rpc.pool.internal.RetryingCall;
import io.occams.rpc.pool.internal.Tasks;
import io.occams.rpc.stream.Caller;
import io.occams.rpc.stream.ClientTask;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.osgi.annotation.versioning.ProviderType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Calls spread over several addresses, one {@link ClientPool} each, with retries that are safe: the
 * seed's {@code FailoverPool} (spec §5.5) without its blind retry of timeouts (§12.10).
 *
 * <p><b>Selection.</b> {@link Selection#ROUND_ROBIN} starts each call at the next address in turn;
 * {@link Selection#FIRST_HEALTHY} always starts at the first. Either way the call goes to the first
 * {@linkplain ClientPool#isHealthy() healthy} pool from there, with one exception for round robin: a call
 * submitted on the thread that reads one of the pools' connections (a completion, on that connection's
 * event loop) goes to that pool instead, as long as that pool is fewer than 256 calls ahead of the one
 * whose turn it was. So the split between healthy addresses stays even to within 256 calls, and a closed
 * loop of calls stays on each event loop's own connections.
 *
 * <p><b>Every address down.</b> A call (or a retry) that finds no healthy pool waits, without holding a
 * thread, until one is healthy again, at most until its deadline: its own {@linkplain ClientTask#timeout()
 * timeout}, or else the {@code taskTimeout}, counted from its submission. The first call that waits makes
 * every pool that is down try to connect at once (a probe; pools otherwise retry after at most 1 s, see
 * {@link ClientPool}); the pool that connects first takes the waiting calls. A call still waiting at its
 * deadline fails with {@code rpc_unreachable} (or, for a retry, the failure that made it wait): it never
 * reached a server. At most {@code 4 × thresholds × maxConnections} calls wait; one more fails at once.
 *
 * <p><b>Retry.</b> A failed call is sent again to the next healthy address after the one that failed, up
 * to {@code retryLimit} times (at most {@code retryLimit + 1} attempts), when that is safe: it failed with
 * {@code rpc_unreachable} (it reached no server), or with {@code rpc_io_err} or {@code rpc_timeout} and
 * its task is {@linkplain ClientTask#idempotent(boolean) marked idempotent}. A call that is not
 * idempotent and whose connection broke after its frame was written ({@code rpc_io_err}) or whose reply
 * never came ({@code rpc_timeout}) may have run on the server, and running it twice is not ours to
 * decide: it fails with that code (the seed retried {@code rpc_io_err} blindly; a pool built with
 * {@code retryAfterSend} does too, for services whose every call may run twice). User errors and every
 * other {@code rpc_*} code are final. An attempt that failed before its frame was written (a pool down
 * or closing, a full connect queue, a connection closed while the call waited for its window) never
 * reached a server, so it is re-routed, idempotent or not, without counting against {@code retryLimit}.
 * When the retries run out, the call completes with the last failure.
 *
 * <p><b>Tasks and ownership.</b> Each attempt is an internal {@link ClientTask} that delegates to the
 * submitted one: {@link ClientTask#encodeMsg} is called once per attempt (so it must write the same bytes
 * each time), the blob is taken once and sent as a retained duplicate per attempt, then released once;
 * the task's own {@link ClientTask#timeout() timeout} applies to every attempt. The submitted task
 * itself completes exactly once.
 *
 * <p><b>Addresses.</b> {@link #updateAddresses} replaces the list at run time: pools of addresses still
 * listed are kept (with their connections), new addresses get new pools, and pools of removed addresses
 * are closed gracefully: their calls in flight still get replies, and calls that had not gone out yet
 * are re-routed to the remaining addresses. No call is lost.
 *
 * <p><b>Cost.</b> With {@link Selection#ROUND_ROBIN}, a call made from a completion (on one connection's
 * reader) went, half the time with two addresses, to a connection read by another event loop: its frame
 * was written under that connection's lock by this loop (contending with that loop's own writes), its
 * batch buffer freed on the other loop, and its flush, deferred to the end of the read burst, handed to
 * the other loop as a task and a wake-up. The preference for the caller's own connection above removes
 * that hand-off while the split stays within the bound; the JMH {@code PoolBench} figures are in
 * {@code benchmarks/README.md}.
 *
 * <p><b>Threading.</b> Thread-safe; {@link #submit} never blocks. Retries run on the thread that
 * completed the failed attempt (a connection's reader, a timer) and never block; waiting calls are sent
 * on the thread of the connect that made a pool healthy, and expire on the runtime's scheduler.
 * Completions follow the {@link ClientPool} rules: they must not block.
 *
 * <p><b>Lifecycle.</b> Construct, submit, {@link #close()} (graceful; closes every pool). The runtime
 * belongs to the caller.
 *
 * <pre>{@code
 * List<RpcAddress> addrs = List.of(RpcAddress.parse("10.0.0.7:7000"), RpcAddress.parse("10.0.0.8:7000"));
 * try (FailoverPool pool = new FailoverPool(runtime, addrs, ClientConfig.defaults(), FailoverPool.Selection.ROUND_ROBIN, 3)) {
 *     pool.submit(new MyTask(...).idempotent(true));   // a timed-out attempt may then be retried
 *     ...
 *     pool.updateAddresses(List.of(RpcAddress.parse("10.0.0.8:7000"), RpcAddress.parse("10.0.0.9:7000")));
 * }
 * }</pre>
 */
@ProviderType
public final class FailoverPool implements Caller, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FailoverPool.class);
    private static final ClientPool[] NONE = new ClientPool[0];

    /** Where a new call starts looking for a healthy address. */
    public enum Selection {
        /**
         * Each call starts at the next address in turn, so healthy addresses share the load evenly (a call
         * from a completion may stay on its own event loop's address while that address is fewer than 256
         * calls ahead).
         */
        ROUND_ROBIN,
        /** Each call starts at the first address: the others are standbys. */
        FIRST_HEALTHY
    }

    private final Runtime runtime;
    private final ClientConfig config;
    private final Selection selection;
    private final int retryLimit;
    private final boolean retryAfterSend;
    private final Object lock = new Object();
    /** The pools in address order, copy-on-write: read by every submit, replaced under the lock. */
    private volatile ClientPool[] pools;
    /** Set once under the lock; read by every submit. */
    private volatile boolean closed;

    private final AtomicInteger turn = new AtomicInteger();
    /**
     * How many calls more than the pool whose turn it is a pool may have been given by round robin for
     * being local to the submitting thread (see {@link #roundRobin}); bounds how unevenly that preference
     * can split the calls.
     */
    static final long MAX_LEAD = 256; // the class and Selection Javadoc say 256

    private final RetryingCall.Router router = new Router();
    /** Calls waiting for a healthy pool, oldest first. */
    @GuardedBy("lock")
    private final ArrayDeque<Waiting> waiting = new ArrayDeque<>();
    /** How many calls may wait for a healthy pool. */
    private final int waitLimit;

    private final CompletableFuture<Void> terminated = new CompletableFuture<>();
    /** Close futures of pools removed by updateAddresses, still draining. */
    @GuardedBy("lock")
    private final List<CompletableFuture<Void>> draining = new ArrayList<>();

    /**
     * A failover pool over {@code addresses} (duplicates ignored; may be empty, then calls wait, within their
     * deadline, for {@link #updateAddresses} to give some, and fail with {@code rpc_unreachable} at it).
     * It retries only what is safe (see above): {@code retryAfterSend} is false.
     *
     * @param runtime where connections and timers come from; not closed by the pool
     * @param config the settings of every {@link ClientPool}
     * @param retryLimit how many times a failed call may be sent again (0: never)
     */
    public FailoverPool(
            Runtime runtime, List<RpcAddress> addresses, ClientConfig config, Selection selection, int retryLimit) {
        this(runtime, addresses, config, selection, retryLimit, false);
    }

    /**
     * A failover pool as {@link #FailoverPool(Runtime, List, ClientConfig, Selection, int)}, that with
     * {@code retryAfterSend} also retries a call that is not idempotent after {@code rpc_io_err} when its
     * frame was written, as the seed's pool did (spec §10, scenario S6). Such a call may then run twice:
     * only for services whose every call is safe to repeat (better: mark those calls
     * {@linkplain ClientTask#idempotent(boolean) idempotent}, which also lets a timed-out one be retried).
     *
     * @param retryAfterSend whether {@code rpc_io_err} is retried whatever the call's idempotence
     * @since 0.4
     */
    public FailoverPool(
            Runtime runtime,
            List<RpcAddress> addresses,
            ClientConfig config,
            Selection selection,
            int retryLimit,
            boolean retryAfterSend) {
        this.retryAfterSend = retryAfterSend;
        this.runtime = Objects.requireNonNull(runtime, "runtime");
        this.config = Objects.requireNonNull(config, "config");
        this.selection = Objects.requireNonNull(selection, "selection");
        if (retryLimit < 0) {
            throw new IllegalArgumentException("retryLimit must be >= 0: " + retryLimit);
        }
        this.retryLimit = retryLimit;
        this.waitLimit = (int) Math.min(Integer.MAX_VALUE, 4L * config.thresholds() * config.maxConnections());
        List<ClientPool> made = new ArrayList<>();
        for (RpcAddress a : new LinkedHashSet<>(addresses)) {
            made.add(newPool(a));
        }
        this.pools = made.toArray(NONE);
    }

    /** A pool to {@code a} that releases the waiting calls when it becomes healthy again. */
    private ClientPool newPool(RpcAddress a) {
        ClientPool p = new ClientPool(runtime, a, config);
        p.whenHealthyAgain(this::release);
        return p;
    }

    /**
     * Sends {@code task} to a healthy address, retrying as described above; when no address is healthy
     * the call waits for one, within its deadline. Fails it with {@code rpc_io_err} once closed. Never
     * blocks.
     */
    @Override
    public void submit(ClientTask task) {
        Objects.requireNonNull(task, "task");
        if (closed) {
            Tasks.fail(task, new RpcException(RpcCode.IO, "failover pool is closed"));
            return;
        }
        ClientPool[] ps = pools;
        int n = ps.length;
        int start = selection == Selection.ROUND_ROBIN && n > 1 ? Math.floorMod(turn.getAndIncrement(), n) : -1;
        ClientPool first = start < 0 ? firstHealthy(ps, 0) : roundRobin(ps, start);
        RetryingCall call = new RetryingCall(task, router, retryLimit, retryAfterSend, config.taskTimeout());
        if (first == null) {
            router.await(call, new RpcException(RpcCode.UNREACHABLE, "no healthy address among " + addressesOf(ps)));
            return;
        }
        call.start(first);
    }

    /**
     * Round robin's pick for a call whose turn is {@code start}: the first healthy pool from there, unless
     * the caller is the reader of another healthy pool's connection (a completion on that connection's
     * event loop) and that pool is fewer than {@value #MAX_LEAD} calls ahead of the turn's pool; then that
     * pool, so the call is written and flushed by this thread with no hand-off to another loop. Counts
     * the call on the pool it picks. A lead beyond the bound (the turn's pool was down, or is new) is
     * forgiven down to the bound, so an address coming back gets its turns, not a catch-up burst.
     */
    private static ClientPool roundRobin(ClientPool[] ps, int start) {
        ClientPool turn = firstHealthy(ps, start);
        if (turn == null) {
            return null;
        }
        ClientPool chosen = turn;
        ClientPool local = firstLocal(ps, start);
        if (local != null && local != turn) {
            long turnCount = turn.selected.get();
            long lead = local.selected.get() - turnCount;
            if (lead < MAX_LEAD) {
                chosen = local;
            } else if (lead > MAX_LEAD) {
                long floor = turnCount + lead - MAX_LEAD;
                turn.selected.accumulateAndGet(floor, Math::max);
            }
        }
        chosen.selected.incrementAndGet();
        return chosen;
    }

    /** The first healthy pool from {@code start} with a connection read by this thread and room in its window, or null. */
    private static ClientPool firstLocal(ClientPool[] ps, int start) {
        int n = ps.length;
        for (int i = 0; i < n; i++) {
            ClientPool p = ps[(start + i) % n];
            if (p.isHealthy() && p.hasRoomOnThisThread()) {
                return p;
            }
        }
        return null;
    }

    /** The router of retries: the first healthy pool after {@code last}, or from the start when it was removed. */
    private ClientPool nextAfter(ClientPool last) {
        ClientPool[] ps = pools;
        int start = 0;
        for (int i = 0; i < ps.length; i++) {
            if (ps[i] == last) {
                start = i + 1;
                break;
            }
        }
        return firstHealthy(ps, start);
    }

    private static ClientPool firstHealthy(ClientPool[] ps, int start) {
        int n = ps.length;
        for (int i = 0; i < n; i++) {
            ClientPool p = ps[(start + i) % n];
            if (p.isHealthy()) {
                return p;
            }
        }
        return null;
    }

    /** Whether some address is healthy now (false once closed). */
    @Override
    public boolean isHealthy() {
        if (closed) {
            return false;
        }
        return firstHealthy(pools, 0) != null;
    }

    /** Whether {@code address} is in the list and its pool is healthy now. */
    public boolean isHealthy(RpcAddress address) {
        for (ClientPool p : pools) {
            if (p.address().equals(address)) {
                return p.isHealthy();
            }
        }
        return false;
    }

    /** The current addresses, in order. */
    public List<RpcAddress> addresses() {
        return addressesOf(pools);
    }

    /** The selection mode. */
    public Selection selection() {
        return selection;
    }

    /** How many times a failed call may be sent again. */
    public int retryLimit() {
        return retryLimit;
    }

    /**
     * Whether a call that is not idempotent is retried after {@code rpc_io_err} even when its frame was
     * written (the seed's behaviour); false unless the pool was built so.
     *
     * @since 0.4
     */
    public boolean retriesAfterSend() {
        return retryAfterSend;
    }

    /**
     * Replaces the address list (duplicates ignored): keeps the pools of addresses still listed, opens
     * pools for new ones, and closes the pools of removed ones gracefully (calls in flight complete;
     * calls not yet sent are re-routed). Safe under load, from any thread.
     *
     * @throws IllegalStateException when the pool is closed
     */
    public void updateAddresses(List<RpcAddress> addresses) {
        List<ClientPool> removed;
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException("failover pool is closed");
            }
            Map<RpcAddress, ClientPool> old = new LinkedHashMap<>();
            for (ClientPool p : pools) {
                old.put(p.address(), p);
            }
            List<ClientPool> next = new ArrayList<>();
            for (RpcAddress a : new LinkedHashSet<>(addresses)) {
                ClientPool p = old.remove(a);
                next.add(p != null ? p : newPool(a));
            }
            pools = next.toArray(NONE);
            removed = new ArrayList<>(old.values());
            draining.removeIf(CompletableFuture::isDone);
            for (ClientPool p : removed) {
                draining.add(p.closeFuture());
            }
        }
        for (ClientPool p : removed) {
            LOG.debug("address {} removed; draining its pool", p.address());
            p.close();
        }
        release(); // a new address may take calls that wait
    }

    /** Whether {@link #close()} was called. */
    public boolean isClosed() {
        return closed;
    }

    /** Completes once closed and every pool's connections have closed. */
    public CompletableFuture<Void> closeFuture() {
        return terminated;
    }

    /** Graceful close of every pool (see {@link ClientPool#close()}); returns at once; idempotent. */
    @Override
    public void close() {
        ClientPool[] ps;
        List<CompletableFuture<Void>> fs;
        List<Waiting> stranded;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            ps = pools;
            fs = new ArrayList<>(draining);
            stranded = takeWaitingLocked();
        }
        RpcException gone = new RpcException(RpcCode.IO, "failover pool closed before the call was sent");
        for (Waiting w : stranded) {
            w.cancelTimer();
            w.call.expire(gone);
        }
        for (ClientPool p : ps) {
            p.close();
            fs.add(p.closeFuture());
        }
        var unused = CompletableFuture.allOf(fs.toArray(new CompletableFuture<?>[0]))
                .whenComplete((v, e) -> terminated.complete(null)); // complete() does not throw
    }

    /** Parks {@code call} (see {@link RetryingCall.Router#await}); the first to wait probes every pool that is down. */
    private void await(RetryingCall call, RpcException why) {
        long left = call.deadlineNanos() - System.nanoTime();
        Waiting w = new Waiting(call, why);
        boolean first;
        RpcException refused = null;
        synchronized (lock) {
            if (closed) {
                refused = new RpcException(RpcCode.IO, "failover pool is closed");
            } else if (left <= 0) {
                refused = why;
            } else if (waiting.size() >= waitLimit) {
                refused = new RpcException(
                        RpcCode.UNREACHABLE, "no healthy address and " + waitLimit + " calls already wait for one");
            } else {
                waiting.addLast(w);
            }
            first = waiting.size() == 1;
        }
        if (refused != null) {
            call.expire(refused);
            return;
        }
        try {
            w.timer = runtime.scheduler().schedule(() -> expire(w), left, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            expire(w);
            return;
        }
        if (first) {
            for (ClientPool p : pools) {
                p.probe();
            }
        }
        if (firstHealthy(pools, 0) != null) {
            release(); // a pool came back between the look and the parking
        }
    }

    /** A waiting call's deadline: it fails, unless a pool took it meanwhile. On the scheduler. */
    private void expire(Waiting w) {
        synchronized (lock) {
            if (w.done) {
                return;
            }
            w.done = true;
            waiting.remove(w);
        }
        w.call.expire(w.why);
    }

    /** Sends the waiting calls to the healthy pools (round robin); those that find none wait again. */
    private void release() {
        List<Waiting> go;
        synchronized (lock) {
            if (waiting.isEmpty()) {
                return;
            }
            go = takeWaitingLocked();
        }
        for (Waiting w : go) {
            w.cancelTimer();
            ClientPool[] ps = pools;
            ClientPool p = ps.length == 0 ? null : firstHealthy(ps, Math.floorMod(turn.getAndIncrement(), ps.length));
            if (p == null) {
                await(w.call, w.why);
            } else {
                w.call.resume(p);
            }
        }
    }

    @GuardedBy("lock")
    private List<Waiting> takeWaitingLocked() {
        List<Waiting> out = new ArrayList<>(waiting);
        waiting.clear();
        for (Waiting w : out) {
            w.done = true;
        }
        return out;
    }

    /** The router of retries: the next healthy pool, or a wait for one. */
    private final class Router implements RetryingCall.Router {
        @Override
        public ClientPool next(ClientPool last) {
            return nextAfter(last);
        }

        @Override
        public void await(RetryingCall call, RpcException why) {
            FailoverPool.this.await(call, why);
        }
    }

    /** A call waiting for a healthy pool. */
    private static final class Waiting {
        final RetryingCall call;
        final RpcException why;
        /** Set when it leaves the queue (released, expired, closed). Guarded by the pool's lock. */
        boolean done;

        volatile ScheduledFuture<?> timer;

        Waiting(RetryingCall call, RpcException why) {
            this.call = call;
            this.why = why;
        }

        void cancelTimer() {
            ScheduledFuture<?> t = timer;
            if (t != null) {
                t.cancel(false);
            }
        }
    }

    @Override
    public String toString() {
        return "FailoverPool[" + selection + ", retryLimit " + retryLimit + (retryAfterSend ? ", retryAfterSend" : "")
                + ", " + addresses() + "]";
    }

    private static List<RpcAddress> addressesOf(ClientPool[] ps) {
        List<RpcAddress> out = new ArrayList<>(ps.length);
        for (ClientPool p : ps) {
            out.add(p.address());
        }
        return out;
    }
}
