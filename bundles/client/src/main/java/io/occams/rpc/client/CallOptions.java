package io.occams.rpc.client;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.osgi.annotation.versioning.ProviderType;

/**
 * How the calls of a proxy behave: how long each may take ({@link #timeout(Duration) timeout}, relative to
 * the start of each call), when they must be over ({@link #deadline(Instant) deadline}, one instant shared by
 * every call), and whether they may be retried after a timeout ({@link #idempotent(boolean) idempotent},
 * overriding the method's {@code @RpcMethod(idempotent = ...)}). Unset settings keep their default: the
 * caller's {@code taskTimeout}, no deadline, the method's annotation.
 *
 * <p>Options reach a call in two ways, and the second wins setting by setting:
 * <ol>
 * <li><b>bound to a proxy</b>: {@link RpcClient#proxy(Class, io.occams.rpc.stream.Caller, CallOptions)}, or a
 *     copy of an existing proxy with other options, {@link RpcClient#withOptions(Object, CallOptions)}.
 *     Proxies are cheap views that share their interface's call plans, so one per setting is fine;</li>
 * <li><b>scoped to the current thread</b>: {@link #activate()} until the returned scope is closed, for the
 *     calls made on this thread through any proxy (an async call takes the options in force when it is
 *     made; what happens later on other threads does not see the scope).</li>
 * </ol>
 *
 * <pre>{@code
 * CalService cal = client.proxy(CalService.class, caller);
 * CalService quick = client.proxy(CalService.class, caller, CallOptions.timeout(Duration.ofMillis(200)).idempotent(true));
 * quick.add(1, 2);                                          // fails with RpcCode.TIMEOUT after 200 ms
 *
 * try (CallOptions.Scope s = CallOptions.deadline(Instant.now().plusSeconds(2)).activate()) {
 *     cal.inc(cal.inc(1));                                  // both calls together within 2 s
 * }
 * }</pre>
 *
 * <p>A call whose deadline has passed before it is sent fails at once with {@code RpcCode.TIMEOUT} and is
 * not sent. Timeouts and deadlines are enforced on the calling side to the millisecond (a timer completes
 * the call); the connection forgets the call at its next once-a-second sweep, and a reply that arrives in
 * between is dropped.
 *
 * <p>Immutable and thread-safe; every {@code with...} method returns a new instance.
 */
@ProviderType
public final class CallOptions {
    private static final CallOptions NONE = new CallOptions(null, null, 0L, Optional.empty());
    private static final Optional<Boolean> YES = Optional.of(Boolean.TRUE);
    private static final Optional<Boolean> NO = Optional.of(Boolean.FALSE);
    /** The scope in force on each thread; null when none. */
    private static final ThreadLocal<CallOptions> CURRENT = new ThreadLocal<>();
    /**
     * How many scopes are open on all threads together. {@link #current()} runs on every proxy call, and
     * while this is 0 it answers without the ThreadLocal lookup (a hash probe per call, a visible share of
     * a pipelining client's profile: see {@code benchmarks/README.md}). A thread's own scope counts before it is set and after it is removed,
     * so a thread with a scope open never reads 0; a scope never closed only keeps the lookup on.
     */
    private static final AtomicInteger OPEN_SCOPES = new AtomicInteger();

    private final Duration timeout;
    private final Instant deadline;
    /** The deadline on the {@link System#nanoTime()} clock; meaningful only when {@link #deadline} is set. */
    private final long deadlineNanoTime;

    private final Optional<Boolean> idempotent;

    private CallOptions(Duration timeout, Instant deadline, long deadlineNanoTime, Optional<Boolean> idempotent) {
        this.timeout = timeout;
        this.deadline = deadline;
        this.deadlineNanoTime = deadlineNanoTime;
        this.idempotent = idempotent == null ? Optional.empty() : idempotent;
    }

    /** No settings: every call uses the defaults. */
    public static CallOptions none() {
        return NONE;
    }

    /** Options with only a per-call timeout: each call may take {@code timeout}, counted from when it is made. */
    public static CallOptions timeout(Duration timeout) {
        return NONE.withTimeout(timeout);
    }

    /** Options with only a deadline: every call must be over by {@code deadline}. */
    public static CallOptions deadline(Instant deadline) {
        return NONE.withDeadline(deadline);
    }

