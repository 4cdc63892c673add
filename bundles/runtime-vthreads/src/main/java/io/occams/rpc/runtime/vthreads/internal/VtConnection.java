package io.occams.rpc.runtime.vthreads.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.occams.rpc.api.RpcAddress;
import io.occams.rpc.api.spi.Connection;
import io.occams.rpc.api.spi.ConnectionHandler;
import java.io.IOException;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection of the virtual-thread runtime: a blocking {@link SocketChannel} with one virtual
 * reader thread and one virtual writer thread, like the seed's reader and writer coroutines.
 *
 * <p><b>Reader</b> ({@code "occams-vt-reader [peer]-N"}): opens the handler through the factory, then
 * reads into a buffer from the allocator (its size adapts between 512 bytes and the configured read
 * size) and hands it over: {@code onData} then {@code onReadComplete}, once per read. At end-of-stream
 * it calls {@code onInputShutdown} and parks until the connection closes; it is the thread that
 * calls {@code onClosed}, so that call comes after the last {@code onData}. While auto-read is off it
 * parks (no polling) until {@link #setAutoRead(boolean) setAutoRead(true)} unparks it.
 *
 * <p><b>Writer</b> ({@code "occams-vt-writer [peer]-N"}): {@link #write} queues under {@link #lock},
 * {@link #flush} marks what is queued as flushable and signals {@link #writeReady}. The writer takes
 * up to {@value #MAX_GATHER} flushable buffers at once and sends them with one gathering write
 * (partial writes are continued), releases them, and updates the unsent byte count that
 * {@link #isWritable()} compares with the water marks. After a shutdown or close was asked for and
 * the queue is drained, it half-closes the socket (and closes it for {@code close()}).
 *
 * <p><b>Handler callbacks never overlap.</b> Every call into the {@link ConnectionHandler} is made
 * while holding {@link #handlerLock}. The reader holds it around {@code onData}/{@code onReadComplete}
 * and the other reader callbacks. A writability change (noticed by a thread in {@code write()} or by
 * the writer) only sets {@link #writabilityDirty}; the change is then delivered under the same lock
 * either by the reader right after its current callback (when it holds the lock, including a
 * {@code write()} made from inside {@code onData}, which is therefore never re-entered), or by a
 * short-lived virtual thread ({@code "occams-vt-events [peer]-N"}) that takes the lock with
 * {@code tryLock}. A holder always re-checks the flag after unlocking, so no change is lost; changes
 * that cancel out before delivery are coalesced (the handler never hears the same value twice in a
 * row). The handler is thus called from several threads, but one at a time, with happens-before
 * between calls.
 *
 * <p><b>Write timeout</b>: the writer records when a write call began ({@link #writeBlockedSince});
 * the runtime's timer calls {@link #checkWriteTimeout} periodically and aborts a connection whose
 * write has been blocked (no progress) for longer than the write timeout. {@code close()} schedules an
 * abort at the write timeout too, bounding the drain.
 */
public final class VtConnection implements Connection {
    private static final Logger LOG = LoggerFactory.getLogger(VtConnection.class);
    /** Buffers (more exactly, NIO buffers) per gathering write; Linux's IOV_MAX. */
    static final int MAX_GATHER = 1024;
    /** The gathering arrays' first size; they double up to {@link #MAX_GATHER} when a batch needs it. */
    private static final int INITIAL_GATHER = 16;
    /** The smallest read the adaptive read size shrinks to. */
    private static final int MIN_READ = 512;
    /** The first read's size. */
    private static final int INITIAL_READ = 2048;
    /** Marks "no write in progress" in {@link #writeBlockedSince}. */
    private static final long NOT_WRITING = 0;

    private final SocketChannel channel;
    private final Settings settings;
    private final ConnectionHandler.Factory factory;
    private final RpcAddress localAddress;
    private final RpcAddress remoteAddress;
    private final String label;
    private final long id;
    private final Thread reader;
    private final Thread writer;
    private final Consumer<VtConnection> onTerminated;
    /** Completes when the factory has made the handler (or failed). */
    private final CompletableFuture<Void> opened = new CompletableFuture<>();

    // ---- write side: the queue and the close state, all guarded by lock ----

    private final ReentrantLock lock = new ReentrantLock();
    /** Signalled when there is something to flush, or output should end, or the connection closed. */
    private final Condition writeReady = lock.newCondition();
    /** Written, not yet taken by the writer; the first {@link #flushable} of them may be sent. @GuardedBy("lock") */
    private final ArrayDeque<ByteBuf> queue = new ArrayDeque<>();
    /** @GuardedBy("lock") */
    private int flushable;
    /** Readable bytes written and not yet sent (queued or being written). @GuardedBy("lock") */
    private long pendingBytes;
    /** shutdownOutput() or close() was asked for: no more writes are taken. @GuardedBy("lock") */
    private boolean outputClosing;
    /** close() was asked for: close after the drain. @GuardedBy("lock") */
    private boolean closeAfterDrain;
    /** The writer has half-closed the socket. @GuardedBy("lock") */
    private boolean outputShut;
    /** The abort that bounds close()'s drain. @GuardedBy("lock") */
    private ScheduledFuture<?> closeDeadline;

    /** Written under lock (by write() and the writer); volatile so isWritable() reads it without the lock. */
    private volatile boolean writable = true;
    /** Set once, under lock, by closeNow; volatile for isOpen() and the reader's and writer's loops. */
    private volatile boolean closed;
    /** Why the connection closed (null: orderly); written before {@link #closed}, read after it. */
    private volatile Throwable closeCause;
    /** Set by the reader at end-of-stream; read by the writer after it half-closes (both closed: close). */
    private volatile boolean inputShut;
    /** Set by any thread in setAutoRead; read by the reader between reads. */
    private volatile boolean autoRead = true;
    /**
     * When the writer's current write call began ({@link #NOT_WRITING} between calls); written by the
     * writer, read by the runtime's timer in {@link #checkWriteTimeout}.
     */
    private volatile long writeBlockedSince = NOT_WRITING;

    // ---- handler side ----

    /** Held around every call into the handler: they never overlap (see the class comment). */
    private final ReentrantLock handlerLock = new ReentrantLock();
    /** A writability change is waiting to be delivered to the handler. */
    private final AtomicBoolean writabilityDirty = new AtomicBoolean();
    /** Null until the factory made it. @GuardedBy("handlerLock") */
    private ConnectionHandler handler;
    /** What the handler last heard. @GuardedBy("handlerLock") */
    private boolean reportedWritable = true;
    /** onClosed was called: no more callbacks. @GuardedBy("handlerLock") */
    private boolean handlerDone;

    /**
     * Wraps {@code channel} (connected, blocking); call {@link #start()} next.
     *
     * @param onTerminated called once, on the reader, after {@code onClosed} (or after the factory failed)
     */
    public VtConnection(SocketChannel channel, Settings settings, ConnectionHandler.Factory factory, long id,
            Consumer<VtConnection> onTerminated) throws IOException {
        this.channel = channel;
        this.settings = settings;
        this.factory = factory;
        this.id = id;
        this.onTerminated = onTerminated;
        this.localAddress = RpcAddress.of(channel.getLocalAddress());
        SocketAddress remote = channel.getRemoteAddress();
        this.remoteAddress = RpcAddress.of(remote);
        // An accepted Unix-domain socket's peer is usually unnamed: name the threads after our path.
        boolean unnamedPeer = remote instanceof UnixDomainSocketAddress u && u.getPath().toString().isEmpty();
        this.label = (unnamedPeer ? localAddress : remoteAddress).toString();
        this.reader = Thread.ofVirtual().name(threadName("occams-vt-reader")).unstarted(this::readLoop);
        this.writer = Thread.ofVirtual().name(threadName("occams-vt-writer")).unstarted(this::writeLoop);
    }

    /** Starts the reader (which opens the handler) and the writer. */
    public void start() {
        writer.start();
        reader.start();
    }

    /** Completes once the factory has made the handler, exceptionally when it threw. */
    public CompletableFuture<Void> opened() {
        return opened;
    }

    private String threadName(String component) {
        return component + " [" + label + "]-" + id;
    }

    // ------------------------------------------------------------------ Connection

    @Override
    public ByteBufAllocator alloc() {
        return settings.allocator();
    }

    @Override
    public RpcAddress remoteAddress() {
        return remoteAddress;
    }

    @Override
    public RpcAddress localAddress() {
        return localAddress;
    }

    @Override
    public void write(ByteBuf buf) {
        Objects.requireNonNull(buf, "buf");
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
            writabilityChanged();
        }
    }

    @Override
    public void flush() {
        lock.lock();
        try {
            int queued = queue.size();
            if (flushable != queued) {
                flushable = queued;
                writeReady.signal();
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean isWritable() {
        return writable && !closed;
    }

    @Override
    public void setAutoRead(boolean on) {
        autoRead = on;
        if (on) {
            LockSupport.unpark(reader);
        }
    }

    @Override
    public void shutdownOutput() {
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

    @Override
    public void close() {
        boolean closeNow;
        lock.lock();
        try {
            if (closed || closeAfterDrain) {
                return;
            }
            closeAfterDrain = true;
            outputClosing = true;
            flushable = queue.size();
            writeReady.signal();
            closeNow = outputShut; // the writer already half-closed and left: nothing to drain
            if (!closeNow) {
                try {
                    closeDeadline = settings.timer().schedule(this::drainTimedOut,
                            settings.writeTimeoutNanos(), TimeUnit.NANOSECONDS);
                } catch (RejectedExecutionException e) {
                    closeNow = true; // the runtime is stopping: there is no time left to drain
                }
            }
        } finally {
            lock.unlock();
        }
        if (closeNow) {
            closeNow(null);
        }
    }

    @Override
    public void abort() {
        closeNow(null);
    }

    @Override
    public boolean isOpen() {
        return !closed;
    }

    @Override
    public String toString() {
        return "VtConnection[" + localAddress + " <-> " + remoteAddress + ", id " + id + (closed ? ", closed]" : "]");
    }

    // ------------------------------------------------------------------ closing

    private void drainTimedOut() {
        closeNow(new SocketTimeoutException("close: queued writes not drained within "
                + Duration.ofNanos(settings.writeTimeoutNanos())));
    }

    /**
     * Called by the runtime's timer: aborts the connection when its writer has been blocked in one
     * write call for longer than the write timeout (the peer does not read).
     */
    public void checkWriteTimeout(long nowNanos) {
        long since = writeBlockedSince;
        if (since != NOT_WRITING && nowNanos - since > settings.writeTimeoutNanos()) {
            closeNow(new SocketTimeoutException("write blocked for more than "
                    + Duration.ofNanos(settings.writeTimeoutNanos()) + " (the peer does not read)"));
        }
    }

    /**
     * Closes at once, from any thread; the first call wins and records {@code cause} (null: orderly).
     * Queued buffers are released; the reader wakes and delivers {@code onClosed}; the writer leaves.
     */
    void closeNow(Throwable cause) {
        List<ByteBuf> dropped;
        ScheduledFuture<?> deadline;
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closeCause = cause;
            closed = true;
            outputClosing = true;
            dropped = queue.isEmpty() ? List.of() : new ArrayList<>(queue);
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
        for (ByteBuf b : dropped) {
            release(b);
        }
        try {
            channel.close(); // wakes a reader blocked in read() and a writer blocked in write()
        } catch (IOException e) {
            LOG.debug("{}: error closing the channel", this, e);
        }
        LockSupport.unpark(reader); // parked for auto-read or after end-of-stream
        if (cause != null) {
            LOG.debug("{} closed: {}", this, cause.toString());
        }
    }

    // ------------------------------------------------------------------ reader

    private void readLoop() {
        Throwable failure = null;
        try {
            if (!openHandler()) {
                return;
            }
            ByteBufAllocator alloc = settings.allocator();
            int max = settings.readBufferSize();
            int guess = Math.min(INITIAL_READ, max);
            boolean shrink = false;
            while (!closed) {
                if (!autoRead) {
                    LockSupport.park(this); // setAutoRead(true) and closeNow unpark us
                    continue;
                }
                ByteBuf buf = alloc.ioBuffer(guess);
                int n;
                try {
                    n = channel.read(buf.internalNioBuffer(0, buf.capacity()));
                } catch (Throwable t) {
                    buf.release();
                    throw t;
                }
                if (n <= 0) {
                    buf.release();
                    if (n < 0) {
                        inputEnded();
                        break;
                    }
                    continue;
                }
                buf.writerIndex(n);
                // Adapt the next read's size: grow when this one filled the buffer, shrink after two
                // reads that used less than half, so idle connections hold small buffers.
                if (n == guess && guess < max) {
                    guess = Math.min(guess << 1, max);
                    shrink = false;
                } else if (n <= guess >> 1 && guess > MIN_READ) {
                    if (shrink) {
                        guess = Math.max(guess >> 1, Math.min(MIN_READ, max));
                    }
                    shrink = !shrink;
                } else {
                    shrink = false;
                }
                handlerLock.lock();
                try {
                    handler.onData(buf); // ownership passes
                    handler.onReadComplete();
                    deliverWritability();
                } finally {
                    unlockHandler();
                }
            }
        } catch (Throwable t) {
            failure = t;
        } finally {
            if (handlerReady()) {
                closeNow(failure); // no-op when already closed (then the first cause stands)
                deliverClosed();
                onTerminated.accept(this);
            }
        }
    }

    /** Whether the factory made a handler (after a failed open, the reader has already cleaned up). */
    private boolean handlerReady() {
        return opened.isDone() && !opened.isCompletedExceptionally();
    }

    private boolean openHandler() {
        handlerLock.lock();
        try {
            ConnectionHandler h = factory.open(this);
            handler = Objects.requireNonNull(h, "the factory returned no handler");
        } catch (Throwable t) {
            handlerLock.unlock();
            LOG.warn("{}: the connection handler factory failed; closing", this, t);
            opened.completeExceptionally(t);
            closeNow(t);
            onTerminated.accept(this);
            return false;
        }
        opened.complete(null);
        unlockHandler(); // delivers a writability change that came before the handler was ready
        return true;
    }

    private void inputEnded() {
        handlerLock.lock();
        try {
            handler.onInputShutdown();
            deliverWritability();
        } finally {
            unlockHandler();
        }
        inputShut = true;
        boolean bothShut;
        lock.lock();
        try {
            bothShut = outputShut;
        } finally {
            lock.unlock();
        }
        if (bothShut) {
            closeNow(null);
        }
        while (!closed) {
            LockSupport.park(this); // this side may still write; closeNow unparks us
        }
    }

    private void deliverClosed() {
        handlerLock.lock();
        try {
            if (!handlerDone) {
                handlerDone = true;
                handler.onClosed(closeCause);
            }
        } catch (Throwable t) {
            LOG.warn("{}: onClosed threw", this, t);
        } finally {
            handlerLock.unlock();
        }
    }

    // ------------------------------------------------------------------ writability events

    /** Called after {@link #writable} flipped, by the thread that flipped it (not holding {@link #lock}). */
    private void writabilityChanged() {
        if (writabilityDirty.getAndSet(true)) {
            return; // a delivery is already due and will read the latest value
        }
        if (handlerLock.isHeldByCurrentThread()) {
            return; // inside a callback (e.g. write() from onData): delivered when it returns
        }
        Thread.ofVirtual().name(threadName("occams-vt-events")).start(this::deliverPendingEvents);
    }

    /** Delivers a pending writability change unless another thread holds the handler lock (it will). */
    private void deliverPendingEvents() {
        while (writabilityDirty.get() && handlerLock.tryLock()) {
            boolean ready;
            try {
                ready = handler != null;
                if (ready) {
                    deliverWritability();
                }
            } catch (Throwable t) {
                LOG.warn("{}: onWritabilityChanged threw; closing", this, t);
                closeNow(t);
                return;
            } finally {
                handlerLock.unlock();
            }
            if (!ready) {
                return; // the reader delivers right after the factory made the handler
            }
        }
    }

    /** Tells the handler the current writability if it changed since it last heard. @GuardedBy("handlerLock") */
    private void deliverWritability() {
        if (!writabilityDirty.getAndSet(false) || handlerDone || closed) {
            return;
        }
        boolean w = writable;
        if (w != reportedWritable) {
            reportedWritable = w;
            handler.onWritabilityChanged(w);
        }
    }

    /** Unlocks, then delivers a change that arrived while the lock was held by this thread. */
    private void unlockHandler() {
        handlerLock.unlock();
        if (writabilityDirty.get()) {
            deliverPendingEvents();
        }
    }

    // ------------------------------------------------------------------ writer

    private void writeLoop() {
        // Small at first, grown up to MAX_GATHER under load: thousands of idle connections stay cheap.
        ByteBuf[] bufs = new ByteBuf[INITIAL_GATHER];
        ByteBuffer[] nios = new ByteBuffer[INITIAL_GATHER];
        try {
            for (;;) {
                int count = 0;
                long batchBytes = 0;
                lock.lock();
                try {
                    while (flushable == 0 && !outputClosing) {
                        writeReady.await();
                    }
                    if (closed) {
                        return;
                    }
                    int nioCount = 0;
                    while (flushable > 0 && count < MAX_GATHER) {
                        ByteBuf b = queue.peekFirst();
                        int c = Math.max(1, b.nioBufferCount());
                        if (count > 0 && nioCount + c > MAX_GATHER) {
                            break;
                        }
                        queue.pollFirst();
                        flushable--;
                        if (count == bufs.length) {
                            bufs = Arrays.copyOf(bufs, Math.min(count * 2, MAX_GATHER));
                        }
                        bufs[count++] = b;
                        nioCount += c;
                        batchBytes += b.readableBytes();
                    }
                } finally {
                    lock.unlock();
                }
                if (count == 0) {
                    endOutput(); // output closing and everything before it drained
                    return;
                }
                try {
                    nios = writeBatch(bufs, count, nios, batchBytes);
                } finally {
                    for (int i = 0; i < count; i++) {
                        release(bufs[i]);
                        bufs[i] = null;
                    }
                }
                boolean turnedWritable = false;
                lock.lock();
                try {
                    if (!closed) {
                        pendingBytes -= batchBytes;
                        if (!writable && pendingBytes < settings.lowWaterMark()) {
                            writable = true;
                            turnedWritable = true;
                        }
                    }
                } finally {
                    lock.unlock();
                }
                if (turnedWritable) {
                    writabilityChanged();
                }
            }
        } catch (Throwable t) {
            closeNow(t); // no-op when the connection was closed under us (AsynchronousCloseException)
        } finally {
            writeBlockedSince = NOT_WRITING;
        }
    }

    /**
     * Sends the readable bytes of {@code bufs[0..count)} with gathering writes, continuing after
     * partial ones. Returns the NIO array to reuse (grown when a composite buffer needed more room).
     */
    private ByteBuffer[] writeBatch(ByteBuf[] bufs, int count, ByteBuffer[] nios, long bytes) throws IOException {
        int n = 0;
        for (int i = 0; i < count; i++) {
            ByteBuf b = bufs[i];
            int readable = b.readableBytes();
            if (readable == 0) {
                continue;
            }
            if (b.nioBufferCount() == 1) {
                if (n == nios.length) {
                    nios = Arrays.copyOf(nios, n * 2);
                }
                // internalNioBuffer: no allocation for pooled buffers; derived buffers return their own
                nios[n++] = b.internalNioBuffer(b.readerIndex(), readable);
            } else {
                ByteBuffer[] parts = b.nioBuffers(b.readerIndex(), readable);
                if (n + parts.length > nios.length) {
                    nios = Arrays.copyOf(nios, Math.max(nios.length * 2, n + parts.length));
                }
                System.arraycopy(parts, 0, nios, n, parts.length);
                n += parts.length;
            }
        }
        try {
            long remaining = bytes;
            int offset = 0;
            while (remaining > 0) {
                long start = System.nanoTime();
                writeBlockedSince = start == NOT_WRITING ? 1 : start;
                long written = channel.write(nios, offset, n - offset);
                writeBlockedSince = NOT_WRITING;
                remaining -= written;
                while (offset < n && !nios[offset].hasRemaining()) {
                    offset++;
                }
            }
        } finally {
            Arrays.fill(nios, 0, n, null);
        }
        return nios;
    }

    /** Releases a buffer we were given; a caller's double release is logged, not allowed to stop the others. */
    private void release(ByteBuf b) {
        try {
            b.release();
        } catch (RuntimeException e) {
            LOG.warn("{}: a written buffer was already released by its writer", this, e);
        }
    }

    /** Half-closes after the drain; closes too when close() asked or the input already ended. */
    private void endOutput() throws IOException {
        channel.shutdownOutput();
        boolean closeAlso;
        lock.lock();
        try {
            outputShut = true;
            closeAlso = closeAfterDrain;
        } finally {
            lock.unlock();
        }
        if (closeAlso || inputShut) {
            closeNow(null);
        }
    }
}
