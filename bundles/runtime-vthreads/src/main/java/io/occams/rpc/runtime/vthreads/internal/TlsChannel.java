package io.occams.rpc.runtime.vthreads.internal;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.occams.rpc.api.PeerIdentity;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;

/**
 * TLS over one blocking {@link SocketChannel}: the JDK's {@link SSLEngine} between a {@link VtConnection}
 * and its socket. {@link #handshake()} runs first, on the thread that set the connection up; then the
 * connection's reader calls {@link #read} (unwrap) and its writer (or an inline flush) calls
 * {@link #write} (wrap), at the same time: each side has its own lock and buffers (the JDK's engine
 * itself runs one wrap or unwrap at a time, under a lock of its own, so each holds it for one record).
 *
 * <p>No carrier thread is pinned: the locks are {@link ReentrantLock}s and every wait is a blocking
 * channel call, which parks a virtual thread. A handshake is bounded by whoever started it closing the
 * channel (the runtime's handshake timeout); a read or write in progress then fails.
 *
 * <p>Buffers: the ciphertext read ({@link #netIn}, four records per socket read at first, growing up
 * to {@value #MAX_READ_RECORDS} while reads keep filling it) and the plaintext of a record that did not
 * fit the reader's buffer ({@link #appIn}) belong to the reader (records are unwrapped straight into the
 * reader's buffer when it has room); the ciphertext to send ({@link #netOut}, four records at first,
 * growing up to {@value #MAX_WRITE_RECORDS} for larger batches) to the writer. Larger buffers mean
 * fewer socket calls for large messages, and each call on loopback also pays for waking the peer. Only
 * connections that carry large messages grow them. All are heap buffers: the JDK's AES-GCM is
 * fastest on arrays (it decrypts in place in {@link #netIn} and encrypts in place in {@link #netOut}),
 * and a heap buffer costs no native memory per idle connection.
 */
