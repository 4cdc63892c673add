package io.occams.rpc.stream.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.occams.rpc.api.RpcCode;
import io.occams.rpc.api.spi.ServerCall;
import io.occams.rpc.stream.Frames;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * One accepted request. Holds retained slices of its msg and blob until it is answered; the first
 * answer wins, releases them and writes the reply; a second answer is a bug and throws.
 */
final class ServerCallImpl implements ServerCall {
    private static final AtomicIntegerFieldUpdater<ServerCallImpl> ANSWERED =
            AtomicIntegerFieldUpdater.newUpdater(ServerCallImpl.class, "answered");

    private final ServerConnection conn;
    private final long seq;
    private final int numericAction;
    private final String action;
    private final ByteBuf msg;
    private final ByteBuf blob;
    /** 0 until answered, then 1; set once by CAS so exactly one reply goes out. */
    private volatile int answered;

    ServerCallImpl(ServerConnection conn, long seq, int numericAction, String action, ByteBuf msg, ByteBuf blob) {
        this.conn = conn;
        this.seq = seq;
        this.numericAction = numericAction;
        this.action = action;
        this.msg = msg;
        this.blob = blob;
    }

    @Override
    public long seq() {
        return seq;
    }

    @Override
    public boolean hasStringAction() {
        return action != null;
    }

    @Override
    public int numericAction() {
        return numericAction;
    }

    @Override
    public String stringAction() {
        return action;
    }

    @Override
    public ByteBuf msg() {
        return msg;
    }

    @Override
    public ByteBuf blob() {
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
            throw new IllegalStateException("seq " + seq + " was already answered");
        }
        conn.writeResponse(seq, Frames.FLAG_OK, 0, replyMsg, replyBlob, true);
    }

    @Override
    public void replyErrno(int errno) {
        if (!claim()) {
            throw new IllegalStateException("seq " + seq + " was already answered");
        }
        conn.writeResponse(seq, Frames.FLAG_ERRNO, errno, null, null, true);
    }

    @Override
    public void replyError(ByteBuf bytes) {
        if (!claim()) {
            release(bytes);
            throw new IllegalStateException("seq " + seq + " was already answered");
        }
        conn.writeResponse(seq, Frames.FLAG_ERROR_STRING, 0, null, bytes, true);
    }

    @Override
    public void replyError(RpcCode code) {
        if (!claim()) {
            throw new IllegalStateException("seq " + seq + " was already answered");
        }
        conn.writeResponse(seq, Frames.FLAG_ERROR_STRING, 0, null, io.netty.buffer.Unpooled.wrappedBuffer(WIRE[code.ordinal()]), true);
    }

    @Override
    public boolean isAnswered() {
        return answered != 0;
    }

    private boolean claim() {
        if (!ANSWERED.compareAndSet(this, 0, 1)) {
            return false;
        }
        msg.release();
        blob.release();
        return true;
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
        return "ServerCall[seq=" + seq + ", action=" + (action != null ? action : String.valueOf(numericAction)) + "]";
    }
}
