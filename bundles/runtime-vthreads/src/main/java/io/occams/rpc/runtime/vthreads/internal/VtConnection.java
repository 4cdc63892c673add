package io.occams.rpc.runtime.vthreads.internal;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.occams.rpc.api.PeerIdentity;
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
 * size) and hands it over: {@code onData} then {@code onReadComplete}, once per read. It keeps a
 * reference of its own to that buffer and reads into it again once the handler let go of it (the
 * reference count is back to the reader's one): a new buffer object per read would be garbage here,
 * since Netty's {@code Recycler} pools buffer objects only on its own threads. At end-of-stream
 * it calls {@code onInputShutdown} and parks until the connection closes; it is the thread that
 * calls {@code onClosed}, so that call comes after the last {@code onData}. While auto-read is off it
 * parks (no polling) until {@link #setAutoRead(boolean) setAutoRead(true)} unparks it.
 *
 * <p><b>Writing</b>: {@link #write} queues under {@link #lock}; {@link #flush} marks what is queued as
 * flushable. One thread at a time owns the write side ({@link #writing}). When nobody does, nothing
 * flushed is waiting and the last write found room, the flushing thread itself sends the batch
 * inline with one gathering write call (on a virtual thread that call returns as soon as the kernel
 * took what fits) and puts what is left back at the head of the queue for the writer: a reply
 * written by the reader goes out without waking another thread. Otherwise {@link #writeReady} wakes
 * the <b>writer</b> ({@code "occams-vt-writer [peer]-N"}), which takes up to {@value #MAX_GATHER}
 * flushable buffers at once, sends them with gathering writes (continuing partial ones, waiting
 * while the send buffer is full), releases them, and updates the unsent byte count that
 * {@link #isWritable()} compares with the water marks. After a shutdown or close was asked for and
 * the queue is drained, it half-closes the socket (and closes it for {@code close()}).
 *
 * <p><b>No deadlock through inline writes.</b> An inline write blocks only when the send buffer is
 * full from its start. Its thread may be the reader, or hold a lock that the reader waits for; if
 * the peer does the same, neither side would read. So when an inline write has been blocked for
 * {@link #RESCUE_AFTER_NANOS}, the runtime's timer starts a rescue reader
 * ({@code "occams-vt-rescue [peer]-N"}) that keeps reading (while auto-read is on) into a queue; the
 * reader delivers that queue, in order, before it reads again. The input is therefore always read
 * while any inline write is blocked.
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
    /** How long an inline write under the handler lock may block before a rescue reader starts. */
    static final long RESCUE_AFTER_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
    /**
     * Tests only: {@link #INLINE_AUTO}; {@link #INLINE_ALWAYS} writes inline whenever no write is in
     * progress, even when the send buffer was full or flushed buffers wait (so inline writes block
     * and the rescue reader must step in); {@link #INLINE_NEVER} leaves every write to the writer.
     */
    private static volatile int inlineMode;
    /** See {@link #inlineModeForTests}. */
    public static final int INLINE_AUTO = 0;
    /** See {@link #inlineModeForTests}. */
    public static final int INLINE_ALWAYS = 1;
    /** See {@link #inlineModeForTests}. */
    public static final int INLINE_NEVER = 2;
    /** Queued by the rescue reader at end-of-stream. */
    private static final Object END_OF_INPUT = new Object();

    private final SocketChannel channel;
    /** TLS over {@link #channel}, or null for plaintext. */
    private final TlsChannel tls;
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
     * reader may even be that thread), so {@link #checkStuckInlineWrite} starts a rescue reader
     * after {@link #RESCUE_AFTER_NANOS}.
     */
    private volatile long inlineSince = NOT_WRITING;

    // ---- rescue reading (see checkStuckInlineWrite), guarded by rescueLock ----

    private final ReentrantLock rescueLock = new ReentrantLock();
    /**
     * Held by the reader from its look at {@link #rescueActive} through its read, and by the rescuer
     * around each read and queueing: what the rescuer queues is always newer than what the reader
     * delivers directly.
     */
    private final ReentrantLock readMutex = new ReentrantLock();
    /** What the rescue reader read and the reader has not delivered yet: ByteBufs, END_OF_INPUT or a Throwable. */
    @GuardedBy("rescueLock")
    private final ArrayDeque<Object> rescued = new ArrayDeque<>();
    /** The rescue reader, while it runs. */
    @GuardedBy("rescueLock")
    private Thread rescuer;
    /** The reader is back and wants the rescuer to stop after its current read. */
    @GuardedBy("rescueLock")
    private boolean rescueEnding;
    /** A rescue ran or queued something: the reader takes over before its next read. */
    private volatile boolean rescueActive;

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
    /** Null until the factory made it. */
    @GuardedBy("handlerLock")
    private ConnectionHandler handler;
    /** What the handler last heard. */
    @GuardedBy("handlerLock")
    private boolean reportedWritable = true;
    /** onClosed was called: no more callbacks. */
    @GuardedBy("handlerLock")
    private boolean handlerDone;

    /**
     * Wraps {@code channel} (connected, blocking); call {@link #start()} next.
     *
     * @param onTerminated called once, on the reader, after {@code onClosed} (or after the factory failed)
     */
    public VtConnection(SocketChannel channel, Settings settings, ConnectionHandler.Factory factory, long id,
            Consumer<VtConnection> onTerminated) throws IOException {
        this(channel, null, settings, factory, id, onTerminated);
    }

    /**
     * Wraps {@code channel}, speaking TLS through {@code tls} (handshake done) when it is not null; call
     * {@link #start()} next. Reads, writes and the half-close then go through {@code tls}; closing still
     * closes {@code channel}.
     */
    public VtConnection(SocketChannel channel, TlsChannel tls, Settings settings, ConnectionHandler.Factory factory,
            long id, Consumer<VtConnection> onTerminated) throws IOException {
        this.channel = channel;
        this.tls = tls;
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

    /** Tests only: when {@link #flush()} writes inline (see {@link #inlineMode}). */
    public static void inlineModeForTests(int mode) {
        inlineMode = mode;
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
    public PeerIdentity peerIdentity() {
        return tls == null ? PeerIdentity.ANONYMOUS : tls.peerIdentity();
    }

    /** One read from the socket, through TLS when there is TLS. */
    private int read(ByteBuffer dst) throws IOException {
        return tls != null ? tls.read(dst) : channel.read(dst);
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

    /**
     * Marks what is queued as flushable. When nothing is being written, nothing flushed is waiting
     * and the send buffer had room at the last write, the calling thread writes it inline (one
     * write call, which returns as soon as the kernel took what fits) and hands what is left to the
     * writer; otherwise the writer is woken (or, while someone writes, picks it up next).
     */
    @Override
    public void flush() {
        boolean inline = false;
        lock.lock();
        try {
            int queued = queue.size();
            if (flushable == queued) {
                return;
            }
            int mode = inlineMode;
            if (!writing && ((flushable == 0 && !sendBufferFull) || mode == INLINE_ALWAYS)
                    && mode != INLINE_NEVER && !outputClosing
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
     * Called by the runtime's timer: when an inline write has been blocked for longer than
     * {@link #RESCUE_AFTER_NANOS} (its thread may be the reader, or hold a lock the reader waits
     * for), starts a rescue reader that keeps reading into {@link #rescued} until the reader is back
     * (or auto-read is turned off). So a peer that floods us while we flood it always sees us read:
     * two peers can never both stop reading because both write.
     */
    public void checkStuckInlineWrite(long nowNanos) {
        long since = inlineSince;
        if (since == NOT_WRITING || nowNanos - since <= RESCUE_AFTER_NANOS || closed) {
            return;
        }
        rescueLock.lock();
        try {
            rescueEnding = false; // a rescuer asked to stop keeps going: the reader is stuck again
            if (rescuer == null && !closed) {
                rescueActive = true;
                rescuer = Thread.ofVirtual().name(threadName("occams-vt-rescue")).start(this::rescueLoop);
            }
        } finally {
            rescueLock.unlock();
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
        // The last read's buffer, with one reference of the reader's own: read into again when that
        // is the only one left (the handler released or passed on its own).
        ByteBuf spare = null;
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
                    if (spare != null) {
                        spare.release(); // parked with no buffer held
                        spare = null;
                    }
                    LockSupport.park(this); // setAutoRead(true) and closeNow unpark us
                    continue;
                }
                if (rescueActive) {
                    if (!takeOverFromRescuer()) {
                        break;
                    }
                    continue;
                }
                // The last read's buffer once the handler let go of it (only our reference left), else a
                // new one: a new buffer object per read is garbage here, as Netty's Recycler pools
                // buffer objects only on its own threads.
                ByteBuf buf;
                if (spare != null && spare.refCnt() == 1 && spare.capacity() == guess) {
                    buf = spare.clear();
                } else {
                    if (spare != null) {
                        spare.release(); // still held by the handler (or the wrong size): it is theirs now
                    }
                    buf = alloc.ioBuffer(guess);
                }
                spare = null;
                int n;
                readMutex.lock();
                try {
                    if (rescueActive) {
                        buf.release();
                        continue; // take over first: the rescuer's data comes before what we would read
                    }
                    n = read(buf.internalNioBuffer(0, buf.capacity()));
                } catch (Throwable t) {
                    buf.release();
                    throw t;
                } finally {
                    readMutex.unlock();
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
                spare = buf.retain(); // ours; the handler owns the one it is given, as before
                deliver(buf);
            }
        } catch (Throwable t) {
            failure = t;
        } finally {
            if (spare != null) {
                spare.release();
            }
            if (handlerReady()) {
                closeNow(failure); // no-op when already closed (then the first cause stands)
                deliverClosed();
                onTerminated.accept(this);
            }
        }
    }

    /**
     * The reader is back from a blocked inline write: delivers what the rescuer read, asks it to
     * stop after its current read and waits for that (delivering what it still reads). Returns
     * false at end-of-stream (after {@link #inputEnded}).
     */
    private boolean takeOverFromRescuer() throws Throwable {
        for (;;) {
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
                if (closed) {
                    return false;
                }
                LockSupport.park(this); // the rescuer unparks us after each read and when it ends
            } else if (item == END_OF_INPUT) {
                inputEnded();
                return false;
            } else if (item instanceof Throwable t) {
                throw t;
            } else {
                deliver((ByteBuf) item);
            }
        }
    }

    /** On the reader: one read's data to the handler. */
    @SuppressWarnings("GuardedBy") // handlerLock is held: unlockHandler() in the finally releases it
    private void deliver(ByteBuf buf) {
        handlerLock.lock();
        try {
            handler.onData(buf); // ownership passes
            handler.onReadComplete();
            deliverWritability();
        } finally {
            unlockHandler();
        }
    }

    /** The rescue reader: reads (whatever auto-read says) until the reader asks it to stop. */
    @SuppressWarnings("LockNotBeforeTry") // rescueLock is taken before readMutex is let go (hand over hand)
    private void rescueLoop() {
        ByteBufAllocator alloc = settings.allocator();
        for (;;) {
            rescueLock.lock();
            try {
                if (rescueEnding || closed || !autoRead) {
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
                int n = read(buf.internalNioBuffer(0, buf.capacity()));
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
            rescueLock.lock(); // hand over hand: take rescueLock before letting go of readMutex
            readMutex.unlock();
            try {
                if (closed) {
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
            // The reader may be waiting in takeOverFromRescuer (while the watchdog keeps the rescue
            // going); if it is still blocked in its write, the unpark only makes it retry the write.
            LockSupport.unpark(reader);
        }
        LockSupport.unpark(reader);
    }

    /** Whether the factory made a handler (after a failed open, the reader has already cleaned up). */
    private boolean handlerReady() {
        return opened.isDone() && !opened.isCompletedExceptionally();
    }

    @SuppressWarnings("GuardedBy") // handlerLock is held: unlockHandler() in the finally releases it
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

    @SuppressWarnings("GuardedBy") // handlerLock is held: unlockHandler() in the finally releases it
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

    /** Tells the handler the current writability if it changed since it last heard. */
    @GuardedBy("handlerLock")
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
        try {
            for (;;) {
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
            closeNow(t); // no-op when the connection was closed under us (AsynchronousCloseException)
        } finally {
            writeBlockedSince = NOT_WRITING;
        }
    }

    /**
     * On a thread in {@link #flush} that took {@link #writing}: one write call of what is flushable.
     * The channel is blocking, but on a virtual thread a write call returns as soon as the kernel
     * took some bytes; it waits only when the send buffer is full from the start (then
     * {@link #checkStuckInlineWrite} keeps the input read). What the
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
            closeNow(t);
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
            writabilityChanged();
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
                long written = tls != null ? tls.write(nios, offset, n - offset) : channel.write(nios, offset, n - offset);
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
    private void release(ByteBuf b) {
        try {
            b.release();
        } catch (RuntimeException e) {
            LOG.warn("{}: a written buffer was already released by its writer", this, e);
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
            closeNow(null);
        }
    }
}
