package io.occams.rpc.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.occams.rpc.api.ClientConfig;
import io.occams.rpc.api.RpcCode;
import io.occams.rpc.api.RpcException;
import io.occams.rpc.api.spi.ForwardingRuntime;
import io.occams.rpc.api.spi.Runtime;
import io.occams.rpc.testkit.ManualScheduler;
import io.occams.rpc.testkit.RawPeer;
import io.occams.rpc.testkit.RawServer;
import io.occams.rpc.testkit.RuntimePerTest;
import io.occams.rpc.testkit.Transport;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A call's timeout fires on time (issue 16: within 100 ms of the deadline, not at the next one-second
 * sweep), on a manual clock: the stream's scheduler and clock are a {@link ManualScheduler}, the peer is a
 * raw server that never answers, and time moves only when the test ticks it.
 */
abstract class AbstractDeadlineTest extends RuntimePerTest {
    private static final Duration LATE = Duration.ofMillis(100);

    @TempDir
    Path dir;

    private final ManualScheduler clock = new ManualScheduler();
    private ClientStream stream;

    @BeforeEach
    void connectToAPeerThatNeverAnswers() throws Exception {
        RawServer server = RawServer.bind(Transport.TCP, dir);
        closeAfter(server);
        Runtime real = runtime;
        Runtime manual = new ForwardingRuntime() {
            @Override
            protected Runtime delegate() {
                return real;
            }

            @Override
            public ScheduledExecutorService scheduler() {
                return clock;
            }
        };
        CompletableFuture<ClientStream> connecting = ClientStream.connect(
                manual,
                server.address(),
                ClientConfig.builder().taskTimeout(Duration.ofSeconds(30)).build(),
                clock::nanoTime);
        RawPeer peer = server.accept();
        closeAfter(peer);
        stream = connecting.join();
        closeAfter(stream::abort);
    }

    private CompletableFuture<Reply> call(Duration timeout) {
        FutureTaskWithTimeout t = new FutureTaskWithTimeout();
        if (timeout != null) {
            t.timeout(timeout);
        }
        stream.send(t, true);
        return t.future;
    }

    private static RpcCode code(CompletableFuture<?> f) {
        try {
            f.join();
        } catch (CompletionException e) {
            return ((RpcException) e.getCause()).code();
        }
        return null;
    }

    @Test
    void aCallFailsWithRpcTimeoutAtItsDeadlineNotBeforeAndWithin100Ms() {
        CompletableFuture<Reply> f = call(Duration.ofSeconds(1));
        clock.tick(Duration.ofMillis(999));
        assertThat(f).as("before its deadline").isNotDone();
        clock.tick(Duration.ofMillis(1).plus(LATE));
        assertThat(f).as("within 100 ms of its deadline").isDone();
        assertThat(code(f)).isEqualTo(RpcCode.TIMEOUT);
        assertThat(stream.inFlight()).isZero();
        assertThat(stream.isClosed())
                .as("a timeout fails the call, not the connection")
                .isFalse();
    }

    @Test
    void callsWithDifferentTimeoutsFailEachAtItsOwnDeadlineWhateverTheOrderTheyWereSent() {
        // More distinct timeouts than the deadline lanes, sent longest first, then the stream's default.
        List<CompletableFuture<Reply>> calls = new ArrayList<>();
        int n = Deadlines.MAX_LANES + 4;
        for (int i = n; i >= 1; i--) {
            calls.add(call(Duration.ofSeconds(i)));
        }
        CompletableFuture<Reply> byDefault = call(null);
        for (int second = 1; second <= n; second++) {
            clock.tick(Duration.ofSeconds(1).minus(LATE));
            int expectedDone = second - 1;
            assertThat(calls.stream().filter(CompletableFuture::isDone).count())
                    .as("done before second %d", second)
                    .isEqualTo(expectedDone);
            clock.tick(LATE);
            CompletableFuture<Reply> due = calls.get(n - second);
            assertThat(due).as("the %d s call at its deadline", second).isDone();
            assertThat(code(due)).isEqualTo(RpcCode.TIMEOUT);
        }
        assertThat(byDefault).isNotDone();
        clock.tick(Duration.ofSeconds(30 - n));
        assertThat(byDefault).as("the stream's taskTimeout, 30 s").isDone();
        assertThat(stream.inFlight()).isZero();
    }

    @Test
    void aCallAnsweredOrFailedLeavesNoTimerBehindOnceTheLastDeadlinePassed() {
        CompletableFuture<Reply> f = call(Duration.ofSeconds(2));
        clock.tick(Duration.ofSeconds(3));
        assertThat(f).isDone();
        assertThat(clock.pending())
                .as("only the once-a-second sweep stays scheduled")
                .isEqualTo(1);
    }

    /** A plain call, sent with send() so the test can set a timeout. */
    private static final class FutureTaskWithTimeout extends ClientTask {
        final CompletableFuture<Reply> future = new CompletableFuture<>();

        FutureTaskWithTimeout() {
            super(1);
        }

        @Override
        public void encodeMsg(io.netty.buffer.ByteBuf out) {
            out.writeByte(1);
        }

        @Override
        public io.netty.buffer.ByteBuf takeBlob() {
            return null;
        }

        @Override
        public void onReply(io.netty.buffer.ByteBuf msg, io.netty.buffer.ByteBuf blob) {
            future.complete(null);
        }

        @Override
        public void onErrno(int errno) {
            future.completeExceptionally(new AssertionError("errno " + errno));
        }

        @Override
        public void onErrorString(io.netty.buffer.ByteBuf text) {
            future.completeExceptionally(new AssertionError("error string"));
        }

        @Override
        public void onFailure(RpcException failure) {
            future.completeExceptionally(failure);
        }
    }
}
