package io.occams.rpc.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.netty.buffer.Unpooled;
import io.occams.rpc.api.ClientConfig;
import io.occams.rpc.api.ErrnoException;
import io.occams.rpc.api.MessageException;
import io.occams.rpc.api.RpcAddress;
import io.occams.rpc.api.RpcCode;
import io.occams.rpc.api.RpcException;
import io.occams.rpc.api.spi.Codec;
import io.occams.rpc.api.spi.ServerCall;
import io.occams.rpc.runtime.netty.NettyRuntime;
import io.occams.rpc.stream.ClientStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The M4 scenarios on a real socket: a {@link RecordingServer} sees what the proxy sends (actions, and msgs
 * that decode back to the arguments for 0, 1 and 3 arguments) and answers with every kind of frame; the
 * tests check what the caller gets.
 */
@Timeout(60)
class ProxyOverStreamTest {
    static NettyRuntime runtime;

    @TempDir
    static Path dir;

    RpcClient client;
    Codec codec;
    RecordingServer server;
    ClientStream stream;
    MyTestService svc;

    @BeforeAll
    static void startRuntime() {
        runtime = new NettyRuntime();
    }

    @AfterAll
    static void stopRuntime() {
        runtime.close();
    }

    @BeforeEach
    void connect() throws Exception {
        client = RpcClient.create();
        codec = client.codec();
        server = new RecordingServer(runtime, RpcAddress.tcp("127.0.0.1", 0), codec);
        stream = ClientStream.connect(runtime, server.address, ClientConfig.defaults())
                .get(10, TimeUnit.SECONDS);
        svc = client.proxy(MyTestService.class, stream);
    }

    @AfterEach
    void disconnect() {
        stream.abort();
        server.close();
    }

    @Test
    void argumentsForZeroOneAndThreeArgumentsDecodeBackToWhatWasSent() throws Exception {
        svc.noArgs();
        assertThat(svc.one("héllo")).isEqualTo("héllo");
        assertThat(svc.three(7, "x", true).get(10, TimeUnit.SECONDS)).isEqualTo(42L);

        assertThat(server.actions())
                .containsExactly("MyTestService.no_args", "MyTestService.one", "MyTestService.three");
        assertThat(server.requests.get(0).msg()).containsExactly(0xc0); // nil, as the seed's ()
        assertThat(codec.argumentsBinding(String.class)
                        .decode(Unpooled.wrappedBuffer(server.requests.get(1).msg())))
                .containsExactly("héllo");
        assertThat(codec.argumentsBinding(long.class, String.class, boolean.class)
                        .decode(Unpooled.wrappedBuffer(server.requests.get(2).msg())))
                .containsExactly(7L, "x", true);
    }

    @Test
    void twoArgumentsGoOutAsTheSeedsTuple() {
        assertThat(svc.add(10, 20)).isEqualTo(30L);
        assertThat(server.requests.get(0).msg()).containsExactly(0x92, 0x0a, 0x14); // spec 2.7 frame 2
    }

    @Test
    void completionStageMethodsAreAsyncToo() throws Exception {
        assertThat(svc.stage("s").toCompletableFuture().get(10, TimeUnit.SECONDS))
                .isEqualTo("s");
    }

    @Test
    void anInjectedMethodNotFoundReachesTheCallerAsRpcException() {
        assertThatThrownBy(svc::missing).isInstanceOfSatisfying(RpcException.class, e -> {
            assertThat(e.code()).isEqualTo(RpcCode.METHOD_NOT_FOUND);
            assertThat(e.isRetryable()).isFalse();
        });
        assertThat(svc.add(1, 2)).as("the connection stays usable").isEqualTo(3L);
    }

    @Test
    void anErrnoFrameIsThrownAsTheDeclaredCheckedException() {
        Throwable t = catchThrowable(() -> svc.errno(1));
        assertThat(t).isExactlyInstanceOf(ErrnoException.class);
        assertThat(((ErrnoException) t).errno()).isEqualTo(5);
        assertThat(t.getSuppressed()).as("where the call was made").hasSize(1);
    }

    @Test
    void anUndeclaredErrnoIsAnRpcExceptionKeepingTheNumber() {
        assertThatThrownBy(() -> svc.undeclaredErrno(1)).isInstanceOfSatisfying(RpcException.class, e -> {
            assertThat(e.code()).isNull();
            assertThat(e.errno()).isEqualTo(5L);
        });
    }

    @Test
    void aStringFrameIsThrownAsTheDeclaredMessageException() {
        assertThatThrownBy(() -> svc.text(1))
                .isExactlyInstanceOf(MessageException.class)
                .hasMessage("divide by zero");
    }

