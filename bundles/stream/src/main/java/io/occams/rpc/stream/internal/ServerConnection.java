package io.occams.rpc.stream.internal;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.occams.rpc.api.PeerIdentity;
import io.occams.rpc.api.RpcCode;
import io.occams.rpc.api.ServerConfig;
import io.occams.rpc.api.spi.Connection;
import io.occams.rpc.api.spi.ConnectionHandler;
import io.occams.rpc.api.spi.Dispatch;
import io.occams.rpc.stream.FrameException;
import io.occams.rpc.stream.Frames;
import io.occams.rpc.stream.internal.jfr.ConnectionEvents;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server side of one connection: the seed's reader and writer (spec §6.2), on any runtime.
 *
 * <p>The reader ({@link #onData}, on the runtime's reader thread) decodes requests, answers pings at
 * once and hands every other request to the {@link Dispatch}, which must not block. Replies come back
 * from any thread; they are written into one batch buffer under {@link #outLock}: a reply made on the
 * reader waits for the end of the read burst ({@link #onReadComplete}) so a burst of calls costs one
 * flush; a reply made elsewhere flushes at once, taking along whatever other threads added.
 *
 * <p>Calls are recycled, not allocated per request: an answered {@link ServerCallImpl} goes back to a free
 * list of this connection ({@link #recycle}) and the reader hands it out again for a later request
 * ({@link #obtain}). The list has two halves so that answers from any thread need no lock: the
 * reader's own (answers made inside {@link #onData}) and a lock-free stack for the other threads, which
 * the reader takes whole when its own half is empty. At most as many objects exist as calls were in
 * flight at once.
 *
 * <p>Every accepted call is answered. A broken frame stops reading (the stream is out of step), the
 * calls already accepted are still answered, then the connection closes.
 */
public final class ServerConnection implements ConnectionHandler {
    private static final Logger LOG = LoggerFactory.getLogger(ServerConnection.class);
    private static final int BLOB_COPY_LIMIT = 4 * 1024;
    /** Reply messages of at least this many bytes are written as their own buffer, not copied into the batch. */
    static final int MSG_COPY_LIMIT = 64 * 1024;
    /** For servers made without their own fault log (one per {@code StreamServer} otherwise). */
    private static final RateLimitedLog SHARED_FAULTS = new RateLimitedLog(LOG);

    private static final byte[] ENCODE_ERROR = RpcCode.ENCODE.wireBytes();
    private static final String SLOW_PEER = "connections closed for not reading their replies";
    /** How many calls the reader counts ahead at once ({@link #reserved}). */
    static final int RESERVE = 16;

    private final Connection connection;
    private final Dispatch dispatch;
    private final ServerConfig config;
    private final Executor executor;
    private final Consumer<ServerConnection> onClosed;
    private final String name;
    /** The server-wide count of unanswered calls this connection adds to. */
    private final ServerCallLimit limit;
    /** What tasks handed to {@code ServerCall.executor()} during a read wait for; reader-confined. */
    private final BurstExecutor.Burst burst;

    private final BurstExecutor bursts;
    /** Guards the transitions of {@link #readPaused} and {@link #serverPaused} with their setAutoRead. */
    private final Object pauseLock = new Object();
    /** Reading stopped because the server's total of unanswered calls reached its bound. */
    private volatile boolean serverPaused;
    /** Where the peer's faults are logged, rate-limited (hardening, issue 16). */
    private final RateLimitedLog faults;

    // Reader-confined.
    private final RequestDecoder decoder;
    private final Cumulation cumulation;
    /**
     * The stream is out of step or timed out: read nothing more. Set by the reader (a bad frame) and by
     * {@link #sweep} on the scheduler (the timeouts), read by the reader and under pauseLock by answering
     * threads: volatile, so that the reader sees the sweep's verdict and stops dispatching.
     */
    private volatile boolean broken;
    /** Free calls for the reader to hand out. Reader-confined (touched only inside onData). */
    private ServerCallImpl free;
    /** Calls answered on other threads, a Treiber stack linked by {@code next}; the reader takes it whole. */
    private final AtomicReference<ServerCallImpl> returned = new AtomicReference<>();

    private final ReentrantLock outLock = new ReentrantLock();
    /** Replies written since the last flush, in a buffer kept across flushes. */
    @GuardedBy("outLock")
    private final WriteBatch out = new WriteBatch(4 * 1024);
    /** Whether buffers were handed to the connection since the last flush. */
    @GuardedBy("outLock")
    private boolean unflushed;
    /** Set by onClosed; replies after it are dropped (their buffers released). */
    @GuardedBy("outLock")
    private boolean closed;

    /** Calls dispatched and not yet answered. */
    private final AtomicInteger inFlight = new AtomicInteger();
    /** The thread inside onData right now, so replies made there are left for the burst's flush. */
    private volatile Thread reader;
    /**
     * Calls answered on the reader inside the current read burst, not yet taken off {@link #inFlight} and
     * the server's {@link #limit}: they are, once, when the burst ends ({@link #settle}), as a runner's are
     * after its batch. Counting late only holds the counts high for the rest of the burst, never low;
     * per call it cost two read-modify-writes of counters the other event loop's connections update too.
     * Reader-confined.
     */
    private int answeredInBurst;
    /**
     * Calls already counted in {@link #inFlight} and the server's {@link #limit} for requests this burst has
     * not decoded yet: the reader counts calls {@value #RESERVE} at a time, one update of each counter for
     * them, and gives back what the burst did not use when it ends ({@link #settle}). Like
     * {@link #answeredInBurst} this only holds the counts high until the burst ends (by fewer than
     * {@value #RESERVE}), never low: a call is counted before it is dispatched, so an answer made on another
     * thread never takes off a call that was not added. Reader-confined.
     */
    private int reserved;
    /** The peer shut its output, or the stream broke: no more requests will come. */
    private volatile boolean inputDone;
    /** The server is shutting down: read nothing more, answer what was accepted, close. */
    private volatile boolean closing;
    /** Reading stopped because too many calls are unanswered. Written under outLock or by the reader. */
    private volatile boolean readPaused;
    /** For the idle sweep: when the last bytes arrived. */
    private volatile long lastReadNanos;
    /** For the read-timeout sweep: since when a partial frame has been waiting, or 0. */
    private volatile long partialSinceNanos;
    /** Since when the peer leaves its replies unread (the connection is not writable), or 0. */
    private volatile long writeBlockedSinceNanos;
    /** When this connection was accepted; until its first complete frame, firstFrameTimeout applies. */
    private final long openedNanos;
    /** Where the timestamps above come from: {@link System#nanoTime()}, or a test's manual clock. */
    private final LongSupplier clock;
    /** Whether a complete frame arrived; set once by the reader. */
    private volatile boolean sawFrame;
    /** When the sweep last saw reading paused by the server itself; sweep-confined. */
    private long pausedSeenNanos;
    /** The sweep closed this connection for not reading its replies and said so (once). */
    private volatile boolean slowPeerClosed;

    public ServerConnection(
            Connection connection,
            Dispatch dispatch,
            ServerConfig config,
            Executor executor,
            Consumer<ServerConnection> onClosed) {
        this(
                connection,
                dispatch,
                config,
                new BurstExecutor(executor, null),
                new ServerCallLimit(config.maxCallsPerServer()),
                onClosed,
                SHARED_FAULTS);
    }

    /**
     * A connection of a server whose connections share {@code bursts} (where tasks for
     * {@code ServerCall.executor()} run), {@code limit} (the server-wide bound on unanswered calls) and
     * {@code faults} (the rate-limited log of its peers' faults).
     */
    public ServerConnection(
            Connection connection,
            Dispatch dispatch,
            ServerConfig config,
            BurstExecutor bursts,
            ServerCallLimit limit,
            Consumer<ServerConnection> onClosed,
            RateLimitedLog faults) {
        this(connection, dispatch, config, bursts, limit, onClosed, faults, System::nanoTime);
    }

    /**
     * As the constructor above, with the timestamps that {@link #sweep(long)} compares taken from
     * {@code clock} ({@link System#nanoTime()}, or a test's manual clock).
     */
    public ServerConnection(
            Connection connection,
            Dispatch dispatch,
            ServerConfig config,
            BurstExecutor bursts,
            ServerCallLimit limit,
            Consumer<ServerConnection> onClosed,
            RateLimitedLog faults,
            LongSupplier clock) {
        this.clock = clock;
        this.lastReadNanos = clock.getAsLong();
        this.openedNanos = lastReadNanos;
        this.faults = faults;
        this.executor = bursts.executor();
        this.bursts = bursts;
        this.limit = limit;
        this.burst = new BurstExecutor.Burst(bursts, this);
        this.connection = connection;
        this.dispatch = dispatch;
        this.config = config;
        this.onClosed = onClosed;
        String remote = String.valueOf(connection.remoteAddress());
        this.name = remote.isEmpty() ? "a peer on " + connection.localAddress() : remote; // Unix peers are unnamed
        this.decoder = new RequestDecoder(config.maxFrameBytes(), config.maxActionBytes());
        this.cumulation = new Cumulation(connection.alloc());
        ConnectionEvents.opened(connection.remoteAddress(), connection.localAddress());
    }

    ByteBufAllocator alloc() {
        return connection.alloc();
    }

    Executor executor() {
        return executor;
    }

    /**
     * {@code ServerCall.executor()} of {@code call}: on the reader, inside a read, the task waits for the
     * end of the read and goes with the read's others to one thread ({@link BurstExecutor}); elsewhere it
     * goes to the executor at once.
     */
    void execute(ServerCallImpl call, Runnable task) {
        if (Thread.currentThread() == reader && bursts.hasScheduler()) {
            burst.add(call, task);
        } else {
            bursts.execute(task);
        }
    }

    /** Calls dispatched and not yet answered. */
    public int inFlight() {
        return inFlight.get();
    }

    @Override
    public void onData(ByteBuf data) {
        if (broken || closing) {
            data.release();
            return;
        }
        lastReadNanos = clock.getAsLong();
        reader = Thread.currentThread();
        ByteBuf in = cumulation.add(data);
        boolean completed = false; // a frame ended in this read: what is left over began in it
        try {
            do {
                while (!broken && decoder.next(in)) { // broken: the sweep may have closed it meanwhile
                    completed = true;
                    if (!sawFrame) {
                        sawFrame = true;
                    }
                    if (decoder.isPing()) {
                        writeResponse(decoder.seq(), Frames.FLAG_OK, 0, null, null, false);
                    } else {
                        dispatchOne();
                    }
                }
                // A large frame's start moves into a buffer of its exact length; after a large frame, the
                // bytes read past its end are decoded next.
                in = cumulation.next(decoder.pendingFrameLength());
            } while (in != null);
        } catch (FrameException e) {
            faults.warn("connections closed for a bad frame", "closing connection from {}: {}", name, e.getMessage());
            broken = true;
            inputDone = true;
            connection.setAutoRead(false);
            cumulation.release();
        } finally {
            reader = null;
            cumulation.discardRead();
            burst.handOff();
            int n = answeredInBurst + reserved;
            answeredInBurst = 0;
            reserved = 0;
            settle(n);
        }
        // The read timeout is about the frame left incomplete: when a frame ended in this read, the next
        // one began in it, so its wait starts now. (Pipelined requests keep every read ending inside a
        // frame; counting from the first of them closed a busy connection after readTimeout.)
        partialSinceNanos =
                cumulation.size() == 0 ? 0 : (completed || partialSinceNanos == 0 ? lastReadNanos : partialSinceNanos);
        if (!readPaused && inFlight.get() >= config.maxCallsPerConnection()) {
            synchronized (pauseLock) {
                readPaused = true;
                connection.setAutoRead(false);
                if (inFlight.get() <= config.maxCallsPerConnection() / 2) {
                    readPaused = false; // answered meanwhile, by threads that saw no pause to end
                    resumeIfFree();
                }
            }
        }
        if (!serverPaused && limit.isFull()) {
            synchronized (pauseLock) {
                serverPaused = true;
                connection.setAutoRead(false);
            }
            limit.paused(this);
        }
        if (broken) {
            closeWhenAnswered();
        }
    }

    private void dispatchOne() {
        // Most calls carry no blob (the remote API never does): the shared empty buffer then, not a
        // retained slice, which costs a pooled object and two reference-count updates per call. A small
        // msg is copied into the call's own buffer (ServerCallImpl.msgOf): a retained slice is a
        // Recycler object, which Netty pools only on its own threads, not on a virtual-thread reader.
        ServerCallImpl call = obtain();
        long seq = decoder.seq();
        call.open(
                seq,
                decoder.numericAction(),
                decoder.action(),
                call.msgOf(decoder),
                decoder.blobLength() == 0 ? Unpooled.EMPTY_BUFFER : decoder.retainedBlob());
        if (reserved == 0) {
            inFlight.addAndGet(RESERVE);
            limit.acquire(RESERVE);
            reserved = RESERVE;
        }
        reserved--; // this call is counted now, before anyone can answer it
        try {
            dispatch.dispatch(call);
        } catch (Throwable t) {
            LOG.warn("dispatch of seq {} from {} threw; answering {}", seq, name, RpcCode.INTERNAL, t);
            // Only this reader hands calls out, so while we are here an answered call is not yet reused
            // and isAnswered() still speaks of seq.
            if (!call.isAnswered()) {
                try {
                    call.replyError(RpcCode.INTERNAL);
                } catch (IllegalStateException raced) {
                    // answered concurrently by the dispatch's own thread: that answer stands
                }
            }
        }
    }

    /** A free call, or a new one when none is free; reader only. */
    private ServerCallImpl obtain() {
        ServerCallImpl c = free;
        if (c == null) {
            c = returned.getAndSet(null);
            if (c == null) {
                return new ServerCallImpl(this);
            }
        }
        free = c.next;
        c.next = null;
        return c;
    }

    /** Takes back an answered call, from any thread; it is handed out again by {@link #obtain}. */
    void recycle(ServerCallImpl c) {
        if (Thread.currentThread() == reader) {
            c.next = free;
            free = c;
            return;
        }
        ServerCallImpl head;
        do {
            head = returned.get();
            c.next = head;
        } while (!returned.compareAndSet(head, c));
    }

    @Override
    public void onReadComplete() {
        flush();
    }

    @Override
    public void onInputShutdown() {
        inputDone = true;
        if (cumulation.size() > 0) {
            LOG.debug("{} closed its output inside a frame ({} bytes dropped)", name, cumulation.size());
        }
        closeWhenAnswered();
    }

    @Override
    public void onWritabilityChanged(boolean writable) {
        writeBlockedSinceNanos = writable ? 0 : clock.getAsLong() | 1;
        // A peer that does not read its replies must not make us buffer without bound: stop reading
        // its requests until the replies drain.
        synchronized (pauseLock) {
            if (!closing && !broken && !readPaused && !serverPaused) {
                connection.setAutoRead(writable);
            }
        }
    }

    @Override
    public void onClosed(Throwable cause) {
        outLock.lock();
        try {
            closed = true;
            out.release();
        } finally {
            outLock.unlock();
        }
        cumulation.release();
        burst.close(); // its runner, if parked, ends
        limit.forget(this);
        if (cause != null && writeBlockedSinceNanos != 0 && !slowPeerClosed) {
            faults.warn(
                    SLOW_PEER,
                    "connection from {} closed: {} (the client cannot keep up with its replies)",
                    name,
                    cause.toString());
        } else if (cause != null) {
            LOG.debug("connection from {} closed: {}", name, cause.toString());
        }
        ConnectionEvents.closed(connection.remoteAddress(), connection.localAddress(), cause);
        onClosed.accept(this);
    }

    /**
     * Writes a reply; takes ownership of {@code msg} and {@code body} (either may be null).
     *
     * @param counted whether this answers a dispatched call (pings are not counted)
     */
    void writeResponse(long seq, int flag, int word, ByteBuf msg, ByteBuf body, boolean counted) {
        writeResponse(seq, flag, word, msg, body, counted, null);
    }

    /**
     * {@link #writeResponse(long, int, int, ByteBuf, ByteBuf, boolean)}, made on the thread of
     * {@code runner} (when not null) for a call it runs: the flush, and the count of the answer with
     * what follows from it, are left to the runner, which flushes and {@linkplain #settle settles} once
     * after its batch. Counting per batch spares the reader's and the runner's threads a shared counter
     * (two, with the server's) moving between their cores per call.
     */
    void writeResponse(
            long seq, int flag, int word, ByteBuf msg, ByteBuf body, boolean counted, BurstExecutor.Runner runner) {
        outLock.lock();
        try {
            if (closed) {
                release(msg);
                release(body);
                msg = null;
                body = null;
            } else {
                int msgLength = msg == null ? 0 : msg.readableBytes();
                int bodyLength = body == null ? 0 : body.readableBytes();
                if ((long) msgLength + bodyLength > config.maxFrameBytes()) {
                    // The peer would take the frame for a broken stream and drop the connection with every
                    // call on it: this call alone fails instead (spec §5: replaced by rpc_encode).
                    faults.warn(
                            "replies over maxFrameBytes answered rpc_encode",
                            "the reply to seq {} from {} has {} bytes, over maxFrameBytes {}: answering {} instead",
                            seq,
                            name,
                            (long) msgLength + bodyLength,
                            config.maxFrameBytes(),
                            RpcCode.ENCODE);
                    release(msg);
                    release(body);
                    msg = null;
                    body = Unpooled.wrappedBuffer(ENCODE_ERROR);
                    flag = Frames.FLAG_ERROR_STRING;
                    msgLength = 0;
                    bodyLength = body.readableBytes();
                }
                ByteBuf o = out.get(connection.alloc());
                Frames.writeResponseHeader(o, flag, flag == Frames.FLAG_OK ? msgLength : word, seq, bodyLength);
                if (msgLength >= MSG_COPY_LIMIT) {
                    // A large reply message goes out as the buffer it was encoded into, as a blob does: a
                    // copy into the batch would be a second buffer of its size (and grow the batch to it).
                    connection.write(out.take());
                    connection.write(msg);
                    msg = null;
                    unflushed = true;
                    o = null;
                } else if (msgLength > 0) {
                    o.writeBytes(msg, msg.readerIndex(), msgLength);
                }
                if (bodyLength >= BLOB_COPY_LIMIT) {
                    if (o != null) {
                        connection.write(out.take());
                    }
                    connection.write(body);
                    body = null;
                    unflushed = true;
                } else if (bodyLength > 0) {
                    out.get(connection.alloc()).writeBytes(body, body.readerIndex(), bodyLength);
                }
            }
        } finally {
            outLock.unlock();
            release(msg);
            release(body);
        }
        if (runner != null) {
            if (counted) {
                runner.answered++;
            }
            return;
        }
        if (counted && Thread.currentThread() == reader) {
            answeredInBurst++; // settled when the burst ends, which also flushes
            return;
        }
        int left = counted ? inFlight.decrementAndGet() : inFlight.get();
        if (counted) {
            limit.release(1);
        }
        if (Thread.currentThread() != reader) {
            flush();
        }
        answered(left);
    }

    /**
     * A runner of {@link BurstExecutor} flushed the replies of its batch: {@code n} of them answered
     * calls, which count as answered only now (see {@link #writeResponse(long, int, int, ByteBuf, ByteBuf, boolean, BurstExecutor.Runner)}).
     */
    void settle(int n) {
        if (n == 0) {
            return;
        }
        int left = inFlight.addAndGet(-n);
        limit.release(n);
        answered(left);
    }

    /** After answers brought this connection's unanswered calls down to {@code left}. */
    private void answered(int left) {
        if (readPaused && left <= config.maxCallsPerConnection() / 2) {
            synchronized (pauseLock) {
                readPaused = false;
                resumeIfFree();
            }
        }
        if (left == 0 && (inputDone || closing)) {
            closeWhenAnswered();
        }
    }

    /** The server's total of unanswered calls went down enough: read again unless paused otherwise. */
    void resumeFromServerLimit() {
        synchronized (pauseLock) {
            serverPaused = false;
            resumeIfFree();
        }
    }

    /** Under pauseLock: reading resumes when nothing holds it back any more. */
    private void resumeIfFree() {
        if (!readPaused && !serverPaused && !closing && !broken) {
            if (partialSinceNanos != 0) {
                partialSinceNanos = clock.getAsLong(); // the read timeout of a partial frame restarts with reading
            }
            connection.setAutoRead(true);
        }
    }

    /** Hands the batch to the connection and flushes it. */
    public void flush() {
        outLock.lock();
        try {
            if (out.isReadable()) {
                connection.write(out.take());
                unflushed = true;
            }
            if (unflushed) {
                unflushed = false;
                connection.flush();
            }
        } finally {
            outLock.unlock();
        }
    }

    /** Server shutdown: stop reading, answer what was accepted, then close. */
    public void beginClose() {
        closing = true;
        synchronized (pauseLock) { // no resume of reading can overtake this
            connection.setAutoRead(false);
        }
        closeWhenAnswered();
    }

    /** Closes at once; calls still running find their replies dropped. */
    public void abort() {
        connection.abort();
    }

    private void closeWhenAnswered() {
        if (inFlight.get() == 0) {
            flush();
            connection.close();
        }
    }

    /**
     * Called once a second by the server: closes a connection idle longer than {@code idleTimeout},
     * or one whose partial frame waited longer than {@code readTimeout}.
     */
    public void sweep(long now) {
        if (outLock.tryLock()) { // never wait for a sender here: the sweep has other work
            try {
                out.trim(); // an idle connection holds no batch buffer
            } finally {
                outLock.unlock();
            }
        }
        burst.trim(); // nor a parked runner for its synchronous calls
        long partial = partialSinceNanos;
        long blocked = writeBlockedSinceNanos;
        if (blocked != 0 || readPaused || serverPaused) {
            // Reading is paused by the server itself (back-pressure): a partial frame waits for us, not
            // for the peer, so the read timeout counts only from when reading resumes.
            pausedSeenNanos = now;
        }
        if (!sawFrame
                && !broken
                && now - openedNanos > config.firstFrameTimeout().toNanos()) {
            faults.warn(
                    "connections closed for sending no frame in time",
                    "closing connection from {}: no complete frame within firstFrameTimeout {}",
                    name,
                    config.firstFrameTimeout());
            broken = true;
            inputDone = true;
            connection.abort();
        } else if (blocked != 0 && now - blocked > config.writeTimeout().toNanos()) {
            slowPeerClosed = true;
            faults.warn(
                    SLOW_PEER,
                    "closing connection from {}: it left its replies unread for longer than writeTimeout {} "
                            + "(the client cannot keep up)",
                    name,
                    config.writeTimeout());
            broken = true;
            inputDone = true;
            connection.abort(); // the peer reads nothing: what is queued for it cannot go out
        } else if (partial != 0
                && now - Math.max(partial, pausedSeenNanos)
                        > config.readTimeout().toNanos()) {
            faults.warn(
                    "connections closed for an incomplete frame",
                    "closing connection from {}: a frame stayed incomplete longer than readTimeout {}",
                    name,
                    config.readTimeout());
            broken = true;
            inputDone = true;
            connection.setAutoRead(false);
            closeWhenAnswered();
        } else if (inFlight.get() == 0
                && partial == 0
                && now - lastReadNanos > config.idleTimeout().toNanos()) {
            LOG.debug("closing connection from {}: idle longer than {}", name, config.idleTimeout());
            inputDone = true;
            closeWhenAnswered();
        }
    }

    private static void release(ByteBuf b) {
        if (b != null) {
            b.release();
        }
    }

    @Override
    public String toString() {
        return "ServerConnection[" + name + "]";
    }

    /** Who is at the other end (see {@link Connection#peerIdentity()}). */
    PeerIdentity peerIdentity() {
        return connection.peerIdentity();
    }
}
