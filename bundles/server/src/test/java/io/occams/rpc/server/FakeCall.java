package io.occams.rpc.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.occams.rpc.api.RpcCode;
import io.occams.rpc.testkit.ServerCallStub;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A call without a network (testkit's {@link ServerCallStub}): records its one answer; releases every buffer exactly once. Made with
 * {@link #keepingReply}, it hands a successful reply's msg to {@link #keptReply} instead of releasing it,
 * for tests of who holds a reply's buffers until it is written (the test then releases it).
 */
final class FakeCall extends ServerCallStub {
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

    private static final AtomicLong SEQS = new AtomicLong();
    private final AtomicBoolean answered = new AtomicBoolean();
    final CompletableFuture<Answer> answer = new CompletableFuture<>();
    /** With {@link #keepingReply}: the msg of the reply, not released (or the error answer, as a failure). */
    final CompletableFuture<ByteBuf> keptReply = new CompletableFuture<>();

    private final boolean keepReply;

    FakeCall(String action, byte[] msg, Executor executor) {
        this(action, msg, executor, false);
    }

    private FakeCall(String action, byte[] msg, Executor executor, boolean keepReply) {
        super(SEQS.incrementAndGet(), action, Unpooled.wrappedBuffer(msg), executor, UnpooledByteBufAllocator.DEFAULT);
        this.keepReply = keepReply;
    }

    /** A call whose successful reply msg is kept in {@link #keptReply} for the test to read and release. */
    static FakeCall keepingReply(String action, byte[] msg, Executor executor) {
        return new FakeCall(action, msg, executor, true);
    }

    private void claim() {
        if (!answered.compareAndSet(false, true)) {
            throw new IllegalStateException("answered twice");
        }
        msg().release();
    }

    /** Completes {@link #answer} (and fails {@link #keptReply}, which expects a successful reply). */
    private void answered(Answer a) {
        answer.complete(a);
        keptReply.completeExceptionally(new AssertionError("answered " + a));
    }

    @Override
    public void reply(ByteBuf m, ByteBuf b) {
        boolean kept = false;
        try {
            claim();
            answer.complete(Answer.ok(m == null ? "" : ByteBufUtil.hexDump(m)));
            kept = keepReply && m != null && keptReply.complete(m);
        } finally {
            if (m != null && !kept) {
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
        answered(Answer.errno(errno));
    }

    @Override
    public void replyError(ByteBuf bytes) {
        try {
            claim();
            answered(Answer.error(bytes.toString(StandardCharsets.UTF_8)));
        } finally {
            bytes.release();
        }
    }

    @Override
    public void replyError(RpcCode code) {
        claim();
        answered(Answer.error(code.wireName()));
    }

    @Override
    public boolean isAnswered() {
        return answered.get();
    }
}
