package io.occams.rpc.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.concurrent.FastThreadLocalThread;
import io.occams.rpc.api.ErrnoException;
import io.occams.rpc.api.RpcCode;
import io.occams.rpc.api.RpcService;
import io.occams.rpc.api.spi.ServerCall;
import io.occams.rpc.codec.MsgpackCodec;
import io.occams.rpc.server.FakeCall.Answer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The shortcuts of the call path answer exactly as the general path: a future that is already done
 * (answered without a dependent stage) against the same outcome arriving later; a known action (split
 * once at registration) against the routing rules; arguments decoded in place leave the msg's indexes
 * as they were.
 */
@Timeout(60)
class CallPathTest {
    static final MsgpackCodec CODEC = new MsgpackCodec();

    @RpcService("Later")
    public interface Later {
        CompletableFuture<Long> get(long x);
    }

    /** Answers what {@link #next} supplies. */
    static final class LaterImpl implements Later {
        volatile Supplier<CompletableFuture<Long>> next;

        @Override
        public CompletableFuture<Long> get(long x) {
            return next.get();
        }
    }

    private static Answer call(ServiceDispatcher d, String action, byte[] msg) throws Exception {
        FakeCall c = new FakeCall(action, msg, Runnable::run);
        int reader = c.msg().readerIndex();
        int writer = c.msg().writerIndex();
        d.dispatch(c);
        assertThat(c.msg().readerIndex()).isEqualTo(reader);
        assertThat(c.msg().writerIndex()).isEqualTo(writer);
        return c.answer.get(10, TimeUnit.SECONDS);
    }

    /** The answer to a call whose future is done before it returns, and to one completed after. */
    private static Answer[] nowAndLater(
            ServiceDispatcher d, LaterImpl impl, java.util.function.Consumer<CompletableFuture<Long>> outcome)
            throws Exception {
        impl.next = () -> {
            CompletableFuture<Long> f = new CompletableFuture<>();
            outcome.accept(f);
            return f;
        };
        Answer now = call(d, "Later.get", new byte[] {7});
        CompletableFuture<Long> pending = new CompletableFuture<>();
        impl.next = () -> pending;
        FakeCall c = new FakeCall("Later.get", new byte[] {7}, Runnable::run);
        d.dispatch(c);
        assertThat(c.isAnswered()).isFalse();
        outcome.accept(pending);
        return new Answer[] {now, c.answer.get(10, TimeUnit.SECONDS)};
    }

    @Test
    void aFutureDoneAtOnceIsAnsweredAsOneDoneLater() throws Exception {
        ServiceDispatcher d = ServiceDispatcher.builder().codec(CODEC).build();
        LaterImpl impl = new LaterImpl();
        d.register(Later.class, impl);

        Answer[] ok = nowAndLater(d, impl, f -> f.complete(300L));
        assertThat(ok[0]).isEqualTo(Answer.ok("cd012c")).isEqualTo(ok[1]);
        Answer[] nil = nowAndLater(d, impl, f -> f.complete(null));
        assertThat(nil[0]).isEqualTo(Answer.ok("c0")).isEqualTo(nil[1]);
        Answer[] errno = nowAndLater(d, impl, f -> f.completeExceptionally(new ErrnoException(13)));
        assertThat(errno[0]).isEqualTo(Answer.errno(13)).isEqualTo(errno[1]);
        Answer[] wrapped =
                nowAndLater(d, impl, f -> f.completeExceptionally(new CompletionException(new ErrnoException(14))));
        assertThat(wrapped[0]).isEqualTo(Answer.errno(14)).isEqualTo(wrapped[1]);
        Answer[] cancelled = nowAndLater(d, impl, f -> f.cancel(false));
        assertThat(cancelled[0]).isEqualTo(cancelled[1]);
        assertThat(cancelled[0].flag()).isEqualTo(2);
        // A stage that is no plain CompletableFuture takes the general path.
        impl.next = () ->
                CompletableFuture.completedFuture(5L).minimalCompletionStage().toCompletableFuture();
        assertThat(call(d, "Later.get", new byte[] {7})).isEqualTo(Answer.ok("05"));
    }

