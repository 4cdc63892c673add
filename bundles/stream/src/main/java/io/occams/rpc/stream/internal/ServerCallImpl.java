package io.occams.rpc.stream.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.buffer.UnpooledHeapByteBuf;
import io.occams.rpc.api.PeerIdentity;
import io.occams.rpc.api.RpcCode;
import io.occams.rpc.api.spi.ServerCall;
import io.occams.rpc.stream.Frames;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * One accepted request, recycled by its {@link ServerConnection} once answered (the SPI rule: valid
 * until answered). While live it holds a reference to its msg and a retained slice of its blob; the first answer wins (a
 * CAS on {@link #state}), releases them, writes the reply and hands the object back to the
 * connection's free list; a later answer on the same incarnation, or any use of the getters after the
 * answer and before the object is handed out again, throws.
 *
 * <p>A msg of at most {@value #MSG_COPY_LIMIT} bytes is copied into a heap buffer this object owns
 * and reuses from call to call ({@link #msgOf}), not sliced: a retained slice is an object from
 * Netty's {@code Recycler}, which pools only on Netty's own threads (an event loop), so on a
 * virtual-thread reader every call allocated one (72-80 bytes).
 */
final class ServerCallImpl implements ServerCall {
    private static final AtomicIntegerFieldUpdater<ServerCallImpl> STATE =
            AtomicIntegerFieldUpdater.newUpdater(ServerCallImpl.class, "state");
    private static final int ANSWERED = 0;
    private static final int LIVE = 1;
    /** Request msgs of at most this many bytes are copied into {@link #own} instead of sliced. */
    static final int MSG_COPY_LIMIT = 256;

    private final ServerConnection conn;
    // Written by the reader in open(), before the volatile write of state that makes the call live; the
    // Dispatch hands the call on with its own happens-before (an executor, a queue), so a replying thread
    // sees them. They change only when the object is handed out again, after an answer.
    private long seq;
    private int numericAction;
    private String action;
    private ByteBuf msg;
    private ByteBuf blob;
    /** LIVE while handed out and unanswered, ANSWERED otherwise; the answer moves it by CAS, so exactly one reply goes out. */
    private volatile int state = ANSWERED;
    /** The next call in the connection's free list; only touched by whoever holds the object in a list. */
    ServerCallImpl next;
    /**
     * This object's msg buffer, reused by the reader from call to call (null until the first small
     * msg). It holds one reference of its own and lends a second as {@link #msg()}, released by the
     * answer; a user who retained the msg past the answer keeps that buffer (theirs to release) and
     * the next call gets a new one. Not leak-tracked: an unreleased one is simply garbage collected
     * with this object. Reader only.
     */
    private ByteBuf own;
    /**
     * The runner of {@link BurstExecutor} that runs this call's task: a reply made on its thread is
     * flushed and counted with the batch's others, not alone. Null when no runner runs it. Written by
     * the runner before it runs the task (or by the reader in {@link #open}); the answering thread
     * compares itself with the runner's thread, which it only matches when the runner runs the task.
     */
    private BurstExecutor.Runner deferTo;
    /** {@link #executor()}: made once per object, which is recycled, so no garbage per call. */
    private final Executor executor;

    ServerCallImpl(ServerConnection conn) {
        this.conn = conn;
        this.executor = task -> conn.execute(this, task);
    }

    /** Runner {@code r} runs this call's task now; see {@link #deferTo}. */
    void deferTo(BurstExecutor.Runner r) {
        deferTo = r;
    }

    /**
     * The msg of the decoder's current request for {@link #open}: a copy in {@link #own} when it is
     * small, else a retained slice of the read buffer. On this answered (free) object; reader only.
     */
    ByteBuf msgOf(RequestDecoder d) {
        int length = d.msgLength();
        if (length > MSG_COPY_LIMIT) {
            return d.retainedMsg();
        }
        if (length == 0) {
            return Unpooled.EMPTY_BUFFER;
        }
        ByteBuf o = own;
        if (o == null || o.refCnt() != 1) {
            if (o != null) {
                o.release(); // still held by whoever retained it: their reference keeps it alive
            }
            o = own = new UnpooledHeapByteBuf(UnpooledByteBufAllocator.DEFAULT, MSG_COPY_LIMIT, MSG_COPY_LIMIT);
        }
        o.retain().clear();
        d.copyMsgTo(o);
        return o;
    }

    /** Makes this (answered, free) object the live call {@code seq}; reader only. */
    void open(long seq, int numericAction, String action, ByteBuf msg, ByteBuf blob) {
        this.seq = seq;
        this.numericAction = numericAction;
        this.action = action;
        this.msg = msg;
        this.blob = blob;
        this.deferTo = null;
        state = LIVE;
    }

    @Override
    public long seq() {
        live();
        return seq;
    }

    @Override
    public boolean hasStringAction() {
        live();
        return action != null;
    }

    @Override
    public int numericAction() {
        live();
        return numericAction;
    }

    @Override
    public String stringAction() {
        live();
        return action;
    }

    @Override
    public ByteBuf msg() {
        live();
        return msg;
    }

    @Override
    public ByteBuf blob() {
        live();
        return blob;
    }

    @Override
    public Executor executor() {
        return executor;
    }

    @Override
    public ByteBufAllocator alloc() {
        return conn.alloc();
    }

    @Override
    public void reply(ByteBuf replyMsg, ByteBuf replyBlob) {
        if (!claim()) {
            release(replyMsg);
            release(replyBlob);
            throw answered();
        }
        answer(Frames.FLAG_OK, 0, replyMsg, replyBlob);
    }

    @Override
    public void replyErrno(int errno) {
        if (!claim()) {
            throw answered();
        }
        answer(Frames.FLAG_ERRNO, errno, null, null);
    }

    @Override
    public void replyError(ByteBuf bytes) {
        if (!claim()) {
            release(bytes);
            throw answered();
        }
        answer(Frames.FLAG_ERROR_STRING, 0, null, bytes);
    }

    @Override
    public void replyError(RpcCode code) {
        if (!claim()) {
            throw answered();
        }
        answer(Frames.FLAG_ERROR_STRING, 0, null, Unpooled.wrappedBuffer(WIRE[code.ordinal()]));
    }

    @Override
    public boolean isAnswered() {
        return state != LIVE;
    }

    @Override
    public PeerIdentity peerIdentity() {
        return conn.peerIdentity();
    }

    private boolean claim() {
        return state == LIVE && STATE.compareAndSet(this, LIVE, ANSWERED);
    }

    /** After a successful claim: nobody else reads or writes the fields until the object is recycled. */
    private void answer(int flag, int word, ByteBuf replyMsg, ByteBuf replyBlob) {
        long s = seq;
        ByteBuf m = msg;
        ByteBuf b = blob;
        msg = null;
        blob = null;
        m.release();
        b.release();
        BurstExecutor.Runner r = deferTo;
        try {
            conn.writeResponse(
                    s,
                    flag,
                    word,
                    replyMsg,
                    replyBlob,
                    true,
                    r != null && r.thread == Thread.currentThread() ? r : null);
        } finally {
            conn.recycle(this);
        }
    }

    private void live() {
        if (state != LIVE) {
            throw new IllegalStateException("this ServerCall was answered (last seq " + seq
                    + "): it must not be used after its answer, it is recycled for another request");
        }
    }

    private IllegalStateException answered() {
        return new IllegalStateException(
                "seq " + seq + " was already answered (a ServerCall must not be used after its answer)");
    }

    private static void release(ByteBuf b) {
        if (b != null) {
            b.release();
        }
    }

    private static final byte[][] WIRE;

    static {
        RpcCode[] codes = RpcCode.values();
        WIRE = new byte[codes.length][];
        for (RpcCode c : codes) {
            WIRE[c.ordinal()] = c.wireBytes();
        }
    }

    @Override
    public String toString() {
        return "ServerCall[seq=" + seq + ", action=" + (action != null ? action : String.valueOf(numericAction))
                + (state == LIVE ? "" : ", answered") + "]";
    }
}
