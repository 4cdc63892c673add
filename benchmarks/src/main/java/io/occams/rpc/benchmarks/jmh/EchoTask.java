package io.occams.rpc.benchmarks.jmh;

import io.netty.buffer.ByteBuf;
import io.occams.rpc.api.RpcException;
import io.occams.rpc.stream.ClientTask;

/**
 * The call of the round-trip benchmarks: a numeric action with an 8-byte msg, whose every outcome ends in
 * {@link #done(boolean)}, on the thread that completed it (a client event loop). Reusable once done, as
 * {@link ClientTask} allows, so a benchmark keeps one per call slot.
 */
abstract class EchoTask extends ClientTask {
    EchoTask(int action) {
        super(action);
    }

    /** The call completed: with a reply ({@code true}) or an error or failure ({@code false}). */
    abstract void done(boolean replied);

    @Override
    public final void encodeMsg(ByteBuf out) {
        out.writeLongLE(0x0102030405060708L);
    }

    @Override
    public final void onReply(ByteBuf msg, ByteBuf blob) {
        done(true);
    }

    @Override
    public final void onErrno(int errno) {
        done(false);
    }

    @Override
    public final void onErrorString(ByteBuf text) {
        done(false);
    }

    @Override
    public final void onFailure(RpcException failure) {
        done(false);
    }
}
