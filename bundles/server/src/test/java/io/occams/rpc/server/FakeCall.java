package io.occams.rpc.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.occams.rpc.api.RpcCode;
import io.occams.rpc.api.spi.ServerCall;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;

/** A call without a network: records its one answer; releases every buffer exactly once. */
final class FakeCall implements ServerCall {
    /** What the call was answered with: flag 0 (msg hex), 1 (errno) or 2 (text). */
    record Answer(int flag, int errno, String msgHex, String text) {
        static Answer ok(String hex) {
            return new Answer(0, 0, hex, null);
        }

        static Answer errno(int n) {
            return new Answer(1, n, null, null);
        }

        static Answer error(String text) {
            return new Answer(2, 0, null, text);
        }
    }

    private static long seqs;
    private final long seq;
    private final String action;
    private final ByteBuf msg;
    private final Executor executor;
    private final AtomicBoolean answered = new AtomicBoolean();
    final CompletableFuture<Answer> answer = new CompletableFuture<>();

    FakeCall(String action, byte[] msg, Executor executor) {
        synchronized (FakeCall.class) {
            this.seq = ++seqs;
        }
        this.action = action;
        this.msg = Unpooled.wrappedBuffer(msg);
        this.executor = executor;
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
        return action == null ? 3 : -1;
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
        return Unpooled.EMPTY_BUFFER;
    }

    @Override
    public Executor executor() {
        return executor;
    }

    @Override
    public ByteBufAllocator alloc() {
        return UnpooledByteBufAllocator.DEFAULT;
    }

    private void claim() {
        if (!answered.compareAndSet(false, true)) {
            throw new IllegalStateException("answered twice");
        }
        msg.release();
    }

    @Override
    public void reply(ByteBuf m, ByteBuf b) {
        try {
            claim();
            answer.complete(Answer.ok(m == null ? "" : ByteBufUtil.hexDump(m)));
        } finally {
            if (m != null) {
                m.release();
            }
            if (b != null) {
                b.release();
            }
        }
    }

    @Override
    public void replyErrno(int errno) {
        claim();
        answer.complete(Answer.errno(errno));
    }

    @Override
    public void replyError(ByteBuf bytes) {
        try {
            claim();
            answer.complete(Answer.error(bytes.toString(StandardCharsets.UTF_8)));
        } finally {
            bytes.release();
        }
    }

    @Override
    public void replyError(RpcCode code) {
        claim();
        answer.complete(Answer.error(code.wireName()));
    }

    @Override
    public boolean isAnswered() {
        return answered.get();
    }
}