    @Test
    void knownActionsRouteAsUnknownOnesAndDecodeInPlace() throws Exception {
        ServiceDispatcher d = ServiceDispatcher.builder()
                .codec(CODEC)
                .swapGrace(java.time.Duration.ZERO)
                .build();
        LaterImpl impl = new LaterImpl();
        impl.next = () -> CompletableFuture.completedFuture(1L);
        assertThat(call(d, "Later.get", new byte[] {7})).isEqualTo(Answer.error("rpc_service_notfound"));
        ServiceDispatcher.Registration r = d.register(Later.class, impl);
        assertThat(call(d, "Later.get", new byte[] {7})).isEqualTo(Answer.ok("01"));
        assertThat(call(d, "Later.nope", new byte[] {7})).isEqualTo(Answer.error("rpc_method_notfound"));
        assertThat(call(d, "Later", new byte[] {7})).isEqualTo(Answer.error("rpc_decode"));
        // bytes left over, a truncated value: rpc_decode, the msg untouched
        assertThat(call(d, "Later.get", new byte[] {7, 8})).isEqualTo(Answer.error("rpc_decode"));
        assertThat(call(d, "Later.get", new byte[] {(byte) 0xcd})).isEqualTo(Answer.error("rpc_decode"));
        r.close();
        // the action stays known, the provider is gone
        assertThat(call(d, "Later.get", new byte[] {7})).isEqualTo(Answer.error("rpc_service_notfound"));
    }

    @Test
    void aNettyThreadReusesItsReplyBufferOnlyWhenTheCallGaveItBack() throws Exception {
        reusesItsReplyBufferOnlyWhenTheCallGaveItBack(FastThreadLocalThread::new);
    }

    /** As on a Netty thread: the threads synchronous methods run on keep one reply buffer too. */
    @Test
    void anyOtherThreadReusesItsReplyBufferOnlyWhenTheCallGaveItBack() throws Exception {
        reusesItsReplyBufferOnlyWhenTheCallGaveItBack(Thread::new);
    }

    private static void reusesItsReplyBufferOnlyWhenTheCallGaveItBack(
            java.util.function.Function<Runnable, Thread> threads) throws Exception {
        ServiceDispatcher d = ServiceDispatcher.builder().codec(CODEC).build();
        LaterImpl impl = new LaterImpl();
        d.register(Later.class, impl);
        CompletableFuture<List<String>> seen = new CompletableFuture<>();
        Thread loop = threads.apply(() -> {
            try {
                List<String> out = new ArrayList<>();
                // answers copied and released by the call (as the stream does): one buffer serves them all
                for (long v : new long[] {300, 1, 70_000}) {
                    impl.next = () -> CompletableFuture.completedFuture(v);
                    out.add(call(d, "Later.get", new byte[] {7}).msgHex());
                }
                // the same buffer object each time a call copied and released it
                KeepingCall first = new KeepingCall(true);
                KeepingCall second = new KeepingCall(true);
                d.dispatch(first);
                d.dispatch(second);
                out.add(first.kept == second.kept ? "reused" : "not reused");
                // a call that keeps the buffer it was given: its bytes must survive the next replies
                KeepingCall keeper = new KeepingCall(false);
                impl.next = () -> CompletableFuture.completedFuture(5L);
                d.dispatch(keeper);
                impl.next = () -> CompletableFuture.completedFuture(-1L);
                out.add(call(d, "Later.get", new byte[] {7}).msgHex());
                out.add(ByteBufUtil.hexDump(keeper.kept) + " refCnt " + keeper.kept.refCnt());
                keeper.kept.release();
                seen.complete(out);
            } catch (Throwable t) {
                seen.completeExceptionally(t);
            }
        });
        loop.start();
        assertThat(seen.get(10, TimeUnit.SECONDS))
                .containsExactly("cd012c", "01", "ce00011170", "reused", "ff", "05 refCnt 1");
    }

    /** A call that keeps its reply's msg (a ServerCall owns what reply() is given), or notes it and releases it. */
    private static final class KeepingCall implements ServerCall {
        /** Whether reply() releases the msg after noting it (as the stream does, having copied it). */
        private final boolean release;

        ByteBuf kept;

        KeepingCall(boolean release) {
            this.release = release;
        }

        @Override
        public long seq() {
            return 1;
        }

        @Override
        public boolean hasStringAction() {
            return true;
        }

        @Override
        public int numericAction() {
            return -1;
        }

        @Override
        public String stringAction() {
            return "Later.get";
        }

        @Override
        public ByteBuf msg() {
            return Unpooled.wrappedBuffer(new byte[] {7});
        }

        @Override
        public ByteBuf blob() {
            return Unpooled.EMPTY_BUFFER;
        }

        @Override
        public Executor executor() {
            return Runnable::run;
        }

        @Override
        public ByteBufAllocator alloc() {
            return UnpooledByteBufAllocator.DEFAULT;
        }

        @Override
        public void reply(ByteBuf m, ByteBuf b) {
            kept = m;
            if (release) {
                m.release();
            }
        }

        @Override
        public void replyErrno(int errno) {
            throw new AssertionError("errno " + errno);
        }

        @Override
        public void replyError(ByteBuf bytes) {
            throw new AssertionError(bytes.toString(java.nio.charset.StandardCharsets.UTF_8));
        }

        @Override
        public void replyError(RpcCode code) {
            throw new AssertionError(code);
        }

        @Override
        public boolean isAnswered() {
            return kept != null;
        }
    }
}
