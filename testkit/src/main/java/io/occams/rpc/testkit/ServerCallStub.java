package io.occams.rpc.testkit;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.occams.rpc.api.spi.ServerCall;
import java.util.concurrent.Executor;

/**
 * The request half of a {@link ServerCall} without a network, for the tests and benchmarks of what answers
 * calls (the server's dispatch): a sequence number, a string action, a msg, no blob, an executor and an
 * allocator. What an answer does is the subclass's, because the two users want opposite things: the
 * server tests record each answer for a test thread to await, refuse a second one and release the msg;
 * a benchmark records only a number, allocates nothing per call and reuses one instance and one msg
 * buffer ({@link #msg(ByteBuf)}), which it must not release.
 */
public abstract class ServerCallStub implements ServerCall {
    private final long seq;
    private final String action;
    private final Executor executor;
    private final ByteBufAllocator alloc;
    private ByteBuf msg;

    /**
     * A call of {@code action} carrying {@code msg} (which the subclass owns: this class never releases
     * it), whose answer runs on {@code executor} and whose reply is allocated from {@code alloc}.
     */
    protected ServerCallStub(long seq, String action, ByteBuf msg, Executor executor, ByteBufAllocator alloc) {
        this.seq = seq;
        this.action = action;
        this.msg = msg;
        this.executor = executor;
        this.alloc = alloc;
    }

    /** Makes {@code m} the msg of the next call through this instance (a reused stub). */
    protected final void msg(ByteBuf m) {
        msg = m;
    }

    @Override
    public final long seq() {
        return seq;
    }

    @Override
    public final boolean hasStringAction() {
        return true;
    }

    @Override
    public final int numericAction() {
        return -1;
    }

    @Override
    public final String stringAction() {
        return action;
    }

    @Override
    public final ByteBuf msg() {
        return msg;
    }

    @Override
    public final ByteBuf blob() {
        return Unpooled.EMPTY_BUFFER;
    }

    @Override
    public final Executor executor() {
        return executor;
    }

    @Override
    public final ByteBufAllocator alloc() {
        return alloc;
    }
}
