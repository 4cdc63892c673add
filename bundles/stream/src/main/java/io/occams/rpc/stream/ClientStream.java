package io.occams.rpc.stream;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.buffer.UnpooledHeapByteBuf;
import io.occams.rpc.api.ClientConfig;
import io.occams.rpc.api.RpcAddress;
import io.occams.rpc.api.RpcCode;
import io.occams.rpc.api.RpcException;
import io.occams.rpc.api.spi.Connection;
import io.occams.rpc.api.spi.ConnectionHandler;
import io.occams.rpc.api.spi.Runtime;
import io.occams.rpc.stream.internal.Cumulation;
import io.occams.rpc.stream.internal.ResponseDecoder;
import io.occams.rpc.stream.internal.WriteBatch;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.osgi.annotation.versioning.ProviderType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection: the seed's {@code ClientStream} (spec §5.3), thread-safe.
 *
 * <p>Requests are pipelined: {@link #send} assigns the next sequence number (from 1), writes the frame
 * into a batch buffer and returns; the batch goes out on {@link #flush()}, on {@code send(task, true)},
 * when it grows large, or when the window fills. At most {@link ClientConfig#thresholds()} calls are
 * in flight: a sender beyond that waits (the sliding window). Replies are matched by sequence number,
 * in any order. A call whose timeout passes fails with {@code rpc_timeout} within a few milliseconds of its
 * deadline: the deadlines are kept in order ({@link Deadlines}, no allocation per call) and one timer on the
 * runtime's scheduler is armed for the earliest. A once-a-second sweep only trims idle buffers.
 *
 * <p>Every task sent completes exactly once: with its reply, an error reply, {@code rpc_timeout}, or
 * {@code rpc_io_err} when the connection is lost. {@link #close()} is graceful: calls in flight still
 * get their replies (drain), then the connection closes.
 *
 * <p>Threading: send, flush, ping and close may be called from any thread. Completions run on the
 * connection's reader (or the timer thread for timeouts) and must not block.
 *
 * <pre>{@code
 * ClientStream s = ClientStream.connect(runtime, RpcAddress.parse("127.0.0.1:7000"), ClientConfig.defaults()).join();
 * try (Reply r = s.call(1, msg, null).join()) { ... }
 * s.close();
 * }</pre>
 */
@ProviderType
public final class ClientStream implements Caller, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ClientStream.class);
    private static final int OPEN = 0;
    private static final int CLOSING = 1;
    private static final int CLOSED = 2;
    /** A batch this large is written out even without an explicit flush. */
    private static final int BATCH_LIMIT = 64 * 1024;
    /** Blobs at least this large are handed to the runtime as they are, not copied into the batch. */
    private static final int BLOB_COPY_LIMIT = 4 * 1024;

    private final Runtime runtime;
    private final Connection connection;
    private final ClientConfig config;
    private final RpcAddress address;
    private final Semaphore window;
    private final long defaultTimeoutNanos;

    private final ReentrantLock sendLock = new ReentrantLock();
    /** The frames written since the last flush, in a buffer kept across flushes. */
    @GuardedBy("sendLock")
    private final WriteBatch batch = new WriteBatch(8 * 1024);
    /** Whether anything was handed to the connection since the last flush. */
    @GuardedBy("sendLock")
    private boolean unflushed;

    @GuardedBy("sendLock")
    private long nextSeq = 1;

    /** Tasks submitted while the window was full, oldest first. */
    @GuardedBy("sendLock")
    private final java.util.ArrayDeque<ClientTask> overflow = new java.util.ArrayDeque<>();

    /** The thread inside the handler's onData right now, or null: submits made there flush at the burst's end. */
    private volatile Thread reader;

    /**
     * The thread that ran the last read burst, or null before the first: the connection's event loop on
     * an event-loop runtime (where it never changes), its reader thread on others. Written by the reader
     * only when it changes; read by {@link #isReaderThread()} on any thread.
     */
    private volatile Thread lastReader;

    /**
     * The read bursts running on this thread (of any stream), and the streams whose flush was left for the
     * end of the outermost one: a call submitted from one stream's completion onto another stream (a
     * round-robin pool) is flushed once per burst, not once per call. Thread-confined.
     */
    private static final class Burst {
        int depth;
        ClientStream[] deferred = new ClientStream[4];
        int size;

        void defer(ClientStream s) {
            for (int i = 0; i < size; i++) {
                if (deferred[i] == s) {
                    return;
                }
            }
            if (size == deferred.length) {
                deferred = java.util.Arrays.copyOf(deferred, size * 2);
            }
            deferred[size++] = s;
        }

        /** Flushes what was deferred, when the outermost burst ends. */
        void end() {
            if (--depth > 0) {
                return;
            }
            // A flush may run completions inline on some runtime and defer again: take the list as it grows.
            depth++;
            try {
                for (int i = 0; i < size; i++) {
                    ClientStream s = deferred[i];
                    deferred[i] = null;
                    try {
                        s.flush();
                    } catch (RuntimeException e) {
                        LOG.warn("{}: deferred flush failed", s.address, e);
                    }
                }
                size = 0;
            } finally {
                depth--;
            }
        }
    }

    private static final ThreadLocal<Burst> BURST = ThreadLocal.withInitial(Burst::new);

    /**
     * The current thread's burst when it is inside some stream's read burst (not this stream's: its
     * own reader is checked first, without the thread-local), else null.
     */
    private static Burst otherBurst() {
        Burst b = BURST.get();
        return b.depth > 0 ? b : null;
    }

    /**
     * Window permits that replies of the current read burst freed, not yet given back to {@link #window}:
     * a call submitted on the reader during the burst (a completion sending the next call) takes one of
     * these first, and what is left goes back to the window once, when the burst ends. In a closed loop
     * that spares every call a compare-and-set on the window's release and another on its acquire.
     * Reader-confined: touched only on the thread in {@link #reader}, while it is there.
     */
    private int readerPermits;

    /** Whether {@link #overflow} may be non-empty; lets the reader skip the lock when it is not. */
    private volatile boolean hasOverflow;

    /** Tasks sent and not yet completed, by seq. Whoever removes a task completes it. */
    @GuardedBy("pending")
    private final SeqTable pending = new SeqTable();

    // Reader-confined: only the connection's handler callbacks touch these.
    private final Cumulation cumulation;
    private final ResponseDecoder decoder;

    /** OPEN, CLOSING or CLOSED; written under sendLock, read anywhere. */
    private volatile int state = OPEN;

    private final CompletableFuture<Void> closeFuture = new CompletableFuture<>();
    private volatile java.util.concurrent.ScheduledFuture<?> sweep;
    /** Where time comes from: {@link System#nanoTime()}, or a test's manual clock. */
    private final java.util.function.LongSupplier clock;
    /** The deadlines of the tasks in {@link #pending}. */
    @GuardedBy("pending")
    private final Deadlines deadlines = new Deadlines();
    /** The timer armed for the earliest deadline, or null. */
    @GuardedBy("pending")
    private java.util.concurrent.ScheduledFuture<?> deadlineTimer;
    /** The deadline {@link #deadlineTimer} is armed for. */
    @GuardedBy("pending")
    private long armedFor;
    /** The timer runs at most this often: deadlines this close together fail in one run, late by at most this. */
    private static final long COALESCE_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

    private final Runnable expireTask = this::expireDeadlines;

    private ClientStream(
            Runtime runtime,
            Connection connection,
            ClientConfig config,
            RpcAddress address,
            java.util.function.LongSupplier clock) {
        this.clock = clock;
        this.runtime = runtime;
        this.connection = connection;
        this.config = config;
        this.address = address;
        this.window = new Semaphore(config.thresholds());
        this.defaultTimeoutNanos = config.taskTimeout().toNanos();
        this.cumulation = new Cumulation(connection.alloc());
        this.decoder = new ResponseDecoder(config.maxFrameBytes());
    }

    /**
     * Connects to {@code address} through {@code runtime}. The future fails with an
     * {@link RpcException} {@code rpc_unreachable} when the address cannot be reached.
     */
    public static CompletableFuture<ClientStream> connect(Runtime runtime, RpcAddress address, ClientConfig config) {
        return connect(runtime, address, config, System::nanoTime);
    }

    /**
     * {@link #connect(Runtime, RpcAddress, ClientConfig)} with the clock its deadlines and its sweep measure
     * time on, in nanoseconds as {@link System#nanoTime()}: for tests on a manual clock (testkit's
     * {@code ManualScheduler}, also given as the runtime's scheduler), whose timeouts fire on its tick.
     */
    public static CompletableFuture<ClientStream> connect(
            Runtime runtime, RpcAddress address, ClientConfig config, java.util.function.LongSupplier clock) {
        ClientStream[] made = new ClientStream[1];
        CompletableFuture<Connection> c;
        try {
            c = runtime.connect(
                    address,
                    config.connectTimeout(),
                    conn -> {
                        ClientStream s = new ClientStream(runtime, conn, config, address, clock);
                        made[0] = s;
                        return s.handler();
                    },
                    config.tls() == null ? null : config.tls().context());
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(
                    new RpcException(RpcCode.UNREACHABLE, address + ": " + e.getMessage(), e));
        }
        return c.handle((conn, err) -> {
            if (err != null) {
                Throwable cause = err instanceof java.util.concurrent.CompletionException && err.getCause() != null
                        ? err.getCause()
                        : err;
                throw new RpcException(RpcCode.UNREACHABLE, address + ": " + cause, cause);
            }
            ClientStream s = made[0];
            s.startSweep();
            return s;
        });
    }

    private void startSweep() {
        try {
            sweep = runtime.scheduler().scheduleAtFixedRate(this::sweepTimeouts, 1, 1, TimeUnit.SECONDS);
        } catch (RuntimeException e) {
            LOG.warn("{}: cannot schedule the timeout sweep; closing", address, e);
            connection.abort();
        }
    }

    /** The address this stream is connected to. */
    public RpcAddress address() {
        return address;
    }

    /** The configuration in force. */
    public ClientConfig config() {
        return config;
    }

    /**
     * Sends {@code task}: assigns its seq, writes its frame into the batch, and flushes when
     * {@code flush} is true, the batch is large, or the window is full. Blocks while
     * {@code thresholds} calls are in flight (after flushing, so they can complete). When the stream
     * is closed or the task cannot be encoded, the task is completed with the failure instead.
     */
    public void send(ClientTask task, boolean flush) {
        if (task.state == ClientTask.SENT) {
            throw new IllegalStateException("task already sent and not yet completed");
        }
        task.state = ClientTask.SENT;
        if (!acquirePermit(Thread.currentThread() == reader)) {
            flush();
            try {
                window.acquire();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                releaseBlob(task);
                completeFailure(task, new RpcException(RpcCode.INTERNAL, "interrupted while waiting for the window"));
                return;
            }
        }
        sendLock.lock();
        try {
            if (state != OPEN) {
                releaseBlob(task);
                window.release();
                completeFailure(task, new RpcException(RpcCode.IO, address + ": stream is closed"));
                return;
            }
            writeLocked(task, flush, Thread.currentThread() == reader);
        } finally {
            sendLock.unlock();
        }
    }

    /**
     * Writes one task's frame into the batch and registers it; the caller holds {@code sendLock} and a
     * window permit, which this gives back if the task fails to encode. {@code inBurst}: a read burst
     * will flush this stream when it ends, so a full window need not flush now.
     */
    @GuardedBy("sendLock")
    private void writeLocked(ClientTask task, boolean flush, boolean inBurst) {
        ByteBuf out = batch();
        int start = out.writerIndex();
        ByteBuf blob = null;
        int msgLength;
        try {
            blob = task.takeBlob();
            int blobLength = blob == null ? 0 : blob.readableBytes();
            long seq = nextSeq;
            Frames.writeRequestHeader(out, task.rawAction, seq, config.clientId(), 0, blobLength);
            if (task.actionBytes != null) {
                out.writeBytes(task.actionBytes);
            }
            int msgStart = out.writerIndex();
            task.encodeMsg(out);
            msgLength = out.writerIndex() - msgStart;
            if ((long) msgLength + blobLength > config.maxFrameBytes()) {
                throw new RpcException(
                        RpcCode.ENCODE,
                        "msg " + msgLength + " + blob " + blobLength + " bytes exceed maxFrameBytes "
                                + config.maxFrameBytes());
            }
            out.setIntLE(start + 24, msgLength);
            nextSeq = seq + 1;
            task.seq = seq;
            long timeout = task.timeoutNanos > 0 ? task.timeoutNanos : defaultTimeoutNanos;
            task.deadlineNanos = clock.getAsLong() + timeout;
        } catch (Throwable t) {
            out.writerIndex(start);
            if (blob != null) {
                blob.release();
            }
            window.release();
            RpcException e = t instanceof RpcException
                    ? (RpcException) t
                    : new RpcException(RpcCode.ENCODE, "cannot encode the request: " + t, t);
            completeFailure(task, e);
            return;
        }
        synchronized (pending) {
            pending.put(task);
            addDeadline(task);
        }
        if (blob != null) {
            if (blob.readableBytes() >= BLOB_COPY_LIMIT) {
                connection.write(batch.take());
                connection.write(blob);
                unflushed = true;
            } else {
                out.writeBytes(blob);
                blob.release();
            }
        }
        // A full window goes out at once so that its calls can complete, except on the reader: its read
        // burst ends with a flush anyway, and flushing here would cost a write per call in a closed loop
        // that keeps the window exactly full (a completion frees one permit, the next call takes it).
        if (flush
                || (batch.current() != null && batch.current().readableBytes() >= BATCH_LIMIT)
                || (window.availablePermits() == 0 && !inBurst)) {
            flushLocked();
        }
    }

    /**
     * Sends {@code task} without ever blocking: when the window is full it waits in a queue and goes
     * out as replies free the window. Flushes unless other threads are already waiting to send, so
     * that concurrent callers share one flush (the last one flushes for all).
     */
    @Override
    public void submit(ClientTask task) {
        if (task.state == ClientTask.SENT) {
            throw new IllegalStateException("task already sent and not yet completed");
        }
        task.state = ClientTask.SENT;
        sendLock.lock();
        try {
            if (state != OPEN) {
                releaseBlob(task);
                completeFailure(task, new RpcException(RpcCode.IO, address + ": stream is closed"));
                return;
            }
            // A call made from a completion waits for the end of the read burst, so a closed loop of calls
            // costs one flush per burst: on this stream's reader its own burst flushes; inside another
            // stream's burst on this thread (a pool spreading calls over connections) that burst flushes
            // this stream when it ends. Elsewhere the last of the threads queued on the lock flushes for all.
            boolean onReader = Thread.currentThread() == reader;
            Burst other = onReader ? null : otherBurst();
            boolean deferred = onReader || other != null;
            if (other != null) {
                other.defer(this);
            }
            if (!overflow.isEmpty() || !acquirePermit(onReader)) {
                overflow.addLast(task);
                hasOverflow = true;
                if (!deferred) {
                    flushLocked();
                }
                return;
            }
            writeLocked(task, !deferred && !sendLock.hasQueuedThreads(), deferred);
        } finally {
            sendLock.unlock();
        }
    }

    /** A window permit without waiting: on the reader one its burst freed if any, else the window's. */
    private boolean acquirePermit(boolean onReader) {
        if (onReader && readerPermits > 0) {
            readerPermits--;
            return true;
        }
        return window.tryAcquire();
    }

    /** Moves queued tasks into the window as it frees up; called after completions. */
    private void drainOverflow() {
        sendLock.lock();
        try {
            boolean wrote = false;
            while (!overflow.isEmpty() && state == OPEN && window.tryAcquire()) {
                writeLocked(overflow.pollFirst(), false, true);
                wrote = true;
            }
            hasOverflow = !overflow.isEmpty();
            if (wrote) {
                flushLocked();
            }
        } finally {
            sendLock.unlock();
        }
    }

    @Override
    public boolean isHealthy() {
        return state == OPEN;
    }

    /**
     * Whether the calling thread is the one that reads this stream's replies (its last read burst ran
     * here): a call submitted from there is written and flushed by that thread itself, with no hand-off
     * to another thread. Any thread; false before the first reply.
     */
    public boolean isReaderThread() {
        return Thread.currentThread() == lastReader;
    }

    /** Sends everything written so far. */
    public void flush() {
        sendLock.lock();
        try {
            flushLocked();
        } finally {
            sendLock.unlock();
        }
    }

    @GuardedBy("sendLock")
    private void flushLocked() {
        if (batch.isReadable()) {
            connection.write(batch.take());
            unflushed = true;
        }
        if (unflushed) {
            unflushed = false;
            connection.flush();
        }
    }

    @GuardedBy("sendLock")
    private ByteBuf batch() {
        return batch.get(connection.alloc());
    }

    /**
     * Sends a request and flushes; the future completes with the {@link Reply} (which the caller
     * closes), or exceptionally with an {@link RpcException}: the framework code, or for a user error
     * {@link RpcException#errno()} / {@link RpcException#errorBytes()}.
     *
     * @param msg the structured message, taken (released by the stream); may be null
     * @param blob the raw blob, taken; may be null
     */
    public CompletableFuture<Reply> call(int action, ByteBuf msg, ByteBuf blob) {
        return call(new FutureTask(action, msg, blob));
    }

    /** {@link #call(int, ByteBuf, ByteBuf)} with a string action. */
    public CompletableFuture<Reply> call(String action, ByteBuf msg, ByteBuf blob) {
        return call(new FutureTask(action, msg, blob));
    }

    private CompletableFuture<Reply> call(FutureTask t) {
        send(t, true);
        return t.future;
    }

    /**
     * Sends a ping and flushes. Unlike the seed, the pong is awaited: the future completes with the
     * round-trip time when the peer answers, or fails with {@code rpc_timeout} / {@code rpc_io_err}.
     * Pings use the same seq counter as calls and do not count in the window.
     */
    public CompletableFuture<Duration> ping() {
        PingTask p = new PingTask();
        p.state = ClientTask.SENT;
        sendLock.lock();
        try {
            if (state != OPEN) {
                p.future.completeExceptionally(new RpcException(RpcCode.IO, address + ": stream is closed"));
                return p.future;
            }
            long seq = nextSeq++;
            p.seq = seq;
            p.sentNanos = System.nanoTime();
            p.deadlineNanos = clock.getAsLong() + defaultTimeoutNanos;
            synchronized (pending) {
                pending.put(p);
                addDeadline(p);
            }
            Frames.writePing(batch(), seq, config.clientId());
            flushLocked();
        } finally {
            sendLock.unlock();
        }
        return p.future;
    }

    /** How many calls are in flight (sent, not completed), pings included. */
    public int inFlight() {
        synchronized (pending) {
            return pending.size();
        }
    }

    /** Whether a send would wait for the window now. */
    public boolean windowFull() {
        return window.availablePermits() == 0;
    }

    /** Whether the stream no longer accepts calls (closing or closed). */
    public boolean isClosed() {
        return state != OPEN;
    }

    /** Completes when the connection is closed and every call has completed. */
    public CompletableFuture<Void> closeFuture() {
        return closeFuture;
    }

    /**
     * Graceful close: no new calls; what is written is flushed; the output is shut down; calls in
     * flight still receive their replies (or time out); then the connection closes. Idempotent;
     * returns at once (see {@link #closeFuture()}).
     */
    @Override
    public void close() {
        sendLock.lock();
        try {
            if (state != OPEN) {
                return;
            }
            state = CLOSING;
            flushLocked();
            failOverflowLocked("stream closed before the call was sent");
        } finally {
            sendLock.unlock();
        }
        window.release(1 << 20); // wake senders waiting for the window: they see CLOSING and fail fast
        connection.shutdownOutput();
        closeIfDrained();
    }

    /** Closes at once: every call in flight fails with {@code rpc_io_err}. Idempotent. */
    public void abort() {
        sendLock.lock();
        try {
            if (state == OPEN) {
                state = CLOSING;
            }
            failOverflowLocked("stream aborted before the call was sent");
        } finally {
            sendLock.unlock();
        }
        window.release(1 << 20);
        connection.abort();
    }

    @GuardedBy("sendLock")
    private void failOverflowLocked(String why) {
        ClientTask t;
        while ((t = overflow.pollFirst()) != null) {
            releaseBlob(t);
            completeFailure(t, new RpcException(RpcCode.IO, address + ": " + why));
        }
        hasOverflow = false;
    }

    private void closeIfDrained() {
        if (state == CLOSING) {
            boolean empty;
            synchronized (pending) {
                empty = pending.isEmpty();
            }
            if (empty) {
                connection.close();
            }
        }
    }

    /** Once a second: an idle stream holds no batch buffer. Deadlines have their own timer. */
    private void sweepTimeouts() {
        if (sendLock.tryLock()) { // never wait for a sender here: the sweep has other work
            try {
                batch.trim();
            } finally {
                sendLock.unlock();
            }
        }
    }

    /** Registers {@code t}'s deadline and arms the timer when it is the earliest. */
    @GuardedBy("pending")
    private void addDeadline(ClientTask t) {
        deadlines.add(t);
        if (deadlineTimer == null || t.deadlineNanos - armedFor < 0) {
            arm(t.deadlineNanos);
        }
    }

    @GuardedBy("pending")
    private void arm(long deadline) {
        if (deadlineTimer != null) {
            deadlineTimer.cancel(false);
        }
        armedFor = deadline;
        try {
            deadlineTimer = runtime.scheduler()
                    .schedule(expireTask, Math.max(0, deadline - clock.getAsLong()), TimeUnit.NANOSECONDS);
        } catch (RuntimeException e) { // the runtime is shutting down: the connection goes with it
            deadlineTimer = null;
            LOG.debug("{}: cannot arm the deadline timer", address, e);
        }
    }

    /** On the scheduler: fails the calls whose deadline passed, then arms the timer for the next one. */
    private void expireDeadlines() {
        long now = clock.getAsLong();
        List<ClientTask> expired = null;
        synchronized (pending) {
            deadlineTimer = null;
            ClientTask t;
            while ((t = deadlines.pollExpired(now)) != null) {
                pending.remove(t.seq);
                if (expired == null) {
                    expired = new ArrayList<>();
                }
                expired.add(t);
            }
            if (!deadlines.isEmpty()) {
                // Not sooner than a few ms from now: a run of deadlines close together fails in one go.
                long next = deadlines.earliest();
                arm(next - (now + COALESCE_NANOS) < 0 ? now + COALESCE_NANOS : next);
            }
        }
        if (expired != null) {
            for (ClientTask t : expired) {
                finishOne(t);
                completeFailure(
                        t, new RpcException(RpcCode.TIMEOUT, address + ": no reply to seq " + t.seq + " in time"));
            }
            if (hasOverflow) {
                drainOverflow();
            }
            closeIfDrained();
        }
    }

    /** Accounting for a task taken out of {@code pending}: its window permit. */
    private void finishOne(ClientTask t) {
        if (!(t instanceof PingTask)) {
            window.release();
        }
    }

    private static void releaseBlob(ClientTask task) {
        try {
            ByteBuf b = task.takeBlob();
            if (b != null) {
                b.release();
            }
        } catch (RuntimeException e) {
            LOG.debug("takeBlob failed while failing a task", e);
        }
    }

    private static void completeFailure(ClientTask t, RpcException e) {
        t.state = ClientTask.DONE;
        try {
            t.onFailure(e);
        } catch (Throwable x) {
            LOG.warn("a task's onFailure threw", x);
        }
    }

    private ConnectionHandler handler() {
        return new Handler();
    }

    /** Runs on the connection's reader. */
    private final class Handler implements ConnectionHandler {
        /** The reader's reused copy of small reply msgs ({@link #replyMsg}); reader-confined. */
        private ByteBuf ownMsg;

        @Override
        public void onData(ByteBuf data) {
            Burst burst = BURST.get();
            burst.depth++;
            try {
                onData0(data);
            } finally {
                burst.end();
            }
        }

        private void onData0(ByteBuf data) {
            Thread self = Thread.currentThread();
            reader = self;
            if (lastReader != self) {
                lastReader = self;
            }
            ByteBuf in = cumulation.add(data);
            boolean completed = false;
            try {
                while (decoder.next(in)) {
                    ClientTask t;
                    synchronized (pending) {
                        t = pending.remove(decoder.seq());
                        if (t != null) {
                            deadlines.remove(t);
                        }
                    }
                    if (t == null) {
                        LOG.debug("{}: reply to unknown seq {} (timed out or stray); skipped", address, decoder.seq());
                        continue;
                    }
                    if (!(t instanceof PingTask)) {
                        readerPermits++; // given back to the window when the burst ends, unless taken before
                    }
                    deliver(t);
                    completed = true;
                }
            } catch (FrameException e) {
                LOG.warn("{}: closing the connection: {}", address, e.getMessage());
                connection.abort();
            } finally {
                cumulation.discardRead();
                int permits = readerPermits;
                if (permits > 0) {
                    readerPermits = 0;
                    window.release(permits);
                }
            }
            reader = null;
            if (completed && hasOverflow) {
                drainOverflow();
            }
            if (completed) {
                flush(); // what completions sent during the burst
            }
            if (state == CLOSING) {
                closeIfDrained();
            }
        }

        /**
         * The msg of an ok reply, as the task borrows it. A msg of at most 256 bytes ({@code MSG_COPY_LIMIT})
         * is copied into one heap buffer this reader keeps and reuses, not handed out as a slice of the
         * read buffer: a slice is a new object per reply wherever escape analysis does not remove it, and
         * on a leak-tracked read buffer a second wrapper too (JFR of RoundTripBench, issue 21). A task that
         * retained the buffer keeps it: the next reply then gets a new one.
         */
        private ByteBuf replyMsg() {
            int length = decoder.msgLength();
            if (length == 0 || length > MSG_COPY_LIMIT) {
                return decoder.msg();
            }
            ByteBuf o = ownMsg;
            if (o == null || o.refCnt() != 1) {
                if (o != null && o.refCnt() > 0) {
                    o.release(); // the task's own reference keeps it alive for the task
                }
                o = ownMsg = new UnpooledHeapByteBuf(UnpooledByteBufAllocator.DEFAULT, MSG_COPY_LIMIT, MSG_COPY_LIMIT);
            }
            o.clear();
            decoder.copyMsgTo(o);
            return o;
        }

        private void deliver(ClientTask t) {
            t.state = ClientTask.DONE;
            try {
                switch (decoder.flag()) {
                    case Frames.FLAG_OK:
                        t.onReply(replyMsg(), decoder.blob());
                        break;
                    case Frames.FLAG_ERRNO:
                        t.onErrno(decoder.errno());
                        break;
                    default:
                        RpcCode code = internalCode();
                        if (code != null) {
                            t.onFailure(new RpcException(code, "peer answered " + code.wireName()));
                        } else {
                            t.onErrorString(decoder.blob());
                        }
                }
            } catch (Throwable x) {
                LOG.warn("{}: a task's completion threw", address, x);
            }
        }

        private RpcCode internalCode() {
            if (decoder.blobLength() < 4 || decoder.blobLength() > 24) {
                return null;
            }
            for (RpcCode c : CODES) {
                if (decoder.errorTextEquals(CODE_BYTES[c.ordinal()])) {
                    return c;
                }
            }
            return null;
        }

        @Override
        public void onReadComplete() {}

        @Override
        public void onInputShutdown() {
            // The peer will send no more replies: whatever is pending now can never complete.
            connection.close();
        }

        @Override
        public void onWritabilityChanged(boolean writable) {}

        @Override
        public void onClosed(Throwable cause) {
            sendLock.lock();
            try {
                state = CLOSED;
                failOverflowLocked("connection closed before the call was sent");
                batch.release();
            } finally {
                sendLock.unlock();
            }
            java.util.concurrent.ScheduledFuture<?> s = sweep;
            if (s != null) {
                s.cancel(false);
            }
            cumulation.release();
            List<ClientTask> lost = new ArrayList<>();
            synchronized (pending) {
                pending.drainTo(lost);
                deadlines.clear();
                if (deadlineTimer != null) {
                    deadlineTimer.cancel(false);
                    deadlineTimer = null;
                }
            }
            RpcException io = new RpcException(
                    RpcCode.IO, address + ": connection closed" + (cause != null ? ": " + cause : ""), cause);
            for (ClientTask t : lost) {
                finishOne(t);
                completeFailure(t, io);
            }
            window.release(1 << 20);
            if (cause != null && !lost.isEmpty()) {
                LOG.debug("{}: connection lost with {} calls in flight", address, lost.size(), cause);
            }
            closeFuture.complete(null);
        }
    }

    /** Reply msgs up to this many bytes are handed to the task as a copy in a reused buffer. */
    static final int MSG_COPY_LIMIT = 256;

    private static final RpcCode[] CODES = RpcCode.values();
    private static final byte[][] CODE_BYTES = new byte[CODES.length][];

    static {
        for (RpcCode c : CODES) {
            CODE_BYTES[c.ordinal()] = c.wireBytes();
        }
    }

    /** The task behind {@link #call}: completes a future with a {@link Reply}. */
    private static final class FutureTask extends ClientTask {
        final CompletableFuture<Reply> future = new CompletableFuture<>();
        private ByteBuf msg;
        private ByteBuf blob;

        FutureTask(int action, ByteBuf msg, ByteBuf blob) {
            super(action);
            this.msg = msg;
            this.blob = blob;
        }

        FutureTask(String action, ByteBuf msg, ByteBuf blob) {
            super(action);
            this.msg = msg;
            this.blob = blob;
        }

        @Override
        public void encodeMsg(ByteBuf out) {
            ByteBuf m = msg;
            msg = null;
            if (m != null) {
                try {
                    out.writeBytes(m, m.readerIndex(), m.readableBytes());
                } finally {
                    m.release();
                }
            }
        }

        @Override
        public ByteBuf takeBlob() {
            ByteBuf b = blob;
            blob = null;
            return b;
        }

        @Override
        public void onReply(ByteBuf m, ByteBuf b) {
            // A small msg is copied, not retained: the borrowed msg is then the reader's reused buffer.
            future.complete(new Reply(
                    !m.isReadable()
                            ? Unpooled.EMPTY_BUFFER
                            : m.readableBytes() <= MSG_COPY_LIMIT ? m.copy() : m.retainedSlice(),
                    b.isReadable() ? b.retainedSlice() : Unpooled.EMPTY_BUFFER));
        }

        @Override
        public void onErrno(int errno) {
            future.completeExceptionally(RpcException.unmappedErrno(errno & 0xFFFF_FFFFL));
        }

        @Override
        public void onErrorString(ByteBuf text) {
            byte[] b = new byte[text.readableBytes()];
            text.getBytes(text.readerIndex(), b);
            future.completeExceptionally(RpcException.unmappedString(b));
        }

        @Override
        public void onFailure(RpcException failure) {
            if (msg != null) {
                msg.release();
                msg = null;
            }
            future.completeExceptionally(failure);
        }
    }

    /** A ping: completes with the round-trip time. */
    private static final class PingTask extends ClientTask {
        final CompletableFuture<Duration> future = new CompletableFuture<>();
        long sentNanos;

        PingTask() {
            super(Frames.PING_ACTION);
        }

        @Override
        public void onReply(ByteBuf msg, ByteBuf blob) {
            future.complete(Duration.ofNanos(System.nanoTime() - sentNanos));
        }

        @Override
        public void onErrno(int errno) {
            future.completeExceptionally(new RpcException(RpcCode.DECODE, "ping answered with errno " + errno));
        }

        @Override
        public void onErrorString(ByteBuf text) {
            future.completeExceptionally(new RpcException(RpcCode.DECODE, "ping answered with an error string"));
        }

        @Override
        public void onFailure(RpcException failure) {
            future.completeExceptionally(failure);
        }
    }
}