    @Test
    void anAsyncMethodCompletesExceptionallyWithTheDeclaredException() throws Exception {
        CompletableFuture<Long> f = svc.textAsync(1);
        assertThatThrownBy(f::join)
                .isInstanceOf(CompletionException.class)
                .cause()
                .isExactlyInstanceOf(MessageException.class)
                .hasMessage("divide by zero");
    }

    @Test
    void aUserTextStartingWithRpcButNoReservedNameIsAUserError() {
        assertThatThrownBy(() -> svc.rpcish(1))
                .isExactlyInstanceOf(MessageException.class)
                .hasMessage("rpc_quota");
    }

    @Test
    void anEmptyReplyDecodesAsZeroOrNull() {
        assertThat(svc.emptyLong()).isZero();
        assertThat(svc.emptyString()).isNull();
    }

    @Test
    void aReplyWithABlobFailsWithDecode() {
        assertThatThrownBy(svc::blob)
                .isInstanceOfSatisfying(
                        RpcException.class, e -> assertThat(e.code()).isEqualTo(RpcCode.DECODE));
    }

    @Test
    void aReplyThatIsNotTheResultTypeFailsWithDecodeKeepingTheCause() {
        assertThatThrownBy(svc::garbage).isInstanceOfSatisfying(RpcException.class, e -> {
            assertThat(e.code()).isEqualTo(RpcCode.DECODE);
            assertThat(e.getCause()).isNotNull();
        });
    }

    @Test
    @SuppressWarnings("SelfAssertion") // the proxy's own equals() is what is tested
    void objectMethodsAndDefaultMethodsRunLocally() {
        assertThat(svc.toString()).contains("MyTestService");
        assertThat(svc).isEqualTo(svc).isNotEqualTo(client.proxy(MyTestService.class, stream));
        assertThat(svc.hashCode()).isEqualTo(System.identityHashCode(svc));
        assertThat(server.requests).isEmpty();
        assertThat(svc.twice(21)).isEqualTo(42L);
        assertThat(server.actions()).containsExactly("MyTestService.add");
    }

    @Test
    void anAsyncCallReturnsBeforeTheServerAnswers() throws Exception {
        CompletableFuture<Long> f = svc.slowAsync(1);
        ServerCall held = server.held.poll(10, TimeUnit.SECONDS);
        assertThat(held).as("the request reached the server").isNotNull();
        assertThat(f).isNotDone();
        RecordingServer.answer(held, codec, 99);
        assertThat(f.get(10, TimeUnit.SECONDS)).isEqualTo(99L);
    }

    @Test
    void callsMadeFromCompletionsEachGetTheirOwnAnswerWhileTheirTasksAreReused() throws Exception {
        // Closed loops as a pipelining client runs them: each completion (on the reader) makes the next call,
        // so the stream task the last call gave back is taken again at once. Some calls carry a deadline
        // (their task is never reused), some are answered with an error frame: every call must still get its
        // own answer, never another call's.
        MyTestService timed = client.proxy(MyTestService.class, stream, CallOptions.timeout(Duration.ofSeconds(60)));
        int chains = 4;
        int perChain = 300;
        java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(chains);
        java.util.Queue<String> wrong = new java.util.concurrent.ConcurrentLinkedQueue<>();
        for (int c = 0; c < chains; c++) {
            chain(timed, c, 0, perChain, wrong, done);
        }
        assertThat(done.await(30, TimeUnit.SECONDS)).as("every chain ended").isTrue();
        assertThat(wrong).isEmpty();
    }

    private void chain(
            MyTestService timed,
            int c,
            int i,
            int n,
            java.util.Queue<String> wrong,
            java.util.concurrent.CountDownLatch done) {
        if (i == n) {
            done.countDown();
            return;
        }
        if (i % 5 == 4) {
            CompletableFuture<Long> f;
            try {
                f = svc.textAsync(i);
            } catch (MessageException notThrownHere) { // an async method reports it through its future
                throw new AssertionError(notThrownHere);
            }
            f.whenComplete((v, e) -> {
                if (v != null || !(e instanceof MessageException || e.getCause() instanceof MessageException)) {
                    wrong.add("chain " + c + " call " + i + ": " + v + " / " + e);
                }
                chain(timed, c, i + 1, n, wrong, done);
            });
            return;
        }
        String sent = "chain " + c + " call " + i;
        (i % 3 == 0 ? timed : svc).stage(sent).whenComplete((v, e) -> {
            if (e != null || !sent.equals(v)) {
                wrong.add(sent + ": got " + v + " / " + e);
            }
            chain(timed, c, i + 1, n, wrong, done);
        });
    }

