package io.occams.rpc.stream.internal;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the work that a server's dispatch hands to {@code ServerCall.executor()} runs: the runtime's
 * blocking executor, reached once per read burst instead of once per call.
 *
 * <p>Why: a synchronous service method used to cost a hand-off to another thread per call and a
 * cross-thread flush per reply, which made it an order of magnitude slower than a method answered on
 * the reader. Now the tasks a reader hands over while it decodes one read ({@code onData}) are
 * collected in a {@link Burst} and given to <em>one</em> thread at the end of the read, which runs them
 * one after the other and flushes their replies once at its end, as the reader does for what it answers
 * itself.
 *
 * <p>Blocking stays safe: a task may block for as long as it likes. A batch whose thread starts no
 * task for a whole {@linkplain #RESCUE_MILLIS tick} while it is blocked (waiting, parked, on a monitor),
 * or for {@value #RUNNABLE_TICKS} ticks while runnable (a long computation), is rescued: the tasks it
 * has not started yet each go to the executor on their own, and what it answered so far is flushed. So a slow call delays the fast ones read in the same burst by about a millisecond, never by
 * its own duration, and one connection's slow calls never hold up another connection's (each burst has
 * its own thread). The watchdog runs on the runtime's scheduler only while such batches run.
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
    private final Set<Batch> running = ConcurrentHashMap.newKeySet();
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

    private void started(Batch b) {
        running.add(b);
        if (armed.compareAndSet(false, true)) {
            arm();
        }
    }

    private void arm() {
        try {
            scheduler.schedule(tick, RESCUE_MILLIS, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException stopped) {
            armed.set(false); // the runtime is closing: batches just run to their end
        }
    }

    private void tick() {
        for (Batch b : running) {
            b.check();
        }
        if (running.isEmpty()) {
            armed.set(false);
            if (running.isEmpty() || !armed.compareAndSet(false, true)) {
                return; // a batch that started meanwhile armed it again, or none is left
            }
        }
        arm();
    }

    /**
     * The tasks one reader hands over during one read burst; reader-confined. {@link #add} collects,
     * {@link #handOff} passes them on at the end of the read.
     */
    static final class Burst {
        private final BurstExecutor owner;
        private final ServerConnection conn;
        private Runnable[] tasks = new Runnable[8];
        private ServerCallImpl[] calls = new ServerCallImpl[8];
        private int size;

        Burst(BurstExecutor owner, ServerConnection conn) {
            this.owner = owner;
            this.conn = conn;
        }

        void add(ServerCallImpl call, Runnable task) {
            if (size == tasks.length) {
                tasks = java.util.Arrays.copyOf(tasks, size * 2);
                calls = java.util.Arrays.copyOf(calls, size * 2);
            }
            tasks[size] = task;
            calls[size++] = call;
        }

        /** Passes what was collected on: one task as it is, several as one batch. */
        void handOff() {
            int n = size;
            if (n == 0) {
                return;
            }
            size = 0;
            if (n == 1) {
                Runnable t = tasks[0];
                tasks[0] = null;
                calls[0] = null;
                owner.execute(t);
                return;
            }
            Batch b = new Batch(owner, conn, java.util.Arrays.copyOf(tasks, n), java.util.Arrays.copyOf(calls, n));
            java.util.Arrays.fill(tasks, 0, n, null);
            java.util.Arrays.fill(calls, 0, n, null);
            owner.execute(b);
        }
    }

    /** Several tasks of one burst, run one after the other by one thread unless rescued. */
    static final class Batch implements Runnable {
        private final BurstExecutor owner;
        private final ServerConnection conn;
        private final Runnable[] tasks;
        private final ServerCallImpl[] calls;
        /** The next task to claim; the batch's thread and a rescue both claim by incrementing it. */
        private final AtomicInteger next = new AtomicInteger();
        /** Tasks started by the batch's thread; read by the watchdog. */
        private volatile int progress;
        /** The watchdog's last view of {@link #progress}; watchdog only. */
        private int seen = -1;
        /** Ticks without progress; watchdog only. */
        private int stuck;
        /** The thread running the batch, once it started. */
        private volatile Thread thread;

        Batch(BurstExecutor owner, ServerConnection conn, Runnable[] tasks, ServerCallImpl[] calls) {
            this.owner = owner;
            this.conn = conn;
            this.tasks = tasks;
            this.calls = calls;
        }

        @Override
        public void run() {
            Thread self = Thread.currentThread();
            thread = self;
            owner.started(this);
            try {
                int i;
                while ((i = next.getAndIncrement()) < tasks.length) {
                    Runnable t = tasks[i];
                    tasks[i] = null;
                    calls[i].deferFlushOn(self); // its reply waits for the flush below
                    calls[i] = null;
                    progress = i + 1;
                    runSafely(t);
                }
            } finally {
                owner.running.remove(this);
                conn.flush();
            }
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
            int i;
            boolean rescued = false;
            while ((i = next.getAndIncrement()) < tasks.length) {
                Runnable t = tasks[i];
                tasks[i] = null;
                calls[i] = null;
                rescued = true;
                try {
                    owner.executor.execute(t);
                } catch (RejectedExecutionException e) {
                    Thread th = new Thread(() -> runSafely(t), "occams-rescued-task");
                    th.setDaemon(true);
                    th.start();
                }
            }
            owner.running.remove(this);
            if (rescued) {
                conn.flush(); // what the stuck thread answered before it got stuck
            }
        }
    }
}
