package io.occams.rpc.codec.internal;

import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Supplier;

/**
 * A small lock-free pool of encode or decode sessions, shared by every codec instance.
 *
 * <p>A thread takes a session from a slot chosen by its identity hash (and a few neighbours), and
 * puts it back when done; when every probed slot is empty it makes a new session, and when every
 * probed slot is full the session is dropped. Unlike a thread-local this also serves virtual
 * threads, which come and go per task, and it is naturally reentrant: a nested encode simply takes
 * another session.
 */
final class Pool<T> {
    private static final int PROBES = 4;

    private final AtomicReferenceArray<T> slots;
    private final int mask;
    private final Supplier<T> factory;

    Pool(Supplier<T> factory) {
        int n = Integer.highestOneBit(Math.max(
                                4, Math.min(64, Runtime.getRuntime().availableProcessors() * 4))
                        - 1)
                << 1;
        this.slots = new AtomicReferenceArray<>(n);
        this.mask = n - 1;
        this.factory = factory;
    }

    T acquire() {
        int h = mix(Thread.currentThread().hashCode());
        for (int i = 0; i < PROBES; i++) {
            T t = slots.getAndSet((h + i) & mask, null);
            if (t != null) {
                return t;
            }
        }
        return factory.get();
    }

    void release(T t) {
        int h = mix(Thread.currentThread().hashCode());
        for (int i = 0; i < PROBES; i++) {
            if (slots.compareAndSet((h + i) & mask, null, t)) {
                return;
            }
        }
    }

    private static int mix(int h) {
        return h ^ (h >>> 16);
    }
}
