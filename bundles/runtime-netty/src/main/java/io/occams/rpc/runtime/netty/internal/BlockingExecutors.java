package io.occams.rpc.runtime.netty.internal;

import java.lang.reflect.Method;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The Netty runtime's blocking executor: a virtual thread per task where the JVM has them (Java 21+),
 * else a bounded pool of platform threads. Neither refuses work while running: the pool's queue has no
 * bound of its own, the server's limits on unanswered calls bound it. The bundle targets Java 17, so
 * virtual threads are reached reflectively, once, at construction.
 */
public final class BlockingExecutors {
    private BlockingExecutors() {}

    /** A virtual-thread-per-task executor whose threads are named {@code prefix-1, -2, ...}; null before Java 21. */
    public static ExecutorService virtualThreads(String prefix) {
        if (java.lang.Runtime.version().feature() < 21) {
            return null;
        }
        try {
            Object builder = Thread.class.getMethod("ofVirtual").invoke(null);
            Class<?> builderType = Class.forName("java.lang.Thread$Builder");
            builder = builderType.getMethod("name", String.class, long.class).invoke(builder, prefix + "-", 1L);
            ThreadFactory factory =
                    (ThreadFactory) builderType.getMethod("factory").invoke(builder);
            Method m = Executors.class.getMethod("newThreadPerTaskExecutor", ThreadFactory.class);
            return (ExecutorService) m.invoke(null, factory);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    /** {@code threads} daemon threads named {@code prefix-N}, which go away when idle for a minute; an unbounded queue. */
    public static ExecutorService pool(String prefix, int threads) {
        ThreadPoolExecutor pool = new ThreadPoolExecutor(
                threads,
                threads,
                60,
                TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(),
                new NamedThreadFactory(prefix, true));
        // Idle blocking threads go away, so that an unused pool costs nothing.
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }
}
