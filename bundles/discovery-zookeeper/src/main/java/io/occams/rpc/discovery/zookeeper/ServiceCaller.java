package io.occams.rpc.discovery.zookeeper;

import io.netty.buffer.ByteBuf;
import io.occams.rpc.api.ClientConfig;
import io.occams.rpc.api.RpcAddress;
import io.occams.rpc.api.RpcCode;
import io.occams.rpc.api.RpcException;
import io.occams.rpc.api.spi.Runtime;
import io.occams.rpc.pool.FailoverPool;
import io.occams.rpc.stream.Caller;
import io.occams.rpc.stream.ClientTask;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.osgi.annotation.versioning.ProviderType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Caller} for a service name: a {@link FailoverPool} whose address list is kept equal to the
 * endpoints ZooKeeper holds for the service (weight 0 left out), through a live watch. New endpoints get
 * calls as soon as the watch reports them; removed ones are handed to
 * {@link FailoverPool#updateAddresses}, which drains them: calls in flight get their replies, and no
 * connection is closed under a call. Retries and health are the failover pool's (an idempotent call lost
 * with a killed server is sent to another endpoint).
 *
 * <p><b>No endpoint.</b> While the service has no endpoint (none registered yet, or every one left), a
 * call waits for one, up to its own timeout ({@link ClientTask#timeout()}, else the configuration's
 * {@code taskTimeout}), and then fails with {@code rpc_unreachable} and a message naming the service and
 * the ZooKeeper it was looked up in. The wait ends a little before the timeout itself (10 % of it, at most
 * 250 ms), so that this failure, which says why, comes before a proxy's own timer would fail the call with a
 * bare {@code rpc_timeout}. Waiting never blocks a thread.
 *
 * <p><b>ZooKeeper unavailable.</b> The last known list stands and calls go on; see
 * {@link ZooKeeperDiscovery}. A caller made while ZooKeeper cannot be reached holds calls as above until
 * the first list is read.
 *
 * <p>Thread-safe; {@link #submit} never blocks. {@link #close()} stops the watch, fails the waiting calls
 * with {@code rpc_io_err} and closes the pool gracefully. The runtime belongs to the caller.
 */
@ProviderType
public final class ServiceCaller implements Caller, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ServiceCaller.class);

    private final ZooKeeperDiscovery discovery;
    private final String service;
    private final ClientConfig config;
    private final FailoverPool pool;
    private final AutoCloseable watch;
    private final ConcurrentHashMap<Object, Waiting> waiting = new ConcurrentHashMap<>();
    private volatile List<Endpoint> endpoints = List.of();
    /** False until the first list was read from ZooKeeper. */
    private volatile boolean listed;

    private volatile boolean closed;

    private ServiceCaller(Builder b) {
        this.discovery = b.discovery;
        this.service = b.service;
        this.config = b.config;
        this.pool = new FailoverPool(b.runtime, List.of(), b.config, b.selection, b.retryLimit, b.retryAfterSend);
        this.watch = discovery.watch(service, this::update);
    }

    private void update(List<Endpoint> now) {
        if (closed) {
            return;
        }
        List<RpcAddress> addresses = new ArrayList<>();
        for (Endpoint e : now) {
            if (e.weight() > 0 && !addresses.contains(e.address())) {
                addresses.add(e.address());
            }
        }
        try {
            pool.updateAddresses(addresses);
        } catch (IllegalStateException closedMeanwhile) {
            return;
        }
        endpoints = now;
        listed = true;
        LOG.info("service {}: endpoints {}", service, addresses);
        if (!addresses.isEmpty()) {
            for (Object key : waiting.keySet()) {
                Waiting w = waiting.remove(key);
                if (w != null) {
                    w.timer.cancel(false);
                    pool.submit(w.task);
                }
            }
        }
    }

    /** The service name. */
    public String service() {
        return service;
    }

    /** The endpoints the pool follows now (as read from ZooKeeper, weight 0 included). */
    public List<Endpoint> endpoints() {
        return endpoints;
    }

    /** The addresses in the pool now. */
    public List<RpcAddress> addresses() {
        return pool.addresses();
    }

    /** The pool behind this caller (for its health per address); do not update or close it directly. */
    public FailoverPool pool() {
        return pool;
    }

    /** Calls waiting for a first endpoint now. */
    public int waitingCalls() {
        return waiting.size();
    }

    @Override
    public void submit(ClientTask task) {
        Objects.requireNonNull(task, "task");
        if (closed) {
            fail(task, new RpcException(RpcCode.IO, "caller of service " + service + " is closed"));
            return;
        }
        if (!pool.addresses().isEmpty()) {
            pool.submit(task);
            return;
        }
        park(task);
    }

    private void park(ClientTask task) {
        Duration timeout = task.timeout() != null ? task.timeout() : config.taskTimeout();
        // Before the deadline, so that the failure says why, not a bare rpc_timeout from a proxy's own timer: a
        // tenth of the budget (at most 250 ms) is enough lead for the two timers even on a loaded scheduler.
        long waitNanos = timeout.toNanos() - Math.min(timeout.toNanos() / 10, TimeUnit.MILLISECONDS.toNanos(250));
        Object key = new Object();
        Waiting w = new Waiting(task);
        waiting.put(key, w);
        try {
            w.timer = discovery
                    .executor()
                    .schedule(
                            () -> {
                                if (waiting.remove(key) != null) {
                                    fail(
                                            task,
                                            new RpcException(
                                                    RpcCode.UNREACHABLE,
                                                    "no endpoint of service " + service + " in ZooKeeper at "
                                                            + discovery.connectString() + discovery.servicePath(service)
                                                            + (listed
                                                                    ? ""
                                                                    : (discovery.isConnected()
                                                                            ? " (not read yet)"
                                                                            : " (ZooKeeper not connected)"))
                                                            + " within " + timeout.toMillis() + " ms"));
                                }
                            },
                            waitNanos,
                            TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            if (waiting.remove(key) != null) {
                fail(task, new RpcException(RpcCode.IO, "caller of service " + service + " is closed"));
            }
            return;
        }
        // An update may have come between the check and the put: send it now rather than at the deadline.
        if (!pool.addresses().isEmpty() && waiting.remove(key) != null) {
            w.timer.cancel(false);
            pool.submit(task);
        }
    }

    @Override
    public boolean isHealthy() {
        return !closed && pool.isHealthy();
    }

    /** Whether {@link #close()} was called. */
    public boolean isClosed() {
        return closed;
    }

    /** Stops following ZooKeeper, fails the waiting calls ({@code rpc_io_err}), closes the pool gracefully. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        discovery.forget(this);
        try {
            watch.close();
        } catch (Exception e) {
            LOG.debug("closing the watch of {} failed", service, e);
        }
        for (Object key : waiting.keySet()) {
            Waiting w = waiting.remove(key);
            if (w != null) {
                if (w.timer != null) {
                    w.timer.cancel(false);
                }
                fail(
                        w.task,
                        new RpcException(
                                RpcCode.IO, "caller of service " + service + " closed before the call was sent"));
            }
        }
        pool.close();
    }

    @Override
    public String toString() {
        return "ServiceCaller[" + service + " " + pool.addresses() + "]";
    }

    private static void fail(ClientTask task, RpcException e) {
        try {
            ByteBuf b = task.takeBlob();
            if (b != null) {
                b.release();
            }
        } catch (RuntimeException ignored) {
            // the blob was taken already
        }
        try {
            task.onFailure(e);
        } catch (Throwable t) {
            LOG.warn("a task's onFailure threw", t);
        }
    }

    private static final class Waiting {
        final ClientTask task;
        volatile ScheduledFuture<?> timer;

        Waiting(ClientTask task) {
            this.task = task;
        }
    }

    /** Builds a {@link ServiceCaller}; from {@link ZooKeeperDiscovery#callerFor}. Not thread-safe. */
    @ProviderType
    public static final class Builder {
        private final ZooKeeperDiscovery discovery;
        private final String service;
        private Runtime runtime;
        private ClientConfig config = ClientConfig.defaults();
        private FailoverPool.Selection selection = FailoverPool.Selection.ROUND_ROBIN;
        private int retryLimit = 2;
        private boolean retryAfterSend;

        Builder(ZooKeeperDiscovery discovery, String service) {
            this.discovery = discovery;
            this.service = service;
        }

        /** Where connections and timers come from; required; not closed by the caller. */
        public Builder runtime(Runtime runtime) {
            this.runtime = Objects.requireNonNull(runtime, "runtime");
            return this;
        }

        /** The settings of every connection pool; default {@link ClientConfig#defaults()}. */
        public Builder config(ClientConfig config) {
            this.config = Objects.requireNonNull(config, "config");
            return this;
        }

        /** Default {@link FailoverPool.Selection#ROUND_ROBIN}. */
        public Builder selection(FailoverPool.Selection selection) {
            this.selection = Objects.requireNonNull(selection, "selection");
            return this;
        }

        /** How many times a failed call may be sent again (see {@link FailoverPool}); default 2. */
        public Builder retryLimit(int retryLimit) {
            if (retryLimit < 0) {
                throw new IllegalArgumentException("retryLimit must be >= 0: " + retryLimit);
            }
            this.retryLimit = retryLimit;
            return this;
        }

        /**
         * Whether a call that is not idempotent is sent again after {@code rpc_io_err} even when its request
         * may have reached the server, as the seed did (see {@link FailoverPool}); default false: only
         * idempotent calls and calls never written are.
         *
         * @since 0.2
         */
        public Builder retryAfterSend(boolean retryAfterSend) {
            this.retryAfterSend = retryAfterSend;
            return this;
        }

        /** The caller, following ZooKeeper from now on. @throws IllegalStateException without a runtime */
        public ServiceCaller build() {
            if (runtime == null) {
                throw new IllegalStateException("a runtime is required");
            }
            ServiceCaller c = new ServiceCaller(this);
            discovery.own(c);
            return c;
        }
    }
}
