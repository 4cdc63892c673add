package io.occams.rpc.stream;

import io.netty.buffer.ByteBuf;
import io.occams.rpc.api.RpcCode;
import io.occams.rpc.api.RpcException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.osgi.annotation.versioning.ProviderType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Caller} over whichever caller a supplier gives at the moment: in OSGi, the {@code Caller}
 * service of a client configuration, as a service tracker sees it ({@code tracker::getService}). That
 * service goes away and comes back, as a new object, when the pool bundle is updated or refreshed or
 * the configuration is deleted and made again; proxies built on a {@code TrackingCaller} live through it.
 *
 * <ul>
 *   <li>A call made while the supplier has no caller waits, up to {@code grace} from its submission, for
 *       one to come (it is tried again every few milliseconds; {@link #submit} never blocks), then fails
 *       with {@code rpc_unreachable}.
 *   <li>A call that a caller gives back with {@code rpc_unreachable} or {@code rpc_io_err} (the failures
 *       the pools themselves retry) after that caller was replaced, or left with none to follow it, is
 *       sent again through the new one, within the same grace. So are the calls a pool fails as it is
 *       stopped. A call whose blob went out is never sent again.
 *   <li>Any other failure, and any failure from a caller that is still the current one, reaches the
 *       task as it is: a down server is the pool's business, not this class's.
 * </ul>
 *
 * <p>Thread-safe. {@link #close} fails the calls still waiting for a caller; it does not close the
 * callers it followed, which belong to whoever supplied them.
 */
@ProviderType
public final class TrackingCaller implements Caller, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TrackingCaller.class);

    private final Supplier<? extends Caller> current;
    private final long graceNanos;
    /** Runs the later attempts; one daemon thread, only while calls wait. */
    private final ScheduledThreadPoolExecutor timer;
    /** The calls waiting for a later attempt; whoever removes one sends or fails it. */
    private final ConcurrentHashMap<Object, ClientTask> waiting = new ConcurrentHashMap<>();

    /**
     * @param current gives the caller to use now, or null while there is none; called on every submit
     *        and must be cheap and non-blocking (a service tracker's {@code getService} is)
     * @param grace how long a call may wait for a caller, counted from its submission
     */
    public TrackingCaller(Supplier<? extends Caller> current, Duration grace) {
        this.current = Objects.requireNonNull(current, "current");
        if (grace.isNegative()) {
            throw new IllegalArgumentException("grace must not be negative: " + grace);
        }
        this.graceNanos = grace.toNanos();
        timer = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "occams-rpc tracking caller");
            t.setDaemon(true);
            return t;
        });
        timer.setKeepAliveTime(10, TimeUnit.SECONDS);
        timer.allowCoreThreadTimeOut(true);
        timer.setRemoveOnCancelPolicy(true);
    }

    @Override
    public void submit(ClientTask task) {
        submit(task, System.nanoTime(), 0);
    }

    private void submit(ClientTask task, long since, int attempt) {
        Caller c = current.get();
        if (c == null) {
            if (!later(task, since, attempt)) {
                fail(
                        task,
                        new RpcException(
                                RpcCode.UNREACHABLE,
                                "no caller to send the call through within "
                                        + Duration.ofNanos(graceNanos).toMillis() + " ms"));
            }
            return;
        }
        c.submit(new Attempt(task, c, since, attempt));
    }

    /** Tries {@code task} again after a short pause; false when its grace is spent or this caller closed. */
    private boolean later(ClientTask task, long since, int attempt) {
        if (System.nanoTime() - since > graceNanos || timer.isShutdown()) {
            return false;
        }
        long delayMillis = Math.min(100, 2L << Math.min(attempt, 6));
        Object key = new Object();
        waiting.put(key, task);
        try {
            // Caller.submit completes the task on every path, so the timer's future has nothing to report.
            var unused = timer.schedule(
                    () -> {
                        if (waiting.remove(key) != null) {
                            submit(task, since, attempt + 1);
                        }
                    },
                    delayMillis,
                    TimeUnit.MILLISECONDS);
            return true;
        } catch (RejectedExecutionException closed) {
            return waiting.remove(key) == null; // close() took it and failed it meanwhile
        }
    }

    /** Healthy when there is a caller and it is. */
    @Override
    public boolean isHealthy() {
        Caller c = current.get();
        return c != null && c.isHealthy();
    }

    /** The tracked caller's interceptors (a pool from Configuration Admin has the registry's). */
    @Override
    public io.occams.rpc.api.intercept.CallInterceptors interceptors() {
        Caller c = current.get();
        return c == null ? null : c.interceptors();
    }

    /** Fails the calls waiting for a caller; later submits still go to the supplier's caller, without waiting. */
    @Override
    public void close() {
        timer.shutdownNow();
        for (Object key : waiting.keySet()) {
            ClientTask task = waiting.remove(key);
            if (task != null) {
                fail(task, new RpcException(RpcCode.UNREACHABLE, "tracking caller closed before the call was sent"));
            }
        }
    }

    private static void fail(ClientTask task, RpcException failure) {
        ByteBuf b = task.takeBlob();
        if (b != null) {
            b.release();
        }
        try {
            task.onFailure(failure);
        } catch (Throwable t) {
            LOG.warn("a task's onFailure threw", t);
        }
    }

    /** One attempt of a call through one caller. */
    private final class Attempt extends ForwardingClientTask {
        private final Caller via;
        private final long since;
        private final int attempt;

        Attempt(ClientTask task, Caller via, long since, int attempt) {
            super(task);
            this.via = via;
            this.since = since;
            this.attempt = attempt;
        }

        @Override
        public void onFailure(RpcException failure) {
            RpcCode code = failure.code();
            if (!blobTaken() && (code == RpcCode.UNREACHABLE || code == RpcCode.IO)) {
                Caller now = current.get();
                if (now != via) {
                    if (now != null && System.nanoTime() - since <= graceNanos) {
                        now.submit(new Attempt(task, now, since, attempt + 1));
                        return;
                    }
                    if (now == null && later(task, since, attempt)) {
                        return;
                    }
                }
            }
            task.onFailure(failure);
        }
    }
}