    /** A copy with the per-call timeout {@code timeout} (positive). */
    public CallOptions withTimeout(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive: " + timeout);
        }
        return new CallOptions(timeout, deadline, deadlineNanoTime, idempotent);
    }

    /**
     * A copy with the deadline {@code deadline}. The instant is turned into a point on the monotonic clock
     * now, so later changes of the wall clock do not move it.
     */
    public CallOptions withDeadline(Instant deadline) {
        Objects.requireNonNull(deadline, "deadline");
        long nanosFromNow;
        try {
            nanosFromNow = Duration.between(Instant.now(), deadline).toNanos();
        } catch (ArithmeticException far) {
            nanosFromNow = deadline.isBefore(Instant.now()) ? Long.MIN_VALUE / 2 : Long.MAX_VALUE / 2;
        }
        return new CallOptions(timeout, deadline, System.nanoTime() + nanosFromNow, idempotent);
    }

    /**
     * A copy that marks the calls idempotent or not, whatever the methods' {@code @RpcMethod} says: an
     * idempotent call may be retried by a failover pool after a timeout (spec §12.10).
     */
    public CallOptions idempotent(boolean idempotent) {
        return new CallOptions(timeout, deadline, deadlineNanoTime, idempotent ? YES : NO);
    }

    /** The per-call timeout, if set. */
    public Optional<Duration> timeout() {
        return Optional.ofNullable(timeout);
    }

    /** The deadline, if set. */
    public Optional<Instant> deadline() {
        return Optional.ofNullable(deadline);
    }

    /** The idempotent override, if set; empty means the method's {@code @RpcMethod(idempotent)} applies. */
    public Optional<Boolean> idempotent() {
        return idempotent;
    }

    /**
     * How many nanoseconds a call made now may take: the smaller of the timeout and the time left until the
     * deadline; {@link Long#MAX_VALUE} when neither is set; zero or less when the deadline has passed.
     */
    public long remainingNanos() {
        long left = Long.MAX_VALUE;
        if (timeout != null) {
            left = saturatedNanos(timeout);
        }
        if (deadline != null) {
            left = Math.min(left, deadlineNanoTime - System.nanoTime());
        }
        return left;
    }

    /** These options with every setting that {@code other} has replacing this one's. */
    public CallOptions overriddenBy(CallOptions other) {
        if (other == null || other == NONE || other == this) {
            return this;
        }
        if (this == NONE) {
            return other;
        }
        boolean hasDeadline = other.deadline != null;
        return new CallOptions(
                other.timeout != null ? other.timeout : timeout,
                hasDeadline ? other.deadline : deadline,
                hasDeadline ? other.deadlineNanoTime : deadlineNanoTime,
                other.idempotent.isPresent() ? other.idempotent : idempotent);
    }

    /**
     * Puts these options in force for the proxy calls made on the current thread until the returned scope is
     * closed; they override, setting by setting, the options bound to the proxy. Scopes nest; close each on
     * the thread that opened it, innermost first (try-with-resources does both).
     */
    public Scope activate() {
        CallOptions previous = CURRENT.get();
        CallOptions now = previous == null ? this : previous.overriddenBy(this);
        OPEN_SCOPES.incrementAndGet();
        CURRENT.set(now);
        return new Scope(previous, Thread.currentThread());
    }

    /** The options of the innermost scope open on the current thread, or {@link #none()}. */
    public static CallOptions current() {
        if (OPEN_SCOPES.get() == 0) {
            return NONE;
        }
        CallOptions c = CURRENT.get();
        return c == null ? NONE : c;
    }

    private static long saturatedNanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException huge) {
            return Long.MAX_VALUE;
        }
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof CallOptions)) {
            return false;
        }
        CallOptions c = (CallOptions) o;
        return Objects.equals(timeout, c.timeout)
                && Objects.equals(deadline, c.deadline)
                && idempotent.equals(c.idempotent);
    }

    @Override
    public int hashCode() {
        return Objects.hash(timeout, deadline, idempotent);
    }

    @Override
    public String toString() {
        return "CallOptions{timeout=" + timeout + ", deadline=" + deadline + ", idempotent=" + idempotent.orElse(null)
                + "}";
    }

    /**
     * Options in force on one thread, from {@link #activate()} until {@link #close()}. Not thread-safe: close
     * it on the thread that opened it.
     */
    @ProviderType
    public static final class Scope implements AutoCloseable {
        private final CallOptions previous;
        private final Thread owner;
        private boolean closed;

        private Scope(CallOptions previous, Thread owner) {
            this.previous = previous;
            this.owner = owner;
        }

        /**
         * Restores the options in force before this scope. Idempotent.
         *
         * @throws IllegalStateException when called on another thread than the one that opened the scope
         */
        @Override
        public void close() {
            if (closed) {
                return;
            }
            if (Thread.currentThread() != owner) {
                throw new IllegalStateException(
                        "a CallOptions scope must be closed on the thread that opened it (" + owner.getName() + ")");
            }
            closed = true;
            if (previous == null) {
                CURRENT.remove();
            } else {
                CURRENT.set(previous);
            }
            OPEN_SCOPES.decrementAndGet();
        }
    }
}
