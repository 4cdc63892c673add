package io.occams.rpc.runtime.netty.internal;

import io.netty.util.concurrent.FastThreadLocalThread;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Makes daemon threads named {@code <prefix>-N} (N from 1), or just {@code <prefix>} for a single
 * thread. Netty's {@link FastThreadLocalThread}s, so that the pooled allocator's thread caches are
 * fast on them. Thread-safe.
 */
public final class NamedThreadFactory implements ThreadFactory {
    private final String prefix;
    private final boolean numbered;
    private final AtomicInteger next = new AtomicInteger(1);

    /** Threads named {@code prefix-1}, {@code prefix-2}, ... (or {@code prefix} when not numbered). */
    public NamedThreadFactory(String prefix, boolean numbered) {
        this.prefix = prefix;
        this.numbered = numbered;
    }

    @Override
    public Thread newThread(Runnable r) {
        Thread t = new FastThreadLocalThread(r, numbered ? prefix + "-" + next.getAndIncrement() : prefix);
        // Daemons: the runtime never keeps a JVM alive by itself; its owner closes it.
        t.setDaemon(true);
        return t;
    }
}
