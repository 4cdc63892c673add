package io.occams.rpc.stream.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.occams.rpc.api.RpcCode;
import io.occams.rpc.api.spi.ServerCall;
import io.occams.rpc.stream.Frames;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * One accepted request, recycled by its {@link ServerConnection} once answered (the SPI rule: valid
 * until answered). While live it holds retained slices of its msg and blob; the first answer wins (a
 * CAS on {@link #state}), releases them, writes the reply and hands the object back to the
 * connection's free list; a later answer on the same incarnation, or any use of the getters after the
 * answer and before the object is handed out again, throws.
 */
final class ServerCallImpl implements ServerCall {
    private static final AtomicIntegerFieldUpdater<ServerCallImpl> STATE =
            AtomicIntegerFieldUpdater.newUpdater(ServerCallImpl.class, "state");
    private static final int ANSWERED = 0;
    private static final int LIVE = 1;

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

    ServerCallImpl(ServerConnection conn) {
        this.conn = conn;
    }

    /** Makes this (answered, free) object the live call {@code seq}; reader only. */
    void open(long seq, int numericAction, String action, ByteBuf msg, ByteBuf blob) {
        this.seq = seq;
        this.numericAction = numericAction;
        this.action = action;
        this.msg = msg;
        this.blob = blob;
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
        return conn.executor();
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
        try {
            conn.writeResponse(s, flag, word, replyMsg, replyBlob, true);
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
        return new IllegalStateException("seq " + seq + " was already answered (a ServerCall must not be used after its answer)");
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
