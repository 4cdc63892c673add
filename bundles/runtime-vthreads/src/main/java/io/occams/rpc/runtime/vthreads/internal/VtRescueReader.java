package io.occams.rpc.runtime.vthreads.internal;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The rescue reader of one {@link VtConnection}: its one job is to keep the input read while an
 * inline write is blocked, so that two peers flooding each other never both stop reading.
 *
 * <p>An inline write blocks only when the send buffer is full from its start. Its thread may be the
 * reader, or hold a lock that the reader waits for; if the peer does the same, neither side would
 * read. So when an inline write has been blocked for {@link VtConnection#RESCUE_AFTER_NANOS}, the
 * runtime's timer has the connection {@link #start()} a rescue reader
 * ({@code "occams-vt-rescue [peer]-N"}) that keeps reading (while auto-read is on) into a queue; the
 * reader {@link #takeOver() takes over} that queue, delivering it in order, before it reads again.
 */
final class VtRescueReader {
    /** Queued by the rescue reader at end-of-stream. */
    private static final Object END_OF_INPUT = new Object();

    private final VtConnection conn;
    private final Settings settings;
    /** The connection's reader, woken after each rescued read and when the rescue ends. */
    private final Thread reader;

    private final String rescuerName;

    // ---- guarded by rescueLock ----

    private final ReentrantLock rescueLock = new ReentrantLock();
    /**
     * Held by the reader from its look at {@link #rescueActive} through its read, and by the rescuer
     * around each read and queueing: what the rescuer queues is always newer than what the reader
     * delivers directly.
     */
    private final ReentrantLock readMutex = new ReentrantLock();
    /** What the rescue reader read and the reader has not delivered yet: ByteBufs, END_OF_INPUT or a Throwable. */
    private final ArrayDeque<Object> rescued = new ArrayDeque<>();
    /** The rescue reader, while it runs. */
    @GuardedBy("rescueLock")
    private Thread rescuer;
    /** The reader is back and wants the rescuer to stop after its current read. */
    @GuardedBy("rescueLock")
    private boolean rescueEnding;
    /** A rescue ran or queued something: the reader takes over before its next read. */
    private volatile boolean rescueActive;

    /** The rescue of {@code conn}, whose reader is {@code reader}; rescuers are named {@code rescuerName}. */
    VtRescueReader(VtConnection conn, Settings settings, Thread reader, String rescuerName) {
        this.conn = conn;
        this.settings = settings;
        this.reader = reader;
        this.rescuerName = rescuerName;
    }

    /** Held by the reader around its look at {@link #isActive()} and its read. */
    ReentrantLock readMutex() {
        return readMutex;
    }

    /** Whether a rescue ran or queued something: the reader must {@link #takeOver()} before reading. */
    boolean isActive() {
        return rescueActive;
    }

    /**
     * Starts a rescue reader unless one runs; one asked to stop keeps going (the reader is stuck
     * again). Called by the runtime's timer once an inline write has been blocked too long.
     */
    void start() {
        rescueLock.lock();
        try {
            rescueEnding = false; // a rescuer asked to stop keeps going: the reader is stuck again
            if (rescuer == null && !conn.isClosed()) {
                rescueActive = true;
                rescuer = Thread.ofVirtual().name(rescuerName).start(this::rescueLoop);
            }
        } finally {
            rescueLock.unlock();
        }
    }

    /** On closing: moves the rescued buffers not yet delivered into {@code dropped}, for release. */
    void drainInto(List<ByteBuf> dropped) {
        rescueLock.lock();
        try {
            for (Object o : rescued) {
                if (o instanceof ByteBuf b) {
                    dropped.add(b);
                }
            }
            rescued.clear();
        } finally {
            rescueLock.unlock();
        }
    }

    /**
     * The reader is back from a blocked inline write: delivers what the rescuer read, asks it to
     * stop after its current read and waits for that (delivering what it still reads). Returns
     * false at end-of-stream (after the connection's {@code inputEnded}).
     */
    boolean takeOver() throws Throwable {
        for (; ; ) {
            Object item;
            rescueLock.lock();
            try {
                item = rescued.pollFirst();
                if (item == null) {
                    if (rescuer == null) {
                        rescueActive = false;
                        return true;
                    }
                    rescueEnding = true;
                }
            } finally {
                rescueLock.unlock();
            }
            if (item == null) {
                if (conn.isClosed()) {
                    return false;
                }
                LockSupport.park(conn); // the rescuer unparks us after each read and when it ends
            } else if (item == END_OF_INPUT) {
                conn.inputEnded();
                return false;
            } else if (item instanceof Throwable t) {
                throw t;
            } else {
                conn.deliver((ByteBuf) item);
            }
        }
    }

    /** The rescue reader: reads (whatever auto-read says) until the reader asks it to stop. */
    @SuppressWarnings(
            "LockNotBeforeTry") // rescueLock is taken before readMutex is released, on purpose (order of items)
    private void rescueLoop() {
        ByteBufAllocator alloc = settings.allocator();
        for (; ; ) {
            rescueLock.lock();
            try {
                if (rescueEnding || conn.isClosed() || !conn.autoRead()) {
                    rescuer = null;
                    break;
                }
            } finally {
                rescueLock.unlock();
            }
            Object item;
            boolean last = false;
            ByteBuf buf = alloc.ioBuffer(settings.readBufferSize());
            readMutex.lock(); // held until the item is queued (below)
            try {
                int n = conn.read(buf.internalNioBuffer(0, buf.capacity()));
                if (n < 0) {
                    buf.release();
                    item = END_OF_INPUT;
                    last = true;
                } else {
                    item = buf.writerIndex(n);
                }
            } catch (Throwable t) {
                buf.release();
                item = t;
                last = true;
            }
            rescueLock.lock();
            readMutex.unlock(); // only now: the item is queued before the reader may read again
            try {
                if (conn.isClosed()) {
                    if (item instanceof ByteBuf b) {
                        b.release();
                    }
                    rescuer = null;
                    break;
                }
                rescued.addLast(item);
                if (last) {
                    rescuer = null;
                }
            } finally {
                rescueLock.unlock();
            }
            if (last) {
                break;
            }
            // The reader may be waiting in takeOver (while the watchdog keeps the rescue
            // going); if it is still blocked in its write, the unpark only makes it retry the write.
            LockSupport.unpark(reader);
        }
        LockSupport.unpark(reader);
    }
}
