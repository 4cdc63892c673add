package io.occams.rpc.testkit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.Delayed;
import java.util.concurrent.Executors;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.RunnableScheduledFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A scheduler on a manual clock, for tests of timers without waiting and without timing: time stands
 * still until {@link #tick(Duration)} moves it, and the tasks that are then due run on the ticking
 * thread, in order of their time (a task scheduled by a task runs in the same tick if it is due too).
 * {@link #nanoTime()} is the clock, for the code under test to read instead of {@link System#nanoTime()}.
 *
 * <pre>{@code
 * ManualScheduler s = new ManualScheduler();
 * s.schedule(() -> fired.set(true), 1, TimeUnit.SECONDS);
 * s.tick(Duration.ofMillis(999));   // nothing
 * s.tick(Duration.ofMillis(1));     // fires, on this thread
 * }</pre>
 *
 * <p>Thread-safe; tasks run only inside {@code tick}.
 */
public final class ManualScheduler extends AbstractExecutorService implements ScheduledExecutorService {
    private final PriorityQueue<Task<?>> queue = new PriorityQueue<>();
    private final AtomicLong sequence = new AtomicLong();
    /** Starts far from 0 so that code which treats 0 as "unset" is not fooled. */
    private volatile long now = TimeUnit.DAYS.toNanos(1);

    private volatile boolean shutdown;

    /** The manual clock, in nanoseconds. */
    public long nanoTime() {
        return now;
    }

    /** Moves the clock by {@code step} and runs every task due by then. */
    public void tick(Duration step) {
        long target = now + step.toNanos();
        while (true) {
            Task<?> t;
            synchronized (this) {
                t = queue.peek();
                if (t == null || t.due - target > 0) {
                    break;
                }
                queue.poll();
                if (t.due - now > 0) {
                    now = t.due;
                }
            }
            t.run();
        }
        now = target;
    }

    /** Tasks scheduled and neither run (for one-shot tasks) nor cancelled. */
    public synchronized int pending() {
        int n = 0;
        for (Task<?> t : queue) {
            n += t.isCancelled() ? 0 : 1;
        }
        return n;
    }

    private <V> Task<V> enqueue(Task<V> t) {
        if (shutdown) {
            throw new RejectedExecutionException("shut down");
        }
        synchronized (this) {
            queue.add(t);
        }
        return t;
    }

    @Override
    public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
        return enqueue(new Task<>(Executors.callable(command), now + unit.toNanos(delay), 0));
    }

    @Override
    public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
        return enqueue(new Task<>(callable, now + unit.toNanos(delay), 0));
    }

    @Override
    public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period, TimeUnit unit) {
        return enqueue(new Task<>(Executors.callable(command), now + unit.toNanos(initialDelay), unit.toNanos(period)));
    }

    @Override
    public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay, TimeUnit unit) {
        return scheduleAtFixedRate(command, initialDelay, delay, unit);
    }

    /** Runs {@code command} at the next tick. */
    @Override
    public void execute(Runnable command) {
        // As ScheduledThreadPoolExecutor.execute does: a command that throws leaves it in this future.
        var unused = schedule(command, 0, TimeUnit.NANOSECONDS);
    }

    @Override
    public void shutdown() {
        shutdown = true;
    }

    @Override
    public List<Runnable> shutdownNow() {
        shutdown = true;
        synchronized (this) {
            List<Runnable> left = new ArrayList<>(queue);
            queue.clear();
            return left;
        }
    }

    @Override
    public boolean isShutdown() {
        return shutdown;
    }

    @Override
    public boolean isTerminated() {
        return shutdown;
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) {
        return shutdown;
    }

    private final class Task<V> extends FutureTask<V> implements RunnableScheduledFuture<V> {
        private final long seq = sequence.incrementAndGet();
        private final long period;
        private long due;

        Task(Callable<V> callable, long due, long period) {
            super(callable);
            this.due = due;
            this.period = period;
        }

        @Override
        public boolean isPeriodic() {
            return period > 0;
        }

        @Override
        public long getDelay(TimeUnit unit) {
            return unit.convert(due - now, TimeUnit.NANOSECONDS);
        }

        @Override
        public int compareTo(Delayed o) {
            Task<?> other = (Task<?>) o;
            int c = Long.compare(due - other.due, 0);
            return c != 0 ? c : Long.compare(seq, other.seq);
        }

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            boolean c = super.cancel(mayInterruptIfRunning);
            synchronized (ManualScheduler.this) {
                queue.remove(this);
            }
            return c;
        }

        @Override
        public void run() {
            if (!isPeriodic()) {
                super.run();
            } else if (runAndReset() && !shutdown) {
                due += period;
                synchronized (ManualScheduler.this) {
                    queue.add(this);
                }
            }
        }
    }
}