    @Test
    void aPerCallTimeoutFailsTheCallWithTimeout() throws Exception {
        MyTestService quick = RpcClient.withOptions(svc, CallOptions.timeout(Duration.ofMillis(200)));
        long start = System.nanoTime();
        assertThatThrownBy(() -> quick.slow(1))
                .isInstanceOfSatisfying(
                        RpcException.class, e -> assertThat(e.code()).isEqualTo(RpcCode.TIMEOUT));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(200));
        ServerCall held = server.held.poll(10, TimeUnit.SECONDS);
        assertThat(held).isNotNull();
        RecordingServer.answer(held, codec, 5); // too late: dropped
        assertThat(svc.add(1, 1))
                .as("a late reply does not disturb later calls")
                .isEqualTo(2L);
    }

    @Test
    void anAsyncCallTimesOutToo() {
        MyTestService quick = client.proxy(MyTestService.class, stream, CallOptions.timeout(Duration.ofMillis(100)));
        CompletableFuture<Long> f = quick.slowAsync(1);
        assertThatThrownBy(f::join)
                .cause()
                .isInstanceOfSatisfying(
                        RpcException.class, e -> assertThat(e.code()).isEqualTo(RpcCode.TIMEOUT));
    }

    @Test
    void aScopedTimeoutAppliesToCallsOnThisThreadOnly() {
        try (CallOptions.Scope s = CallOptions.timeout(Duration.ofMillis(100)).activate()) {
            assertThat(CallOptions.current().timeout()).contains(Duration.ofMillis(100));
            assertThatThrownBy(() -> svc.slow(1))
                    .isInstanceOfSatisfying(
                            RpcException.class, e -> assertThat(e.code()).isEqualTo(RpcCode.TIMEOUT));
        }
        assertThat(CallOptions.current()).isEqualTo(CallOptions.none());
    }

    @Test
    void aDeadlineThatHasPassedFailsWithoutSending() {
        MyTestService late =
                RpcClient.withOptions(svc, CallOptions.deadline(Instant.now().minusSeconds(1)));
        assertThatThrownBy(() -> late.add(1, 2))
                .isInstanceOfSatisfying(
                        RpcException.class, e -> assertThat(e.code()).isEqualTo(RpcCode.TIMEOUT));
        assertThat(svc.add(2, 2)).isEqualTo(4L);
        assertThat(server.requests).hasSize(1);
    }

    @Test
    void blockingCallsFromManyThreadsAtOnceEachGetTheirOwnAnswer() throws Exception {
        int threads = 16;
        int calls = 200;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                long base = t * 1_000_000L;
                done.add(pool.submit(() -> {
                    for (long i = 0; i < calls; i++) {
                        assertThat(svc.add(base, i)).isEqualTo(base + i);
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(server.requests).hasSize(threads * calls);
    }

    @Test
    void blockingCallsWorkFromVirtualThreads() throws Exception {
        try (ExecutorService v = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Long>> fs = new ArrayList<>();
            for (long i = 0; i < 100; i++) {
                long x = i;
                fs.add(v.submit(() -> svc.add(x, x)));
            }
            for (int i = 0; i < fs.size(); i++) {
                assertThat(fs.get(i).get(30, TimeUnit.SECONDS)).isEqualTo(2L * i);
            }
        }
    }

    @Test
    void aLostConnectionFailsThePendingCallWithIo() throws Exception {
        CompletableFuture<Long> f = svc.slowAsync(1);
        ServerCall held = server.held.poll(10, TimeUnit.SECONDS);
        assertThat(held).isNotNull();
        server.server.shutdownNow();
        assertThatThrownBy(() -> f.get(10, TimeUnit.SECONDS))
                .cause()
                .isInstanceOfSatisfying(
                        RpcException.class, e -> assertThat(e.code()).isEqualTo(RpcCode.IO));
        RecordingServer.answer(held, codec, 5); // to a closed connection: released, not sent
    }

    @Test
    void aCallOnAClosedStreamFailsWithIo() {
        stream.close();
        assertThatThrownBy(() -> svc.add(1, 2))
                .isInstanceOfSatisfying(
                        RpcException.class, e -> assertThat(e.code()).isEqualTo(RpcCode.IO));
    }

    @Test
    void asyncFuturesCompleteOnTheCompletionExecutor() throws Exception {
        ExecutorService exec = Executors.newSingleThreadExecutor(r -> new Thread(r, "completions"));
        try {
            RpcClient c =
                    RpcClient.builder().codec(codec).completionExecutor(exec).build();
            MyTestService p = c.proxy(MyTestService.class, stream);
            AtomicReference<String> thread = new AtomicReference<>();
            CompletableFuture<Void> after = p.slowAsync(1)
                    .thenRun(() -> thread.set(Thread.currentThread().getName()));
            RecordingServer.answer(server.held.poll(10, TimeUnit.SECONDS), codec, 1);
            after.get(10, TimeUnit.SECONDS);
            assertThat(thread.get()).isEqualTo("completions");
        } finally {
            exec.shutdownNow();
        }
    }
}
