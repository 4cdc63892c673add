package io.occams.rpc.stream.internal;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the work that a server's dispatch hands to {@code ServerCall.executor()} runs: the runtime's
 * blocking executor, reached once per read burst instead of once per call, and, on virtual threads,
 * without a new thread per burst.
 *
 * <p>Why: a synchronous service method used to cost a hand-off to another thread per call and a
 * cross-thread flush per reply, which made it an order of magnitude slower than a method answered on
 * the reader. Now the tasks a reader hands over while it decodes one read ({@code onData}) are
 * collected in a {@link Burst} and, at the end of the read, given as one {@link Batch} to the
 * connection's {@link Runner}: one thread that runs them one after the other and flushes their replies
 * once at the end of the batch, as the reader does for what it answers itself. A burst that arrives
 * while the runner is busy waits for it (no hand-off of its own); on a virtual thread an idle runner
 * parks, so the next burst costs an unpark, not a thread start; it ends when its connection closes, or
 * stays idle from one sweep of the server to the next (about a second). On a pool (Java 17) it runs one
 * batch per turn and queues again behind the other connections' work while batches are pending, and
 * ends as soon as nothing is left, giving the pool thread back.
 *
 * <p>Blocking stays safe: a task may block for as long as it likes. A runner that starts no task for a
 * whole {@linkplain #RESCUE_MILLIS tick} while it is blocked (waiting, parked, on a monitor), or for
 * {@value #RUNNABLE_TICKS} ticks while runnable (a long computation), is rescued: the tasks of its batch
 * it has not started yet each go to the executor on their own, the batches waiting behind it go to a
 * new runner, and what it answered so far is flushed. So a slow call delays the fast ones read with it
 * by about a millisecond, never by its own duration, and one connection's slow calls never hold up
 * another connection's (each connection has its own runner). The watchdog runs on the runtime's
 * scheduler only while runners run.
 *
 * <p>Nothing is ever refused: when the executor rejects a task (it is shut down, or a user's executor is
 * full) the task runs on the thread that handed it over, which is back-pressure on that reader, or, for
 * the watchdog, on a new thread.
 *
 * <p>Thread-safe; one per server.
 */
public final class BurstExecutor {
    private static final Logger LOG = LoggerFactory.getLogger(BurstExecutor.class);
    /** The watchdog's tick: a batch whose thread is blocked for a whole tick is rescued. */
    static final long RESCUE_MILLIS = 1;
    /**
     * Ticks a batch's thread may stay runnable in one task before the rest is rescued anyway: a long
     * computation, or a thread the OS does not schedule on a busy machine (moving the rest then would
     * only cost a thread per call), or a platform thread in native I/O (which reads as runnable).
     */
    static final int RUNNABLE_TICKS = 20;

    private final Executor executor;
    private final ScheduledExecutorService scheduler;
    private final Set<Runner> running = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean armed = new AtomicBoolean();
    private final Runnable tick = this::tick;

    public BurstExecutor(Executor executor, ScheduledExecutorService scheduler) {
        this.executor = executor;
        this.scheduler = scheduler;
    }

    /** Whether tasks are batched per read (a scheduler for the watchdog was given). */
    boolean hasScheduler() {
        return scheduler != null;
    }

    /** The executor tasks finally run on. */
    public Executor executor() {
        return executor;
    }

    /** Runs {@code task} on the executor now (or on this thread when the executor refuses it). */
    void execute(Runnable task) {
        try {
            executor.execute(task);
        } catch (RejectedExecutionException e) {
            LOG.debug("the executor refused a task ({}); running it on the calling thread", e.getMessage());
            runSafely(task);
        }
    }

    static void runSafely(Runnable task) {
        try {
            task.run();
        } catch (Throwable t) {
            LOG.warn("a server task threw", t);
        }
    }

    private void started(Runner r) {
        running.add(r);
        if (armed.compareAndSet(false, true)) {
            arm();
        }
    }

    private void arm() {
        try {
            var unused = scheduler.schedule(tick, RESCUE_MILLIS, TimeUnit.MILLISECONDS); // tick() logs its own failures
        } catch (RejectedExecutionException stopped) {
            armed.set(false); // the runtime is closing: batches just run to their end
        }
    }

    private void tick() {
        try {
            for (Runner r : running) {
                r.check();
            }
        } catch (RuntimeException e) {
            // Logged here: the scheduler would keep it in a future nobody reads, and the watchdog still re-arms.
            LOG.warn("the rescue watchdog's check threw", e);
        }
        if (running.isEmpty()) {
            armed.set(false);
            if (running.isEmpty() || !armed.compareAndSet(false, true)) {
                return; // a runner that started meanwhile armed it again, or none is left
            }
        }
        arm();
    }

    /** {@code Thread.isVirtual()} where the JVM has it (21+); null on Java 17. */
    private static final MethodHandle IS_VIRTUAL = isVirtualHandle();

    private static MethodHandle isVirtualHandle() {
        try {
            return MethodHandles.publicLookup()
                    .findVirtual(Thread.class, "isVirtual", MethodType.methodType(boolean.class));
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    /** Whether the calling thread is a virtual thread, which may park between bursts for free. */
    static boolean onVirtualThread() {
        if (IS_VIRTUAL == null) {
            return false;
        }
        try {
            return (boolean) IS_VIRTUAL.invokeExact(Thread.currentThread());
        } catch (Throwable t) {
            return false;
        }
    }

    /**
     * One connection's hand-off: the tasks its reader hands over during one read burst ({@link #add},
     * reader-confined), passed on at the end of the read ({@link #handOff}) as one {@link Batch} to the
     * connection's {@link Runner}, which runs the batches in turn. At most one runner is current per
     * connection; a burst that arrives while it runs waits in {@link #pending} and costs no hand-off of
     * its own.
     */
    static final class Burst {
        private final BurstExecutor owner;
        private final ServerConnection conn;
        private Runnable[] tasks = new Runnable[8];
        private ServerCallImpl[] calls = new ServerCallImpl[8];
        private int size;

        /** Guards {@link #pending}, {@link #current}, {@link #closed}, {@link #used} and the runners' parked flags. */
        private final ReentrantLock lock = new ReentrantLock();
        /** Batches handed off and not yet taken by a runner. */
        @GuardedBy("lock")
        private final ArrayDeque<Batch> pending = new ArrayDeque<>(4);
        /** The runner that takes the pending batches, or null. */
        @GuardedBy("lock")
        private Runner current;
        /** The connection closed: runners no longer park, they end once nothing is pending. */
        @GuardedBy("lock")
        private boolean closed;
        /** A batch was handed off since the last {@link #trim}. */
        @GuardedBy("lock")
        private boolean used;

        Burst(BurstExecutor owner, ServerConnection conn) {
            this.owner = owner;
            this.conn = conn;
        }

        void add(ServerCallImpl call, Runnable task) {
            if (size == tasks.length) {
                tasks = Arrays.copyOf(tasks, size * 2);
                calls = Arrays.copyOf(calls, size * 2);
            }
            tasks[size] = task;
            calls[size++] = call;
        }

        /** Passes what was collected on, as one batch, to the connection's runner; reader only. */
        void handOff() {
            int n = size;
            if (n == 0) {
                return;
            }
            size = 0;
            Batch b = new Batch(Arrays.copyOf(tasks, n), Arrays.copyOf(calls, n));
            Arrays.fill(tasks, 0, n, null);
            Arrays.fill(calls, 0, n, null);
            Runner start = null;
            Thread wake = null;
            lock.lock();
            try {
                pending.add(b);
                used = true;
                Runner r = current;
                if (r == null) {
                    start = current = new Runner(this);
                } else if (r.parked) {
                    r.parked = false;
                    wake = r.thread;
                }
            } finally {
                lock.unlock();
            }
            if (start != null) {
                owner.execute(start);
            } else if (wake != null) {
                LockSupport.unpark(wake);
            }
        }

        /** The next batch for {@code r}, parking it while there is none; null when {@code r} is to end. */
        @SuppressWarnings(
                "NonAtomicVolatileUpdate") // progress has one writer, the runner's thread; the watchdog only reads it
        Batch take(Runner r) {
            lock.lock();
            try {
                for (; ; ) {
                    if (current != r) {
                        r.batch = null;
                        return null; // rescued from a blocked task, or retired while idle: another runner takes over
                    }
                    Batch b = pending.poll();
                    r.batch = b; // under the lock: a rescue sees the batch this runner has
                    if (b != null) {
                        return b;
                    }
                    if (closed || !r.parks || Thread.currentThread().isInterrupted()) {
                        // interrupted: the executor is being shut down (or a task left the flag set,
                        // when park would return at once): this runner ends, the next burst starts another
                        current = null;
                        return null;
                    }
                    r.parked = true;
                    owner.running.remove(r); // a parked runner blocks no task: the watchdog leaves it alone
                    lock.unlock();
                    try {
                        LockSupport.park(this);
                    } finally {
                        lock.lock();
                    }
                    r.parked = false; // woken by a hand-off, a retirement, or spuriously: look again
                    r.progress++; // a fresh start for the watchdog
                    owner.started(r);
                }
            } finally {
                lock.unlock();
            }
        }

        /**
         * The watchdog found {@code r} blocked in a task: it is no longer this connection's runner (what
         * is pending goes to a new one); returns the batch whose tasks it had not started yet, or null
         * when it turned out not to be blocked (it is parked, or was replaced already).
         */
        Batch rescue(Runner r) {
            Runner start = null;
            Batch b;
            lock.lock();
            try {
                if (r.parked) {
                    return null; // it parked between the watchdog's look and now
                }
                owner.running.remove(r);
                if (current != r) {
                    return null;
                }
                b = r.batch;
                if (!pending.isEmpty()) {
                    start = new Runner(this);
                }
                current = start;
            } finally {
                lock.unlock();
            }
            if (start != null) {
                owner.execute(start);
            }
            return b;
        }

        /**
         * After a batch on a pool thread: whether {@code r} is to run again (it stays this connection's
         * runner, and goes back into the pool's queue) because batches are pending.
         */
        boolean requeue(Runner r) {
            lock.lock();
            try {
                if (current != r) {
                    return false;
                }
                if (pending.isEmpty()) {
                    current = null;
                    return false;
                }
                return true;
            } finally {
                lock.unlock();
            }
        }

        /** Once a second (the server's sweep): a runner parked since the last call ends, so idle connections hold none. */
        void trim() {
            wakeParked(false);
        }

        /** The connection closed: a parked runner ends; one that runs ends once nothing is pending. */
        void close() {
            wakeParked(true);
        }

        private void wakeParked(boolean close) {
            Thread wake = null;
            lock.lock();
            try {
                if (close) {
                    closed = true;
                }
                Runner r = current;
                if (r != null && r.parked && (close || !used)) {
                    r.parked = false;
                    current = null;
                    wake = r.thread;
                }
                used = false;
            } finally {
                lock.unlock();
            }
            if (wake != null) {
                LockSupport.unpark(wake);
            }
        }
    }

    /** The tasks of one burst, run one after the other by a runner unless the watchdog rescues them. */
    static final class Batch {
        private final Runnable[] tasks;
        private final ServerCallImpl[] calls;
        /** The next task to claim; the runner and a rescue both claim by incrementing it. */
        private final AtomicInteger next = new AtomicInteger();

        Batch(Runnable[] tasks, ServerCallImpl[] calls) {
            this.tasks = tasks;
            this.calls = calls;
        }
    }

    /**
     * Runs a connection's batches one after the other, flushing their replies once per batch; on a
     * virtual thread it parks when there is nothing to run, so the next burst costs an unpark rather
     * than a new thread, and ends when the connection closes or stays idle for a sweep. On a pool
     * thread (Java 17) it runs one batch per turn in the pool's queue and ends when there is nothing to
     * run, giving the thread back.
     */
    static final class Runner implements Runnable {
        private final Burst lane;
        private final BurstExecutor owner;
        /** Whether it parks when idle (it runs on a virtual thread); set when it starts. */
        boolean parks;
        /** Parked in {@link Burst#take}, waiting for a burst. Guarded by lane.lock (not an annotation: Error Prone cannot tell that lane is the locking burst). */
        boolean parked;
        /** The thread running it, once it started. */
        volatile Thread thread;
        /** Answers made on its thread since the last {@link #settle}, not yet counted; its thread only. */
        int answered;
        /** The batch it runs now, or null. Guarded by lane.lock (not an annotation: Error Prone cannot tell that lane is the locking burst). */
        private Batch batch;
        /** Tasks started so far (and wake-ups); written by its thread, read by the watchdog. */
        private volatile int progress;
        /** The watchdog's last view of {@link #progress}; watchdog only. */
        private int seen = -1;
        /** Ticks without progress; watchdog only. */
        private int stuck;

        Runner(Burst lane) {
            this.lane = lane;
            this.owner = lane.owner;
        }

        @Override
        @SuppressWarnings(
                "NonAtomicVolatileUpdate") // progress has one writer, the runner's thread; the watchdog only reads it
        public void run() {
            Thread self = Thread.currentThread();
            parks = onVirtualThread();
            thread = self;
            owner.started(this);
            boolean again = false;
            try {
                Batch b;
                while ((b = lane.take(this)) != null) {
                    int i;
                    while ((i = b.next.getAndIncrement()) < b.tasks.length) {
                        Runnable t = b.tasks[i];
                        b.tasks[i] = null;
                        b.calls[i].deferTo(this); // its reply waits for the flush and count after the batch
                        b.calls[i] = null;
                        progress++;
                        runSafely(t);
                    }
                    settle();
                    if (!parks) {
                        // A pool thread is shared by every connection: one batch per turn, then the
                        // runner queues again behind the other connections' work (Java 17 fairness).
                        again = lane.requeue(this);
                        break;
                    }
                }
            } finally {
                owner.running.remove(this);
                settle(); // what it answered after it was rescued
            }
            if (again) {
                owner.execute(this);
            }
        }

        /** Flushes what its batch answered, then counts those answers on the connection (and the server). */
        private void settle() {
            int n = answered;
            answered = 0;
            lane.conn.flush();
            lane.conn.settle(n);
        }

        /** Watchdog: rescues the tasks not started yet when no task started since the last tick. */
        void check() {
            int p = progress;
            if (p != seen) {
                seen = p;
                stuck = 0;
                return;
            }
            Thread runner = thread;
            if (++stuck < RUNNABLE_TICKS && runner != null && runner.getState() == Thread.State.RUNNABLE) {
                return;
            }
            Batch b = lane.rescue(this);
            if (b == null) {
                return;
            }
            boolean rescued = false;
            int i;
            while ((i = b.next.getAndIncrement()) < b.tasks.length) {
                Runnable t = b.tasks[i];
                b.tasks[i] = null;
                b.calls[i] = null;
                rescued = true;
                try {
                    owner.executor.execute(t);
                } catch (RejectedExecutionException e) {
                    Thread th = new Thread(() -> runSafely(t), "occams-rescued-task");
                    th.setDaemon(true);
                    th.start();
                }
            }
            if (rescued) {
                lane.conn.flush(); // what the stuck thread answered before it got stuck
            }
        }
    }
}
