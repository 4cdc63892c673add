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
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection of the virtual-thread runtime: a blocking {@link SocketChannel} with one reader
 * thread and one virtual writer thread, like the seed's reader and writer coroutines. This
 * class is the reader and the handler's side; the write side and the rescue reader are classes of their
 * own ({@link VtWriteSide}, {@link VtRescueReader}).
 *
 * <p><b>Reader</b> ({@code "occams-vt-reader [peer]-N"}): a platform daemon thread when the runtime's
 * {@link PlatformReaders} had a slot free (the kernel wakes it itself, one thread switch per read), else
 * a virtual thread (woken through the JDK's poller). Either way it opens the handler through the factory, then
 * reads into a buffer from the allocator (its size adapts between 512 bytes and the configured read
 * size) and hands it over: {@code onData} then {@code onReadComplete}, once per read. It keeps a
 * reference of its own to that buffer and reads into it again once the handler let go of it (the
 * reference count is back to the reader's one): a new buffer object per read would be garbage here,
 * since Netty's {@code Recycler} pools buffer objects only on its own threads. At end-of-stream
 * it calls {@code onInputShutdown} and parks until the connection closes; it is the thread that
 * calls {@code onClosed}, so that call comes after the last {@code onData}. While auto-read is off it
 * parks (no polling) until {@link #setAutoRead(boolean) setAutoRead(true)} unparks it.
 *
 * <p><b>Writing</b> ({@link VtWriteSide}): {@link #write} queues; {@link #flush} sends inline from
 * the flushing thread when nothing is being written and the last write found room, and otherwise
 * wakes the writer ({@code "occams-vt-writer [peer]-N"}), which sends with gathering writes. The
 * write side also holds the close state and aborts a write blocked past the write timeout.
 *
 * <p><b>No deadlock through inline writes</b> ({@link VtRescueReader}). An inline write blocks only
 * when the send buffer is full from its start. When one has been blocked for
 * {@link #RESCUE_AFTER_NANOS}, the runtime's timer starts a rescue reader
 * ({@code "occams-vt-rescue [peer]-N"}) that keeps reading into a queue; the reader delivers that
 * queue, in order, before it reads again. The input is therefore always read while any inline write
 * is blocked.
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
 */
public final class VtConnection implements Connection {
    private static final Logger LOG = LoggerFactory.getLogger(VtConnection.class);
    /** The smallest read the adaptive read size shrinks to. */
    private static final int MIN_READ = 512;
    /** The first read's size. */
    private static final int INITIAL_READ = 2048;
    /** How long an inline write under the handler lock may block before a rescue reader starts. */
    static final long RESCUE_AFTER_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

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
    /** Where the reader's slot goes back, or null when the reader is virtual. */
    private final PlatformReaders platformReaders;
    /** The queue, the writer, inline writes and the close state. */
    private final VtWriteSide out;
    /** Keeps the input read while an inline write is blocked. */
    private final VtRescueReader rescue;

    private final Consumer<VtConnection> onTerminated;
    /** Completes when the factory has made the handler (or failed). */
    private final CompletableFuture<Void> opened = new CompletableFuture<>();

    /** Set by any thread in setAutoRead; read by the reader between reads. */
    private volatile boolean autoRead = true;

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
    public VtConnection(
            SocketChannel channel,
            Settings settings,
            ConnectionHandler.Factory factory,
            long id,
            Consumer<VtConnection> onTerminated)
            throws IOException {
        this(channel, null, settings, factory, id, onTerminated);
    }

    /**
     * Wraps {@code channel}, speaking TLS through {@code tls} (handshake done) when it is not null; call
     * {@link #start()} next. Reads, writes and the half-close then go through {@code tls}; closing still
     * closes {@code channel}.
     */
    public VtConnection(
            SocketChannel channel,
            TlsChannel tls,
            Settings settings,
            ConnectionHandler.Factory factory,
            long id,
            Consumer<VtConnection> onTerminated)
            throws IOException {
        this(channel, tls, settings, factory, id, null, onTerminated);
    }

    /**
     * Wraps {@code channel} as {@link #VtConnection(SocketChannel, TlsChannel, Settings,
     * ConnectionHandler.Factory, long, Consumer)} does; with {@code platformReaders} not null the reader
     * is a platform thread whose slot (already taken) goes back to {@code platformReaders} when it is done.
     */
    public VtConnection(
            SocketChannel channel,
            TlsChannel tls,
            Settings settings,
            ConnectionHandler.Factory factory,
            long id,
            PlatformReaders platformReaders,
            Consumer<VtConnection> onTerminated)
            throws IOException {
        this.channel = channel;
        this.platformReaders = platformReaders;
        this.tls = tls;
        this.settings = settings;
        this.factory = factory;
        this.id = id;
        this.onTerminated = onTerminated;
        this.localAddress = RpcAddress.of(channel.getLocalAddress());
        SocketAddress remote = channel.getRemoteAddress();
        this.remoteAddress = RpcAddress.of(remote);
        // An accepted Unix-domain socket's peer is usually unnamed: name the threads after our path.
        boolean unnamedPeer = remote instanceof UnixDomainSocketAddress u
                && u.getPath().toString().isEmpty();
        this.label = (unnamedPeer ? localAddress : remoteAddress).toString();
        this.reader = (platformReaders != null ? Thread.ofPlatform().daemon() : Thread.ofVirtual())
                .name(threadName("occams-vt-reader"))
                .unstarted(this::readLoop);
        this.out = new VtWriteSide(this, channel, tls, settings, threadName("occams-vt-writer"));
        this.rescue = new VtRescueReader(this, settings, reader, threadName("occams-vt-rescue"));
    }

    /** Starts the reader (which opens the handler) and the writer. */
    public void start() {
        out.start();
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

    /** One read from the socket, through TLS when there is TLS (by the reader or the rescue reader). */
    int read(ByteBuffer dst) throws IOException {
        return tls != null ? tls.read(dst) : channel.read(dst);
    }

    @Override
    public void write(ByteBuf buf) {
        Objects.requireNonNull(buf, "buf");
        out.write(buf);
    }

    /**
     * Marks what is queued as flushable. When nothing is being written, nothing flushed is waiting
     * and the send buffer had room at the last write, the calling thread writes it inline (one
     * write call, which returns as soon as the kernel took what fits) and hands what is left to the
     * writer; otherwise the writer is woken (or, while someone writes, picks it up next).
     */
    @Override
    public void flush() {
        out.flush();
    }

    @Override
    public boolean isWritable() {
        return out.writable() && !out.isClosed();
    }

    @Override
    public void setAutoRead(boolean on) {
        autoRead = on;
        if (on) {
            LockSupport.unpark(reader);
        }
    }

    /** Whether auto-read is on (read by the rescue reader). */
    boolean autoRead() {
        return autoRead;
    }

    @Override
    public void shutdownOutput() {
        out.shutdownOutput();
    }

    @Override
    public void close() {
        if (out.close()) {
            closeNow(null);
        }
    }

    @Override
    public void abort() {
        closeNow(null);
    }

    @Override
    public boolean isOpen() {
        return !out.isClosed();
    }

    /** Whether the connection closed. */
    boolean isClosed() {
        return out.isClosed();
    }

    @Override
    public String toString() {
        return "VtConnection[" + localAddress + " <-> " + remoteAddress + ", id " + id
                + (out.isClosed() ? ", closed]" : "]");
    }

    // ------------------------------------------------------------------ closing

    /**
     * Called by the runtime's timer: aborts the connection when its writer has been blocked in one
     * write call for longer than the write timeout (the peer does not read).
     */
    public void checkWriteTimeout(long nowNanos) {
        out.checkWriteTimeout(nowNanos);
    }

    /**
     * Called by the runtime's timer: when an inline write has been blocked for longer than
     * {@link #RESCUE_AFTER_NANOS} (its thread may be the reader, or hold a lock the reader waits
     * for), starts a rescue reader that keeps reading until the reader is back (or auto-read is
     * turned off). So a peer that floods us while we flood it always sees us read: two peers can
     * never both stop reading because both write.
     */
    public void checkStuckInlineWrite(long nowNanos) {
        long since = out.inlineSince();
        if (since == VtWriteSide.NOT_WRITING || nowNanos - since <= RESCUE_AFTER_NANOS || out.isClosed()) {
            return;
        }
        rescue.start();
    }

    /**
     * Closes at once, from any thread; the first call wins and records {@code cause} (null: orderly).
     * Queued buffers are released; the reader wakes and delivers {@code onClosed}; the writer leaves.
     */
    void closeNow(Throwable cause) {
        List<ByteBuf> dropped = out.markClosed(cause);
        if (dropped == null) {
            return;
        }
        rescue.drainInto(dropped);
        for (ByteBuf b : dropped) {
            out.release(b);
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
            ReentrantLock readMutex = rescue.readMutex();
            while (!out.isClosed()) {
                if (!autoRead) {
                    if (spare != null) {
                        spare.release(); // parked with no buffer held
                        spare = null;
                    }
                    LockSupport.park(this); // setAutoRead(true) and closeNow unpark us
                    continue;
                }
                if (rescue.isActive()) {
                    if (!rescue.takeOver()) {
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
                    if (rescue.isActive()) {
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
                givePlatformReader(); // before onClosed: whoever saw onClosed finds the slot free
                deliverClosed();
                onTerminated.accept(this);
            }
        }
    }

    /** On the reader: one read's data to the handler (read by the reader, or by the rescue reader). */
    @SuppressWarnings(
            "GuardedBy") // handlerLock is held here; unlockHandler() releases it, which Error Prone cannot follow
    void deliver(ByteBuf buf) {
        handlerLock.lock();
        try {
            handler.onData(buf); // ownership passes
            handler.onReadComplete();
            deliverWritability();
        } finally {
            unlockHandler();
        }
    }

    /** Whether the factory made a handler (after a failed open, the reader has already cleaned up). */
    private boolean handlerReady() {
        return opened.isDone() && !opened.isCompletedExceptionally();
    }

    @SuppressWarnings(
            "GuardedBy") // handlerLock is held here; unlockHandler() releases it, which Error Prone cannot follow
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
            givePlatformReader();
            onTerminated.accept(this);
            return false;
        }
        opened.complete(null);
        unlockHandler(); // delivers a writability change that came before the handler was ready
        return true;
    }

    /** On the reader when it is done: its platform slot (if it has one) goes back for another connection. */
    private void givePlatformReader() {
        if (platformReaders != null) {
            platformReaders.give();
        }
    }

    /** Whether the reader is a platform thread (it took a slot of the runtime's {@link PlatformReaders}). */
    public boolean platformReader() {
        return platformReaders != null;
    }

    /** On the reader at end-of-stream (or the rescue's): tells the handler, then parks until closed. */
    @SuppressWarnings(
            "GuardedBy") // handlerLock is held here; unlockHandler() releases it, which Error Prone cannot follow
    void inputEnded() {
        handlerLock.lock();
        try {
            handler.onInputShutdown();
            deliverWritability();
        } finally {
            unlockHandler();
        }
        if (out.inputEnded()) { // the output was already half-closed
            closeNow(null);
        }
        while (!out.isClosed()) {
            LockSupport.park(this); // this side may still write; closeNow unparks us
        }
    }

    private void deliverClosed() {
        handlerLock.lock();
        try {
            if (!handlerDone) {
                handlerDone = true;
                handler.onClosed(out.closeCause());
            }
        } catch (Throwable t) {
            LOG.warn("{}: onClosed threw", this, t);
        } finally {
            handlerLock.unlock();
        }
    }

    // ------------------------------------------------------------------ writability events

    /** Called by the write side after writability flipped, by the thread that flipped it (not holding its lock). */
    void writabilityChanged() {
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
        if (!writabilityDirty.getAndSet(false) || handlerDone || out.isClosed()) {
            return;
        }
        boolean w = out.writable();
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
}