public final class TlsChannel {
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);
    /** The most plaintext one TLS record carries. */
    private static final int RECORD_PLAINTEXT = 16384;
    /** Records per write call (each up to 16 KiB of plaintext). */
    private static final int RECORDS_PER_WRITE = 4;
    /** Records one socket read brings in at first (a 64 KiB blob is four). */
    private static final int READ_RECORDS = 4;
    /**
     * Records one write call may carry: {@link #netOut} grows up to this many when a batch is larger
     * than it, so that a batch of 64 KiB blobs goes out in one write call (as a plaintext gathering
     * write does) rather than one call per four records, each waking the peer's reader.
     */
    static final int MAX_WRITE_RECORDS = 16;
    /** Records one socket read may bring in: {@link #netIn} grows up to this many while reads fill it. */
    static final int MAX_READ_RECORDS = 16;

    private final SocketChannel channel;
    private final SSLEngine engine;
    /** Held by the reader (and a handshake); guards netIn, appIn and inputDone. */
    private final ReentrantLock readLock = new ReentrantLock();
    /** Held by the writer, an inline flush, shutdownOutput, and handshake writes; guards netOut. */
    private final ReentrantLock writeLock = new ReentrantLock();
    /** Ciphertext read and not yet unwrapped; in read mode (position..limit). */
    @GuardedBy("readLock")
    private ByteBuffer netIn;
    /** Plaintext unwrapped and not yet handed to the reader; in read mode. */
    @GuardedBy("readLock")
    private ByteBuffer appIn;
    /**
     * Ciphertext to send; in write mode when empty, in read mode while {@link #pendingOut}.
     */
    @GuardedBy("writeLock")
    private ByteBuffer netOut;
    /** netOut holds ciphertext the socket has not taken yet (read mode). */
    @GuardedBy("writeLock")
    private boolean pendingOut;
    /**
     * Plaintext bytes already encrypted (into {@link #netOut}) but reported to the caller as not
     * consumed, so that the caller offers them again and so comes back to send the pending ciphertext;
     * the next {@link #write} skips them.
     */
    @GuardedBy("writeLock")
    private int owed;
    /** The sources' positions before a wrap (to hand back the held-back byte). */
    @GuardedBy("writeLock")
    private int[] starts = new int[16];
    /** The peer sent close_notify or the socket hit end-of-stream. */
    @GuardedBy("readLock")
    private boolean inputDone;
    /**
     * The session's application buffer size (what one record can unwrap to), kept here: asking the
     * JDK's engine takes the lock its wrap and unwrap hold. Re-read on an overflow.
     */
    @GuardedBy("readLock")
    private int appSize;
    /** The last socket read filled {@link #netIn}: the next one gets a larger buffer (up to a limit). */
    @GuardedBy("readLock")
    private boolean netInFilled;
    /** The session's packet buffer size, as the reader last read it (bounds {@link #netIn}'s growth). */
    @GuardedBy("readLock")
    private int packetIn;
    /** The session's packet buffer size (one record's ciphertext), kept likewise. */
    @GuardedBy("writeLock")
    private int packetSize;
    /** {@link #sendDueWrap} was started and has not taken the write lock yet. */
    private final AtomicBoolean wrapDue = new AtomicBoolean();
    /** Set once the handshake finished; read by any thread. */
    private volatile PeerIdentity peer = PeerIdentity.ANONYMOUS;

    public TlsChannel(SocketChannel channel, SSLEngine engine) {
        this.channel = channel;
        this.engine = engine;
        int packet = engine.getSession().getPacketBufferSize();
        this.packetSize = packet;
        this.packetIn = packet;
        this.appSize = engine.getSession().getApplicationBufferSize();
        this.netIn = ByteBuffer.allocate(packet * READ_RECORDS).flip();
        this.appIn = ByteBuffer.allocate(appSize).flip();
        this.netOut = ByteBuffer.allocate(packet * RECORDS_PER_WRITE);
    }

    /** The engine (its session tells the protocol and cipher suite). */
    public SSLEngine engine() {
        return engine;
    }

    /** The peer's certificate identity, known once {@link #handshake()} returned. */
    public PeerIdentity peerIdentity() {
        return peer;
    }

    /**
     * Runs the handshake to its end, blocking. Bounded only by the channel being closed (the caller's
     * timeout): then it throws.
     *
     * @throws SSLException when the handshake fails (an alert, a certificate not trusted, a plaintext peer)
     * @throws IOException when the socket fails or the peer closes first
     */
    public void handshake() throws IOException {
        readLock.lock();
        try {
            engine.beginHandshake();
            HandshakeStatus hs = engine.getHandshakeStatus();
            boolean finished = false;
            while (true) {
                switch (hs) {
                    case NEED_WRAP -> hs = wrapHandshake();
                    case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> hs = unwrapHandshake();
                    case NEED_TASK -> {
                        runTasks();
                        hs = engine.getHandshakeStatus();
                    }
                    case FINISHED -> {
                        finished = true;
                        hs = engine.getHandshakeStatus();
                        if (hs != HandshakeStatus.NEED_WRAP && hs != HandshakeStatus.NEED_TASK) {
                            hs = HandshakeStatus.NOT_HANDSHAKING;
                        }
                    }
                    case NOT_HANDSHAKING -> {
                        if (engine.isOutboundDone() || engine.isInboundDone()) {
                            throw new SSLHandshakeException("TLS was closed during the handshake");
                        }
                        peer = PeerIdentity.of(engine.getSession());
                        return;
                    }
                    default ->
                        throw new SSLException(
                                "unexpected handshake status " + hs + (finished ? " after finishing" : ""));
                }
            }
        } catch (SSLException e) {
            sendAlert();
            throw e;
        } finally {
            readLock.unlock();
        }
    }

    /** Best effort after a failed handshake: the alert the engine has for the peer (why we refuse it). */
    private void sendAlert() {
        try {
            engine.closeOutbound();
            writeLock.lock();
            try {
                drainPending();
                netOut.clear();
                for (int i = 0; i < 4 && !engine.isOutboundDone(); i++) {
                    if (engine.wrap(EMPTY, netOut).bytesProduced() == 0) {
                        break;
                    }
                }
                netOut.flip();
                writeFully(netOut);
            } finally {
                writeLock.unlock();
            }
        } catch (IOException | RuntimeException ignored) {
            // the connection is closed next anyway
        }
    }

    @GuardedBy("readLock")
    private HandshakeStatus unwrapHandshake() throws IOException {
        while (true) {
            appIn.compact();
            SSLEngineResult r;
            try {
                r = engine.unwrap(netIn, appIn);
            } finally {
                appIn.flip();
            }
            switch (r.getStatus()) {
                case OK:
                    return r.getHandshakeStatus();
                case BUFFER_UNDERFLOW:
                    if (!readMore()) {
                        throw new SSLHandshakeException("the peer closed the connection during the handshake");
                    }
                    break;
                case BUFFER_OVERFLOW:
                    appSize = Math.max(appSize, engine.getSession().getApplicationBufferSize());
                    appIn = grow(appIn, appSize);
                    break;
                default:
                    throw new SSLHandshakeException("the peer closed TLS during the handshake");
            }
        }
    }

    private HandshakeStatus wrapHandshake() throws IOException {
        writeLock.lock();
        try {
            drainPending();
            netOut.clear();
            SSLEngineResult r;
            while (true) {
                r = engine.wrap(EMPTY, netOut);
                if (r.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
                    netOut = ByteBuffer.allocate(netOut.capacity() * 2);
                    continue;
                }
                break;
            }
            netOut.flip();
            writeFully(netOut);
            return r.getHandshakeStatus();
        } finally {
            writeLock.unlock();
        }
    }

    private void runTasks() {
        Runnable task;
        while ((task = engine.getDelegatedTask()) != null) {
            task.run();
        }
    }

    /** Reads more ciphertext into {@link #netIn}; false at end-of-stream. */
    @GuardedBy("readLock")
    private boolean readMore() throws IOException {
        netIn.compact();
        try {
            boolean grow = !netIn.hasRemaining() // a record larger than the buffer
                    || (netInFilled && netIn.capacity() < MAX_READ_RECORDS * packetIn); // reads keep filling it
            if (grow) {
                int packet = engine.getSession().getPacketBufferSize();
                packetIn = Math.max(packetIn, packet);
                ByteBuffer bigger = ByteBuffer.allocate(Math.max(packet, netIn.capacity() * 2));
                netIn.flip();
                bigger.put(netIn);
                netIn = bigger;
            }
            int room = netIn.remaining();
            int n = channel.read(netIn);
            netInFilled = n == room;
            return n >= 0;
        } finally {
            netIn.flip();
        }
    }

    private static ByteBuffer grow(ByteBuffer readMode, int atLeast) {
        ByteBuffer b = ByteBuffer.allocate(Math.max(atLeast, readMode.capacity() * 2));
        b.put(readMode);
        return b.flip();
    }

    /**
     * Reads plaintext into {@code dst}, blocking until some arrives; -1 once the peer closed TLS (or the
     * socket ended). For the connection's reader (one at a time).
     *
     * <p>Fills {@code dst} with every whole record already read, as a plaintext read fills it with
     * every byte the kernel holds: records are unwrapped straight into {@code dst} while it has room for
     * one (no copy), and only the last, which does not fit, goes through {@link #appIn}. It blocks (one
     * socket read at a time) only while it has nothing to return.
     */
    public int read(ByteBuffer dst) throws IOException {
        readLock.lock();
        try {
            int n = 0;
            while (dst.hasRemaining()) {
                if (appIn.hasRemaining()) {
                    n += take(dst);
                    continue;
                }
                if (inputDone) {
                    break;
                }
                int got = unwrapAvailable(dst);
                n += got;
                if (got > 0 || appIn.hasRemaining() || inputDone) {
                    continue;
                }
                if (n > 0) {
                    break; // the rest of a record is still on its way: hand over what we have
                }
                if (!readMore()) {
                    inputDone = true; // end-of-stream without close_notify: a truncation the frames will show
                }
            }
            return n == 0 && inputDone ? -1 : n;
        } finally {
            readLock.unlock();
        }
    }

    /** Moves plaintext from {@link #appIn} to {@code dst}; the bytes moved. */
    @GuardedBy("readLock")
    private int take(ByteBuffer dst) {
        int n = Math.min(appIn.remaining(), dst.remaining());
        dst.put(dst.position(), appIn, appIn.position(), n);
        dst.position(dst.position() + n);
        appIn.position(appIn.position() + n);
        return n;
    }

    /**
     * Unwraps the whole records {@link #netIn} holds: straight into {@code dst} while it has room for a
     * record, else one into the (empty) {@link #appIn}. Returns the plaintext bytes put into
     * {@code dst}; stops at the first partial record (underflow) or at close_notify ({@link #inputDone}).
     */
    @GuardedBy("readLock")
    private int unwrapAvailable(ByteBuffer dst) throws IOException {
        int produced = 0;
        boolean viaAppIn = false;
        while (netIn.hasRemaining()) {
            boolean direct = !viaAppIn && dst.remaining() >= appSize;
            SSLEngineResult r;
            if (direct) {
                r = engine.unwrap(netIn, dst);
                produced += r.bytesProduced();
            } else {
                if (appIn.capacity() < appSize) {
                    appIn = ByteBuffer.allocate(appSize);
                }
                appIn.clear();
                try {
                    r = engine.unwrap(netIn, appIn);
                } finally {
                    appIn.flip();
                }
            }
            switch (r.getStatus()) {
                case OK -> afterHandshakeStatus(r.getHandshakeStatus());
                case CLOSED -> {
                    inputDone = true;
                    afterHandshakeStatus(r.getHandshakeStatus());
                    return produced;
                }
                case BUFFER_OVERFLOW -> {
                    if (!direct) {
                        throw new SSLException("a TLS record larger than the session's application buffer size");
                    }
                    viaAppIn = true; // the engine wants more room than dst has: this record goes through appIn
                    appSize = Math.max(
                            appSize, engine.getSession().getApplicationBufferSize()); // the handshake may have grown it
                }
                default -> {
                    return produced; // underflow: the rest of a record is still on its way
                }
            }
            if (!direct && appIn.hasRemaining()) {
                return produced; // dst has no room for a whole record: the caller takes from appIn
            }
        }
        return produced;
    }

    /**
     * After the handshake, on the reader: the engine may still want a task run or a message sent (the
     * reply to a TLS 1.3 KeyUpdate that asked for one, a TLS 1.2 renegotiation's refusal). The reader
     * never sends it itself: the write lock may be held by a writer blocked on a full socket that only
     * the peer's reader drains, and the peer's reader may be waiting the same way, so both connections
     * would stop for good. It hands the wrap to {@link #sendDueWrap} on a thread of its own instead.
     */
    @GuardedBy("readLock")
    private void afterHandshakeStatus(HandshakeStatus hs) {
        while (hs == HandshakeStatus.NEED_TASK) {
            runTasks();
            hs = engine.getHandshakeStatus();
        }
        if (hs == HandshakeStatus.NEED_WRAP && wrapDue.compareAndSet(false, true)) {
            Thread.ofVirtual().name("occams-vt-tls-wrap").start(this::sendDueWrap);
        }
    }

    /**
     * Sends what the engine has to send outside application data (a KeyUpdate reply), on a virtual
     * thread {@link #afterHandshakeStatus} started: waits for the write lock (the writer may be blocked
     * on a full socket meanwhile; the reader carries on), sends any ciphertext a write left, then wraps
     * and sends the engine's records. A write that already carried them (the JDK's engine sends
     * buffered handshake records before application data) leaves nothing to send. When the socket
     * fails it closes the channel, so that the connection's reader and writer fail and close it.
     */
    private void sendDueWrap() {
        writeLock.lock();
        try {
            wrapDue.set(false); // a request from here on starts another run
            if (engine.isOutboundDone()) {
                return;
            }
            drainPending();
            netOut.clear();
            for (int i = 0; i < RECORDS_PER_WRITE && netOut.remaining() >= packetSize; i++) {
                SSLEngineResult r = engine.wrap(EMPTY, netOut);
                if (r.bytesProduced() == 0 || r.getHandshakeStatus() != HandshakeStatus.NEED_WRAP) {
                    break;
                }
            }
            netOut.flip();
            writeFully(netOut);
            netOut.clear();
        } catch (IOException | RuntimeException e) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        } finally {
            writeLock.unlock();
        }
    }

    /**
     * Encrypts as much of {@code srcs[offset..offset+length)} as fits in a few records and makes one
     * write call, like a plaintext write on a virtual thread: it returns as soon as the kernel took
     * some bytes, so an inline write by the reader does not wait for a full send buffer to drain. The
     * ciphertext the socket did not take stays here; then the last plaintext byte encrypted is reported
     * as not consumed (the caller offers it again, and the next call first sends the rest of the
     * ciphertext, blocking, and skips that byte). Returns the plaintext bytes consumed (the buffers'
     * positions moved by as much, less such a held-back byte). For the one thread that owns the
     * connection's write side.
     */
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        writeLock.lock();
        try {
            long consumed = 0;
            if (pendingOut) {
                drainPending();
            }
            while (owed > 0 && length > 0) {
                ByteBuffer b = srcs[offset];
                int skip = Math.min(owed, b.remaining());
                b.position(b.position() + skip);
                owed -= skip;
                consumed += skip;
                if (!b.hasRemaining()) {
                    offset++;
                    length--;
                }
            }
            long left = 0;
            for (int i = offset; i < offset + length; i++) {
                left += srcs[i].remaining();
            }
            if (left == 0) {
                return consumed;
            }
            int packet = packetSize;
            if (netOut.capacity() < packet) {
                netOut = ByteBuffer.allocate(packet * RECORDS_PER_WRITE);
            } else if (left > netOut.capacity() - (long) packet && netOut.capacity() < packet * MAX_WRITE_RECORDS) {
                // a batch larger than the buffer: grow it (up to MAX_WRITE_RECORDS) so one call sends it all
                long records = left / RECORD_PLAINTEXT + 2;
                netOut = ByteBuffer.allocate((int) Math.min(records, MAX_WRITE_RECORDS) * packet);
            }
            netOut.clear();
            int first = offset;
            int end = offset + length;
            if (starts.length < end) {
                starts = new int[Math.max(end, starts.length * 2)];
            }
            for (int i = first; i < end; i++) {
                starts[i] = srcs[i].position();
            }
            long wrapped = 0;
            // a wrap that reached the key limit leaves a KeyUpdate to send (NEED_WRAP): it goes out too
            HandshakeStatus hs = HandshakeStatus.NOT_HANDSHAKING;
            while ((left > 0 || hs == HandshakeStatus.NEED_WRAP) && netOut.remaining() >= packet) {
                SSLEngineResult r = engine.wrap(srcs, offset, length, netOut);
                hs = r.getHandshakeStatus();
                if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
                    throw new SSLException("TLS output is closed");
                }
                if (r.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
                    packetSize = Math.max(packetSize, engine.getSession().getPacketBufferSize());
                    break;
                }
                wrapped += r.bytesConsumed();
                left -= r.bytesConsumed();
                if (hs == HandshakeStatus.NEED_TASK) {
                    runTasks();
                }
                while (length > 0 && !srcs[offset].hasRemaining()) {
                    offset++;
                    length--;
                }
                if (r.bytesConsumed() == 0 && r.bytesProduced() == 0) {
                    break;
                }
            }
            netOut.flip();
            if (channel.write(netOut) < 0) {
                throw new EOFException();
            }
            if (netOut.hasRemaining()) {
                pendingOut = true;
                if (wrapped > 0) {
                    // hold back the last byte encrypted: its buffer's position goes back by one
                    int i = end - 1;
                    while (srcs[i].position() == starts[i]) {
                        i--;
                    }
                    srcs[i].position(srcs[i].position() - 1);
                    wrapped--;
                    owed = 1;
                } else {
                    drainPending(); // nothing to hold back (only handshake bytes): send them now
                }
            }
            return consumed + wrapped;
        } finally {
            writeLock.unlock();
        }
    }

    /** Sends the ciphertext an earlier {@link #write} left, blocking. */
    @GuardedBy("writeLock")
    private void drainPending() throws IOException {
        if (pendingOut) {
            writeFully(netOut);
            pendingOut = false;
            netOut.clear();
        }
    }

    @GuardedBy("writeLock")
    private void writeFully(ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            if (channel.write(b) < 0) {
                throw new EOFException();
            }
        }
    }

    /** Sends close_notify, then half-closes the socket. */
    public void shutdownOutput() throws IOException {
        writeLock.lock();
        try {
            drainPending();
            engine.closeOutbound();
            netOut.clear();
            while (!engine.isOutboundDone()) {
                SSLEngineResult r = engine.wrap(EMPTY, netOut);
                if (r.bytesProduced() == 0
                        || r.getStatus() != SSLEngineResult.Status.OK
                                && r.getStatus() != SSLEngineResult.Status.CLOSED) {
                    break;
                }
            }
            netOut.flip();
            writeFully(netOut);
            channel.shutdownOutput();
        } finally {
            writeLock.unlock();
        }
    }
}
