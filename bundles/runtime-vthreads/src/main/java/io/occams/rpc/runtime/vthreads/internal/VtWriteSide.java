package io.occams.rpc.runtime.vthreads.internal;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The write side of one {@link VtConnection}: its one job is to get what is written onto the socket,
 * in order, and to end the output when asked. It owns the write queue, the inline write, the writer
 * thread with its gathering writes, the unsent byte count behind writability, the write timeout, and
 * the connection's close state (all under {@link #lock}).
 *
 * <p>{@link #write} queues under {@link #lock}; {@link #flush} marks what is queued as flushable.
 * One thread at a time owns the write side ({@link #writing}). When nobody does, nothing flushed is
 * waiting and the last write found room, the flushing thread itself sends the batch inline with one
 * gathering write call (on a virtual thread that call returns as soon as the kernel took what fits)
 * and puts what is left back at the head of the queue for the writer: a reply written by the reader
 * goes out without waking another thread. Otherwise {@link #writeReady} wakes the <b>writer</b>
 * ({@code "occams-vt-writer [peer]-N"}), which takes up to {@value #MAX_GATHER} flushable buffers at
 * once, sends them with gathering writes (continuing partial ones, waiting while the send buffer is
 * full), releases them, and updates the unsent byte count that the connection's writability compares with
 * the water marks ({@code VtConnection.isWritable()}). After a shutdown or close was asked for and the queue is drained, it half-closes
 * the socket (and closes it for {@code close()}).
 *
 * <p>An inline write that blocks is seen through {@link #inlineSince()}: the connection then starts
 * its rescue reader ({@link VtRescueReader}). The writer records when a write call began
 * ({@link #writeBlockedSince}); {@link #checkWriteTimeout} aborts a connection whose write has been
 * blocked (no progress) for longer than the write timeout. {@code close()} schedules an abort at the
 * write timeout too, bounding the drain.
 */
final class VtWriteSide {
    /** The connection's logger: the log reads as before the write side was a class of its own. */
    private static final Logger LOG = LoggerFactory.getLogger(VtConnection.class);
    /** Buffers (more exactly, NIO buffers) per gathering write; Linux's IOV_MAX. */
    static final int MAX_GATHER = 1024;
    /** The gathering arrays' first size; they double up to {@link #MAX_GATHER} when a batch needs it. */
    private static final int INITIAL_GATHER = 16;
    /** Marks "no write in progress" in {@link #writeBlockedSince} and {@link #inlineSince}. */
    static final long NOT_WRITING = 0;

    private final VtConnection conn;
    private final SocketChannel channel;
    /** TLS over {@link #channel}, or null for plaintext. */
    private final TlsChannel tls;

    private final Settings settings;
    private final Thread writer;

    // ---- the queue and the close state, all guarded by lock ----

    private final ReentrantLock lock = new ReentrantLock();
    /** Signalled when there is something to flush, or output should end, or the connection closed. */
    private final Condition writeReady = lock.newCondition();
    /** Written, not yet taken by the writer; the first {@link #flushable} of them may be sent. */
    @GuardedBy("lock")
    private final ArrayDeque<ByteBuf> queue = new ArrayDeque<>();

    @GuardedBy("lock")
    private int flushable;
    /** Readable bytes written and not yet sent (queued or being written). */
    @GuardedBy("lock")
    private long pendingBytes;
    /** shutdownOutput() or close() was asked for: no more writes are taken. */
    @GuardedBy("lock")
    private boolean outputClosing;
    /** close() was asked for: close after the drain. */
    @GuardedBy("lock")
    private boolean closeAfterDrain;
    /** The writer has half-closed the socket. */
    @GuardedBy("lock")
    private boolean outputShut;
    /** The abort that bounds close()'s drain. */
    @GuardedBy("lock")
    private ScheduledFuture<?> closeDeadline;
    /**
     * One thread owns the channel's write side: the writer, or a thread writing inline from
     * {@link #flush}. It owns {@link #wbufs} and {@link #wnios} too.
     */
    @GuardedBy("lock")
    private boolean writing;
    /**
     * The last write call did not take everything: the socket's send buffer was full, so flushes
     * go to the writer (which may wait) until a batch goes out in one call.
     */
    @GuardedBy("lock")
    private boolean sendBufferFull;
    /** The batch being written, taken from the queue by the owner of {@link #writing}. */
    private ByteBuf[] wbufs = new ByteBuf[INITIAL_GATHER];
    /** The NIO views of {@link #wbufs}; small at first, grown up to {@link #MAX_GATHER} under load. */
    private ByteBuffer[] wnios = new ByteBuffer[INITIAL_GATHER];
    /**
     * When the current inline write began ({@link #NOT_WRITING}: none). While it is blocked, its
     * thread may hold a lock the reader needs (the handler lock, or one of the handler's own: the
     * reader may even be that thread), so the connection starts a rescue reader after
     * {@link VtConnection#RESCUE_AFTER_NANOS}.
     */
    private volatile long inlineSince = NOT_WRITING;

    /** Written under lock (by write() and the writer); volatile so isWritable() reads it without the lock. */
    private volatile boolean writable = true;
    /** Set once, under lock, by closeNow; volatile for isOpen() and the reader's and writer's loops. */
    private volatile boolean closed;
    /** Why the connection closed (null: orderly); written before {@link #closed}, read after it. */
    private volatile Throwable closeCause;
    /** Set by the reader at end-of-stream; read by the writer after it half-closes (both closed: close). */
    private volatile boolean inputShut;
    /**
     * When the writer's current write call began ({@link #NOT_WRITING} between calls); written by the
     * writer, read by the runtime's timer in {@link #checkWriteTimeout}.
     */
    private volatile long writeBlockedSince = NOT_WRITING;

    /** The write side of {@code conn}; its writer thread starts with {@link #start()}. */
    VtWriteSide(VtConnection conn, SocketChannel channel, TlsChannel tls, Settings settings, String writerName) {
        this.conn = conn;
        this.channel = channel;
        this.tls = tls;
        this.settings = settings;
        this.writer = Thread.ofVirtual().name(writerName).unstarted(this::writeLoop);
    }

    /** Starts the writer. */
    void start() {
        writer.start();
    }

    /** Whether the connection closed (at once, or at the end of its drain). */
    boolean isClosed() {
        return closed;
    }

    /** Why the connection closed (null: orderly, or still open). */
    Throwable closeCause() {
        return closeCause;
    }

    /** Whether fewer than the high water mark's bytes wait unsent (read without the lock). */
    boolean writable() {
        return writable;
    }

    /** When the current inline write began, {@link #NOT_WRITING} when none is in progress. */
    long inlineSince() {
        return inlineSince;
    }

    // ------------------------------------------------------------------ writing

    /** See {@link VtConnection#write}. */
    void write(ByteBuf buf) {
        boolean taken = false;
        boolean turnedUnwritable = false;
        lock.lock();
        try {
            if (!outputClosing) {
                queue.addLast(buf);
                taken = true;
                pendingBytes += buf.readableBytes();
                if (writable && pendingBytes > settings.highWaterMark()) {
                    writable = false;
                    turnedUnwritable = true;
                }
            }
        } finally {
            lock.unlock();
        }
        if (!taken) {
            buf.release(); // closed or half-closed: what we were given is ours to drop
        } else if (turnedUnwritable) {
            conn.writabilityChanged();
        }
    }

    /**
     * Marks what is queued as flushable. When nothing is being written, nothing flushed is waiting
     * and the send buffer had room at the last write, the calling thread writes it inline (one
     * write call, which returns as soon as the kernel took what fits) and hands what is left to the
     * writer; otherwise the writer is woken (or, while someone writes, picks it up next).
     */
    void flush() {
        boolean inline = false;
        lock.lock();
        try {
            int queued = queue.size();
            if (flushable == queued) {
                return;
            }
            InlineWrites mode = settings.inlineWrites();
            if (!writing
                    && ((flushable == 0 && !sendBufferFull) || mode == InlineWrites.ALWAYS)
                    && mode != InlineWrites.NEVER
                    && !outputClosing
                    && !(Thread.currentThread() instanceof TimerThread)) {
                writing = true; // this thread owns the write side now
                inline = true;
            } else if (!writing) {
                writeReady.signal(); // else the owner looks at the queue again when it is done
            }
            flushable = queued;
        } finally {
            lock.unlock();
        }
        if (inline) {
            writeInline();
        }
    }

    /** See {@link VtConnection#shutdownOutput}. */
    void shutdownOutput() {
        lock.lock();
        try {
            if (outputClosing) {
                return;
            }
            outputClosing = true;
            flushable = queue.size();
            writeReady.signal();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Asks for the drain-then-close of {@link VtConnection#close}, bounded by the write timeout.
     * Returns whether the connection must close at once (nothing left to drain, or no time left).
     */
    boolean close() {
        boolean closeNow;
        lock.lock();
        try {
            if (closed || closeAfterDrain) {
                return false;
            }
            closeAfterDrain = true;
            outputClosing = true;
            flushable = queue.size();
            writeReady.signal();
            closeNow = outputShut; // the writer already half-closed and left: nothing to drain
            if (!closeNow) {
                try {
                    closeDeadline = settings.timer()
                            .schedule(this::drainTimedOut, settings.writeTimeoutNanos(), TimeUnit.NANOSECONDS);
                } catch (RejectedExecutionException e) {
                    closeNow = true; // the runtime is stopping: there is no time left to drain
                }
            }
        } finally {
            lock.unlock();
        }
        return closeNow;
    }

    // ------------------------------------------------------------------ closing

    private void drainTimedOut() {
        conn.closeNow(new SocketTimeoutException(
                "close: queued writes not drained within " + Duration.ofNanos(settings.writeTimeoutNanos())));
    }

    /**
     * Called by the runtime's timer: aborts the connection when its writer has been blocked in one
     * write call for longer than the write timeout (the peer does not read).
     */
    void checkWriteTimeout(long nowNanos) {
        long since = writeBlockedSince;
        if (since != NOT_WRITING && nowNanos - since > settings.writeTimeoutNanos()) {
            conn.closeNow(new SocketTimeoutException("write blocked for more than "
                    + Duration.ofNanos(settings.writeTimeoutNanos()) + " (the peer does not read)"));
        }
    }

    /**
     * The first step of {@link VtConnection#closeNow}: marks the connection closed with
     * {@code cause}, takes the queued buffers out (for the caller to release), cancels the drain's
     * deadline and wakes the writer so that it leaves. Returns null when it was already closed.
     */
    List<ByteBuf> markClosed(Throwable cause) {
        List<ByteBuf> dropped;
        ScheduledFuture<?> deadline;
        lock.lock();
        try {
            if (closed) {
                return null;
            }
            closeCause = cause;
            closed = true;
            outputClosing = true;
            dropped = queue.isEmpty() ? new ArrayList<>() : new ArrayList<>(queue);
            queue.clear();
            flushable = 0;
            pendingBytes = 0;
            deadline = closeDeadline;
            writeReady.signalAll();
        } finally {
            lock.unlock();
        }
        if (deadline != null) {
            deadline.cancel(false);
        }
        return dropped;
    }

    /**
     * On the reader at end-of-stream: notes that the input ended. Returns whether the output had
     * already been half-closed (both ended: the connection closes).
     */
    boolean inputEnded() {
        inputShut = true;
        boolean bothShut;
        lock.lock();
        try {
            bothShut = outputShut;
        } finally {
            lock.unlock();
        }
        return bothShut;
    }

    // ------------------------------------------------------------------ writer

    private void writeLoop() {
        try {
            for (; ; ) {
                int count;
                long batchBytes;
                lock.lock();
                try {
                    while (!closed && (writing || (flushable == 0 && !outputClosing))) {
                        writeReady.await();
                    }
                    if (closed) {
                        return;
                    }
                    count = takeBatch();
                    batchBytes = takenBytes;
                    writing = count > 0;
                } finally {
                    lock.unlock();
                }
                if (count == 0) {
                    endOutput(); // output closing and everything before it drained
                    return;
                }
                boolean oneCall;
                try {
                    oneCall = writeBatch(count, batchBytes) == 1;
                } catch (Throwable t) {
                    releaseBatch(count);
                    throw t;
                }
                releaseBatch(count);
                batchDone(batchBytes, !oneCall, false);
            }
        } catch (Throwable t) {
            conn.closeNow(t); // no-op when the connection was closed under us (AsynchronousCloseException)
        } finally {
            writeBlockedSince = NOT_WRITING;
        }
    }

    /**
     * On a thread in {@link #flush} that took {@link #writing}: one write call of what is flushable.
     * The channel is blocking, but on a virtual thread a write call returns as soon as the kernel
     * took some bytes; it waits only when the send buffer is full from the start (then
     * {@link VtConnection#checkStuckInlineWrite} keeps the input read). What the
     * call did not take goes back to the head of the queue for the writer.
     */
    private void writeInline() {
        int count;
        long batchBytes;
        lock.lock();
        try {
            if (closed) {
                writing = false;
                return;
            }
            count = takeBatch();
            batchBytes = takenBytes;
        } finally {
            lock.unlock();
        }
        long written;
        try {
            long now = System.nanoTime();
            inlineSince = now == NOT_WRITING ? 1 : now;
            written = writeBatchOnce(count, batchBytes);
        } catch (Throwable t) {
            inlineSince = NOT_WRITING;
            releaseBatch(count);
            lock.lock();
            try {
                writing = false;
                writeReady.signal();
            } finally {
                lock.unlock();
            }
            conn.closeNow(t);
            return;
        }
        inlineSince = NOT_WRITING;
        if (written == batchBytes) {
            releaseBatch(count);
            batchDone(batchBytes, false, true);
            return;
        }
        // Partial: release what went out, put the rest back (in order) for the writer.
        long left = written;
        int firstUnsent = 0;
        while (firstUnsent < count) {
            ByteBuf b = wbufs[firstUnsent];
            int r = b.readableBytes();
            if (left < r) {
                b.skipBytes((int) left);
                break;
            }
            left -= r;
            release(b);
            wbufs[firstUnsent++] = null;
        }
        List<ByteBuf> back = null;
        lock.lock();
        try {
            if (!closed) {
                for (int i = count - 1; i >= firstUnsent; i--) {
                    queue.addFirst(wbufs[i]);
                    wbufs[i] = null;
                }
                flushable += count - firstUnsent;
            } else {
                back = new ArrayList<>();
                for (int i = firstUnsent; i < count; i++) {
                    back.add(wbufs[i]);
                    wbufs[i] = null;
                }
            }
        } finally {
            lock.unlock();
        }
        if (back != null) {
            back.forEach(this::release);
        }
        batchDone(written, true, true);
    }

    /**
     * Takes up to {@value #MAX_GATHER} flushable buffers into {@link #wbufs}; their bytes go to
     * {@link #takenBytes}. By the owner of {@link #writing}, under the lock.
     */
    @GuardedBy("lock")
    private int takeBatch() {
        int count = 0;
        int nioCount = 0;
        long bytes = 0;
        ByteBuf[] bufs = wbufs;
        while (flushable > 0 && count < MAX_GATHER) {
            ByteBuf b = queue.peekFirst();
            int c = Math.max(1, b.nioBufferCount());
            if (count > 0 && nioCount + c > MAX_GATHER) {
                break;
            }
            queue.pollFirst();
            flushable--;
            if (count == bufs.length) {
                bufs = wbufs = Arrays.copyOf(bufs, Math.min(count * 2, MAX_GATHER));
            }
            bufs[count++] = b;
            nioCount += c;
            bytes += b.readableBytes();
        }
        takenBytes = bytes;
        return count;
    }

    /** Set by {@link #takeBatch}. */
    @GuardedBy("lock")
    private long takenBytes;

    private void releaseBatch(int count) {
        ByteBuf[] bufs = wbufs;
        for (int i = 0; i < count; i++) {
            if (bufs[i] != null) {
                release(bufs[i]);
                bufs[i] = null;
            }
        }
    }

    /**
     * After a write: gives up {@link #writing}, updates the unsent bytes and writability, and wakes
     * the writer when more was flushed meanwhile (or output should end).
     */
    private void batchDone(long sentBytes, boolean sendBufferWasFull, boolean inline) {
        boolean turnedWritable = false;
        lock.lock();
        try {
            writing = false;
            sendBufferFull = sendBufferWasFull;
            if (!closed) {
                pendingBytes -= sentBytes;
                if (!writable && pendingBytes < settings.lowWaterMark()) {
                    writable = true;
                    turnedWritable = true;
                }
            }
            if (inline && (flushable > 0 || outputClosing)) {
                writeReady.signal();
            }
        } finally {
            lock.unlock();
        }
        if (turnedWritable) {
            conn.writabilityChanged();
        }
    }

    /** Fills {@link #wnios} with the NIO views of {@code wbufs[0..count)}; returns how many. */
    private int nioViews(int count) {
        ByteBuffer[] nios = wnios;
        int n = 0;
        for (int i = 0; i < count; i++) {
            ByteBuf b = wbufs[i];
            int readable = b.readableBytes();
            if (readable == 0) {
                continue;
            }
            if (b.nioBufferCount() == 1) {
                if (n == nios.length) {
                    nios = wnios = Arrays.copyOf(nios, n * 2);
                }
                // internalNioBuffer: no allocation for pooled buffers; derived buffers return their own
                nios[n++] = b.internalNioBuffer(b.readerIndex(), readable);
            } else {
                ByteBuffer[] parts = b.nioBuffers(b.readerIndex(), readable);
                if (n + parts.length > nios.length) {
                    nios = wnios = Arrays.copyOf(nios, Math.max(nios.length * 2, n + parts.length));
                }
                System.arraycopy(parts, 0, nios, n, parts.length);
                n += parts.length;
            }
        }
        return n;
    }

    /** One gathering write call of the batch; returns the bytes it took. */
    private long writeBatchOnce(int count, long bytes) throws IOException {
        int n = nioViews(count);
        try {
            if (bytes == 0) {
                return 0;
            }
            long start = System.nanoTime();
            writeBlockedSince = start == NOT_WRITING ? 1 : start;
            return tls != null ? tls.write(wnios, 0, n) : channel.write(wnios, 0, n);
        } finally {
            writeBlockedSince = NOT_WRITING;
            Arrays.fill(wnios, 0, n, null);
        }
    }

    /**
     * Sends the readable bytes of {@code wbufs[0..count)} with gathering writes, continuing after
     * partial ones. Returns how many write calls it took.
     */
    private int writeBatch(int count, long bytes) throws IOException {
        int n = nioViews(count);
        ByteBuffer[] nios = wnios;
        int calls = 0;
        try {
            long remaining = bytes;
            int offset = 0;
            while (remaining > 0) {
                long start = System.nanoTime();
                writeBlockedSince = start == NOT_WRITING ? 1 : start;
                long written =
                        tls != null ? tls.write(nios, offset, n - offset) : channel.write(nios, offset, n - offset);
                writeBlockedSince = NOT_WRITING;
                calls++;
                remaining -= written;
                while (offset < n && !nios[offset].hasRemaining()) {
                    offset++;
                }
            }
        } finally {
            writeBlockedSince = NOT_WRITING;
            Arrays.fill(nios, 0, n, null);
        }
        return Math.max(calls, 1);
    }

    /** Releases a buffer we were given; a caller's double release is logged, not allowed to stop the others. */
    void release(ByteBuf b) {
        try {
            b.release();
        } catch (RuntimeException e) {
            LOG.warn("{}: a written buffer was already released by its writer", conn, e);
        }
    }

    /** Half-closes after the drain; closes too when close() asked or the input already ended. */
    private void endOutput() throws IOException {
        if (tls != null) {
            tls.shutdownOutput(); // close_notify first
        } else {
            channel.shutdownOutput();
        }
        boolean closeAlso;
        lock.lock();
        try {
            outputShut = true;
            closeAlso = closeAfterDrain;
        } finally {
            lock.unlock();
        }
        if (closeAlso || inputShut) {
            conn.closeNow(null);
        }
    }
}
