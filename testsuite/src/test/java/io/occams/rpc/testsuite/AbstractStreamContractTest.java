package io.occams.rpc.testsuite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.occams.rpc.api.ClientConfig;
import io.occams.rpc.api.ErrnoException;
import io.occams.rpc.api.RpcAddress;
import io.occams.rpc.api.RpcCode;
import io.occams.rpc.api.RpcException;
import io.occams.rpc.api.ServerConfig;
import io.occams.rpc.api.spi.Dispatch;
import io.occams.rpc.api.spi.ForwardingRuntime;
import io.occams.rpc.api.spi.Runtime;
import io.occams.rpc.api.spi.ServerCall;
import io.occams.rpc.stream.ClientStream;
import io.occams.rpc.stream.ClientTask;
import io.occams.rpc.stream.Reply;
import io.occams.rpc.stream.StreamServer;
import io.occams.rpc.testkit.Futures;
import io.occams.rpc.testkit.ManualScheduler;
import io.occams.rpc.testkit.RawPeer;
import io.occams.rpc.testkit.RuntimePerTest;
import io.occams.rpc.testkit.Transport;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The stream layer's contract: the seed's scenarios S1-S5 (spec §10) and what the Java port adds,
 * written once and run by a subclass per runtime, each over TCP and a Unix socket.
 */
public abstract class AbstractStreamContractTest extends RuntimePerTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    /** The server config a test asks for, as this subclass runs it (TLS subclasses add their TLS). */
    protected ServerConfig serverConfig(ServerConfig config) {
        return config;
    }

    /** The client config a test asks for, as this subclass runs it (TLS subclasses add their TLS). */
    protected ClientConfig clientConfig(ClientConfig config) {
        return config;
    }

    /**
     * Whether the tests that write raw frame bytes to a plain socket ({@link RawPeer}) apply: not over
     * TLS, whose own bad-input tests stand in for them.
     */
    protected boolean plaintext() {
        return true;
    }

    private StreamServer server(Dispatch dispatch, ServerConfig config) {
        StreamServer s = new StreamServer(runtime, serverConfig(config), dispatch);
        closeAfter(s::shutdownNow);
        return s;
    }

    private RpcAddress serve(Transport t, Dispatch dispatch) throws Exception {
        return server(dispatch, ServerConfig.defaults()).listen(t.freshAddress(dir));
    }

    private ClientStream connect(RpcAddress a, ClientConfig config) {
        ClientStream c = ClientStream.connect(runtime, a, clientConfig(config)).join();
        closeAfter(c::abort);
        return c;
    }

    private ClientStream connect(RpcAddress a) {
        return connect(a, ClientConfig.defaults());
    }

    /** A client whose timers (deadlines, sweep) run on {@code clock}, a manual one: they fire on its tick. */
    private ClientStream connect(RpcAddress a, ClientConfig config, ManualScheduler clock) {
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
        ClientStream c = ClientStream.connect(manual, a, clientConfig(config), clock::nanoTime)
                .join();
        closeAfter(c::abort);
        return c;
    }

    private static <T> T get(CompletableFuture<T> f) throws Exception {
        return Futures.get(f, WAIT);
    }

    private static RpcException failure(CompletableFuture<?> f) {
        return Futures.rpcFailure(f, WAIT);
    }

    // S1
    @ParameterizedTest
    @EnumSource(Transport.class)
    void openWriteReadRoundTripsABlob(Transport t) throws Exception {
        ClientStream c = connect(serve(t, new FileService()));
        try (Reply r = get(c.call(FileService.OPEN, FileService.openMsg("/tmp/test_file"), null))) {
            assertThat(r.msg().isReadable()).isFalse();
        }
        byte[] blob = new byte[1024];
        new Random(42).nextBytes(blob);
        try (Reply r = get(c.call(FileService.WRITE, FileService.ioMsg(1, 0, 1024), Unpooled.wrappedBuffer(blob)))) {
            assertThat(FileService.IO_RESP.decode(r.msg()).ret_size()).isEqualTo(1024);
        }
        try (Reply r = get(c.call(FileService.READ, FileService.ioMsg(1, 0, 1024), null))) {
            assertThat(FileService.IO_RESP.decode(r.msg()).ret_size()).isEqualTo(1024);
            assertThat(ByteBufUtil.getBytes(r.blob())).isEqualTo(blob);
        }
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void anAnsweredServerCallRefusesFurtherUseAndIsRecycledForTheNextRequest(Transport t) throws Exception {
        List<ServerCall> seen = Collections.synchronizedList(new ArrayList<>());
        List<Throwable> refused = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch firstChecked = new CountDownLatch(1);
        ClientStream c = connect(serve(t, call -> {
            seen.add(call);
            call.executor().execute(() -> {
                call.reply(call.msg().retain(), null);
                // Misuse, on purpose: the call is answered and not yet handed out again.
                try {
                    call.reply(Unpooled.buffer(1).writeByte(1), null);
                } catch (IllegalStateException e) {
                    refused.add(e);
                }
                try {
                    call.msg();
                } catch (IllegalStateException e) {
                    refused.add(e);
                }
                firstChecked.countDown();
            });
        }));
        try (Reply r = get(c.call(7, Unpooled.buffer(8).writeLongLE(1), null))) {
            assertThat(r.msg().getLongLE(r.msg().readerIndex())).isEqualTo(1);
        }
        assertThat(firstChecked.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
        assertThat(refused)
                .as("a second answer and a getter after the answer throw")
                .hasSize(2);
        try (Reply r = get(c.call(7, Unpooled.buffer(8).writeLongLE(2), null))) {
            assertThat(r.msg().getLongLE(r.msg().readerIndex()))
                    .as("the stale answer went nowhere")
                    .isEqualTo(2);
        }
        assertThat(seen.get(1))
                .as("the answered call object serves the next request")
                .isSameAs(seen.get(0));
    }

    // S2
    @ParameterizedTest
    @EnumSource(Transport.class)
    void pingsAreAnsweredAndTheConnectionStaysOpen(Transport t) throws Exception {
        FileService svc = new FileService();
        ClientStream c = connect(serve(t, svc));
        for (int i = 0; i < 3; i++) {
            assertThat(get(c.ping())).isPositive();
        }
        assertThat(c.isClosed()).isFalse();
        assertThat(svc.calls.get()).as("pings are not dispatched").isZero();
    }

    // S3
    @ParameterizedTest
    @EnumSource(Transport.class)
    void aCallToASlowHandlerTimesOut(Transport t) throws Exception {
        FileService svc = new FileService();
        CountDownLatch gate = new CountDownLatch(1);
        svc.openGate = gate;
        // The client's timers run on a manual clock: the timeout passes when the test says so.
        ManualScheduler clock = new ManualScheduler();
        ClientStream c = connect(
                serve(t, svc),
                ClientConfig.builder().taskTimeout(Duration.ofSeconds(1)).build(),
                clock);
        try {
            CompletableFuture<Reply> slow = c.call(FileService.OPEN, FileService.openMsg("/slow"), null);
            clock.tick(Duration.ofSeconds(2));
            assertThat(failure(slow).code()).isEqualTo(RpcCode.TIMEOUT);
            // the connection is still good after a timeout; the late reply is skipped
            assertThat(get(c.ping())).isPositive();
        } finally {
            gate.countDown();
        }
    }

    // S4
    @ParameterizedTest
    @EnumSource(Transport.class)
    void anErrnoErrorLeavesTheConnectionUsable(Transport t) throws Exception {
        FileService svc = new FileService();
        svc.openErrno = ErrnoException.EACCES;
        ClientStream c = connect(serve(t, svc));
        RpcException e = failure(c.call(FileService.OPEN, FileService.openMsg("/denied"), null));
        assertThat(e.code()).isNull();
        assertThat(e.errno()).isEqualTo(13);
        try (Reply r = get(
                c.call(FileService.WRITE, FileService.ioMsg(1, 0, 3), Unpooled.wrappedBuffer(new byte[] {1, 2, 3})))) {
            assertThat(FileService.IO_RESP.decode(r.msg()).ret_size()).isEqualTo(3);
        }
    }

    // S5
    @ParameterizedTest
    @EnumSource(Transport.class)
    void closingTheClientStillCompletesEveryCallInFlight(Transport t) throws Exception {
        FileService svc = new FileService();
        CountDownLatch gate = new CountDownLatch(1);
        svc.ioGate = gate;
        ClientStream c = connect(serve(t, svc));
        List<CompletableFuture<Void>> done = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            done.add(send(c, FileService.OPEN, FileService.openMsg("/f" + i)));
            done.add(send(c, FileService.READ, FileService.ioMsg(1, 0, 0)));
        }
        c.flush();
        c.close();
        gate.countDown();
        CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(done).hasSize(40).allMatch(f -> f.isDone() && !f.isCompletedExceptionally());
        get(c.closeFuture());
    }

    /** A task whose errno, error string or failure fails {@code f}; the subclass completes it on a reply. */
    private abstract static class FutureTask extends ClientTask {
        private final CompletableFuture<Void> f;

        FutureTask(int action, CompletableFuture<Void> f) {
            super(action);
            this.f = f;
        }

        @Override
        public void onErrno(int errno) {
            f.completeExceptionally(RpcException.unmappedErrno(errno));
        }

        @Override
        public void onErrorString(ByteBuf text) {
            f.completeExceptionally(RpcException.unmappedString(ByteBufUtil.getBytes(text)));
        }

        @Override
        public void onFailure(RpcException e) {
            f.completeExceptionally(e);
        }
    }

    /** Sends without flushing; the future completes with the outcome. */
    private static CompletableFuture<Void> send(ClientStream c, int action, ByteBuf msg) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        c.send(
                new FutureTask(action, f) {
                    @Override
                    public void encodeMsg(ByteBuf out) {
                        out.writeBytes(msg);
                        msg.release();
                    }

                    @Override
                    public void onReply(ByteBuf m, ByteBuf b) {
                        f.complete(null);
                    }
                },
                false);
        return f;
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void tenThousandPipelinedCallsAreMatchedBySeqEvenOutOfOrder(Transport t) throws Exception {
        // The server answers odd payloads at once and even ones later, from another thread.
        Dispatch echo = call -> {
            long v = call.msg().getLongLE(call.msg().readerIndex());
            ByteBuf m = call.alloc().buffer(8).writeLongLE(v);
            if ((v & 1) == 1) {
                call.reply(m, null);
            } else {
                call.executor().execute(() -> call.reply(m, null));
            }
        };
        ClientStream c = connect(serve(t, echo));
        int n = 10_000;
        List<CompletableFuture<Reply>> replies = new ArrayList<>(n);
        for (long i = 0; i < n; i++) {
            replies.add(c.call(7, Unpooled.buffer(8).writeLongLE(i * 31 + 5), null));
        }
        for (int i = 0; i < n; i++) {
            try (Reply r = get(replies.get(i))) {
                assertThat(r.msg().getLongLE(r.msg().readerIndex())).isEqualTo(i * 31L + 5);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void aMsgTheDispatchRetainsKeepsItsBytesAfterTheAnswerWhileLaterCallsAreServed(Transport t) throws Exception {
        // The server reuses a small msg's buffer for the next request once answered, unless retained.
        List<ByteBuf> kept = Collections.synchronizedList(new ArrayList<>());
        ClientStream c = connect(serve(t, call -> {
            if (call.msg().getByte(call.msg().readerIndex()) == 1) {
                kept.add(call.msg().retain());
            }
            call.reply(call.msg().retain(), null);
        }));
        int n = 40;
        try {
            for (int i = 0; i < n; i++) {
                int length = i % 10 == 9 ? 300 : 8; // small ones are copied, large ones sliced
                ByteBuf m = Unpooled.buffer(length)
                        .writeByte(i % 3 == 0 ? 1 : 0)
                        .writeZero(length - 5)
                        .writeInt(i);
                try (Reply r = get(c.call(7, m, null))) {
                    assertThat(r.msg().readableBytes()).isEqualTo(length);
                    assertThat(r.msg().getInt(r.msg().writerIndex() - 4)).isEqualTo(i);
                }
            }
            assertThat(kept).hasSize((n + 2) / 3);
            for (int k = 0; k < kept.size(); k++) {
                ByteBuf m = kept.get(k);
                assertThat(m.getInt(m.writerIndex() - 4)).as("kept msg %d", k).isEqualTo(k * 3);
            }
        } finally {
            kept.forEach(ByteBuf::release);
        }
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void aReplyMsgATaskRetainsKeepsItsBytesWhileLaterRepliesArrive(Transport t) throws Exception {
        // The client reader reuses one buffer for small reply msgs (issue 21), unless a task retained it.
        ClientStream c = connect(serve(t, call -> call.reply(call.msg().retain(), null)));
        int n = 60;
        List<ByteBuf> kept = Collections.synchronizedList(new ArrayList<>());
        List<Integer> seen = Collections.synchronizedList(new ArrayList<>());
        List<CompletableFuture<Void>> done = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                int id = i;
                int length = i % 10 == 9 ? 300 : 8; // small ones are copied, large ones sliced
                CompletableFuture<Void> f = new CompletableFuture<>();
                done.add(f);
                c.send(
                        new FutureTask(7, f) {
                            @Override
                            public void encodeMsg(ByteBuf out) {
                                out.writeZero(length - 4).writeInt(id);
                            }

                            @Override
                            public void onReply(ByteBuf m, ByteBuf b) {
                                seen.add(m.getInt(m.writerIndex() - 4));
                                if (id % 3 == 0) {
                                    kept.add(m.retain());
                                }
                                f.complete(null);
                            }
                        },
                        i == n - 1); // pipelined: replies arrive in bursts, read by one reader
            }
            CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).get(WAIT.toSeconds(), TimeUnit.SECONDS);
            List<Integer> ids = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                ids.add(i);
            }
            assertThat(seen).as("each reply carried its own call's msg").containsExactlyInAnyOrderElementsOf(ids);
            assertThat(kept).hasSize(n / 3);
            for (int k = 0; k < kept.size(); k++) {
                ByteBuf m = kept.get(k);
                assertThat(m.getInt(m.writerIndex() - 4))
                        .as("kept reply msg %d", k)
                        .isEqualTo(k * 3);
            }
        } finally {
            kept.forEach(ByteBuf::release);
        }
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void theWindowBoundsCallsInFlight(Transport t) throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
        AtomicInteger arrived = new AtomicInteger();
        Dispatch held = call -> {
            arrived.incrementAndGet();
            call.executor().execute(() -> {
                try {
                    gate.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                call.reply(null, null);
            });
        };
        ClientStream c =
                connect(serve(t, held), ClientConfig.builder().thresholds(8).build());
        List<CompletableFuture<Void>> f = new ArrayList<>();
        CompletableFuture<Void> sender = CompletableFuture.runAsync(() -> {
            for (int i = 0; i < 20; i++) {
                f.add(send(c, 9, Unpooled.buffer(1).writeByte(i)));
            }
            c.flush();
        });
        await().atMost(WAIT).until(() -> arrived.get() == 8);
        assertThat(sender).isNotDone();
        assertThat(c.inFlight()).isEqualTo(8);
        gate.countDown();
        get(sender);
        CompletableFuture.allOf(f.toArray(CompletableFuture[]::new)).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(arrived.get()).isEqualTo(20);
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void theServersCountOfUnansweredCallsIsExactOnceItsReadsEndWhicheverThreadAnswers(Transport t) throws Exception {
        // Action 1 is answered on the reader, action 2 is held and answered later by this test's thread: the
        // reader counts calls ahead in blocks and gives back what a read did not use, so the server-wide count
        // must come out exact between reads either way.
        java.util.Queue<ServerCall> held = new java.util.concurrent.ConcurrentLinkedQueue<>();
        Dispatch d = call -> {
            if (call.numericAction() == 1) {
                call.reply(null, null);
            } else {
                held.add(call);
            }
        };
        StreamServer server = server(d, ServerConfig.defaults());
        ClientStream c = connect(server.listen(t.freshAddress(dir)));
        int calls = 60;
        List<CompletableFuture<Void>> inline = new ArrayList<>();
        List<CompletableFuture<Void>> later = new ArrayList<>();
        for (int i = 0; i < calls; i++) {
            (i % 2 == 0 ? inline : later)
                    .add(send(c, 1 + i % 2, Unpooled.buffer(1).writeByte(i)));
        }
        c.flush();
        for (CompletableFuture<Void> f : inline) {
            get(f);
        }
        await().atMost(WAIT).until(() -> held.size() == calls / 2);
        await().atMost(WAIT).until(() -> server.inFlight() == calls / 2);
        ServerCall h;
        while ((h = held.poll()) != null) {
            h.reply(null, null);
        }
        for (CompletableFuture<Void> f : later) {
            get(f);
        }
        await().atMost(WAIT).until(() -> server.inFlight() == 0);
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void goldenRequestBytesGetTheGoldenReplyBytes(Transport t) throws Exception {
        assumeTrue(plaintext(), "raw frames need a plaintext socket");
        Dispatch calc = call -> {
            if ("Calc.add".equals(call.stringAction())
                    && ByteBufUtil.hexDump(call.msg()).equals("920a14")) {
                call.reply(Unpooled.wrappedBuffer(new byte[] {0x1e}), null);
            } else {
                call.replyError(RpcCode.DECODE);
            }
        };
        RpcAddress a = serve(t, calc);
        try (RawPeer peer = RawPeer.connect(a)) {
            peer.write(hex(
                    "25 4d 01 00 00 00 00 00 01 00 00 00 00 00 00 00 07 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00"));
            assertThat(peer.readExactly(20))
                    .isEqualTo(hex("25 4d 01 00 00 00 00 00 01 00 00 00 00 00 00 00 00 00 00 00"));
            peer.write(hex(
                    "25 4d 01 00 08 00 00 80 02 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 03 00 00 00 00 00 00 00"
                            + " 43 61 6c 63 2e 61 64 64 92 0a 14"));
            assertThat(peer.readExactly(21))
                    .isEqualTo(hex("25 4d 01 00 01 00 00 00 02 00 00 00 00 00 00 00 00 00 00 00 1e"));
            // an unknown numeric action: rpc_decode, and the connection stays open
            peer.write(hex(
                    "25 4d 01 00 63 00 00 00 03 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00"));
            byte[] err = peer.readExactly(20 + 10);
            assertThat(new String(err, 20, 10)).isEqualTo("rpc_decode");
            assertThat(err[3]).isEqualTo((byte) 2);
        }
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void anEvilLengthClosesOnlyThatConnection(Transport t) throws Exception {
        assumeTrue(plaintext(), "raw frames need a plaintext socket");
        FileService svc = new FileService();
        RpcAddress a = serve(t, svc);
        ClientStream good = connect(a);
        try (RawPeer evil = RawPeer.connect(a)) {
            // msg_len = 0xFFFFFFFF: refused from the header alone, nothing allocated for it
            evil.write(hex("25 4d 01 00 01 00 00 00 01 00 00 00 00 00 00 00 00 00 00 00 ff ff ff ff 00 00 00 00"));
            assertThat(evil.readToEofOrReset()).isEmpty();
        }
        try (RawPeer garbage = RawPeer.connect(a)) {
            garbage.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes());
            assertThat(garbage.readToEofOrReset()).isEmpty();
        }
        try (Reply r = get(good.call(FileService.OPEN, FileService.openMsg("/still-fine"), null))) {
            assertThat(r.msg().isReadable()).isFalse();
        }
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void callsAcceptedBeforeAnEvilFrameAreStillAnswered(Transport t) throws Exception {
        assumeTrue(plaintext(), "raw frames need a plaintext socket");
        FileService svc = new FileService();
        CountDownLatch gate = new CountDownLatch(1);
        svc.openGate = gate;
        RpcAddress a = serve(t, svc);
        try (RawPeer peer = RawPeer.connect(a)) {
            ByteBuf open = Unpooled.buffer();
            io.occams.rpc.stream.Frames.writeRequestHeader(open, FileService.OPEN, 1, 0, 0, 0);
            ByteBuf msg = FileService.openMsg("/x");
            open.setIntLE(24, msg.readableBytes());
            open.writeBytes(msg);
            msg.release();
            peer.write(ByteBufUtil.getBytes(open));
            open.release();
            await().atMost(WAIT).until(() -> svc.calls.get() == 1);
            peer.write(
                    hex(
                            "25 4d 09 00 01 00 00 00 02 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00")); // bad version
            gate.countDown();
            byte[] answer = peer.readToEofOrReset();
            assertThat(answer).hasSize(20);
            assertThat(answer[3]).isEqualTo((byte) 0);
            assertThat(answer[8]).isEqualTo((byte) 1);
        }
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void shutdownAnswersEveryAcceptedCallThenCloses(Transport t) throws Exception {
        FileService svc = new FileService();
        CountDownLatch gate = new CountDownLatch(1);
        svc.openGate = gate;
        StreamServer server = server(svc, ServerConfig.defaults());
        RpcAddress a = server.listen(t.freshAddress(dir));
        ClientStream c = connect(a);
        List<CompletableFuture<Reply>> calls = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            calls.add(c.call(FileService.OPEN, FileService.openMsg("/s" + i), null));
        }
        await().atMost(WAIT).until(() -> svc.calls.get() == 10);
        server.shutdown();
        assertThat(server.isTerminated()).isFalse();
        gate.countDown();
        for (CompletableFuture<Reply> f : calls) {
            get(f).close();
        }
        assertThat(server.awaitTermination(WAIT)).isTrue();
        get(c.closeFuture());
        assertThatThrownBy(() -> ClientStream.connect(runtime, a, clientConfig(ClientConfig.defaults()))
                        .join())
                .isInstanceOf(CompletionException.class)
                .hasCauseInstanceOf(RpcException.class);
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void losingTheConnectionFailsEachPendingCallOnceWithIoError(Transport t) throws Exception {
        FileService svc = new FileService();
        CountDownLatch gate = new CountDownLatch(1);
        svc.openGate = gate;
        StreamServer server = server(svc, ServerConfig.defaults());
        ClientStream c = connect(server.listen(t.freshAddress(dir)));
        AtomicInteger completions = new AtomicInteger();
        List<CompletableFuture<Reply>> calls = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            CompletableFuture<Reply> f = c.call(FileService.OPEN, FileService.openMsg("/l" + i), null);
            f.whenComplete((r, e) -> completions.incrementAndGet());
            calls.add(f);
        }
        await().atMost(WAIT).until(() -> svc.calls.get() == 25);
        server.shutdownNow();
        for (CompletableFuture<Reply> f : calls) {
            assertThat(failure(f).code()).isEqualTo(RpcCode.IO);
        }
        gate.countDown();
        assertThat(completions.get()).isEqualTo(25);
        assertThat(c.isClosed()).isTrue();
        assertThat(failure(c.call(FileService.OPEN, FileService.openMsg("/after"), null))
                        .code())
                .isEqualTo(RpcCode.IO);
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void anIdleConnectionIsClosedByTheServer(Transport t) throws Exception {
        // The server's sweep runs on a manual clock: the idle timeout passes when the test says so.
        ManualScheduler clock = new ManualScheduler();
        StreamServer server = new StreamServer(
                runtime,
                serverConfig(ServerConfig.builder()
                        .idleTimeout(Duration.ofSeconds(1))
                        .build()),
                new FileService(),
                clock,
                clock::nanoTime);
        closeAfter(server::shutdownNow);
        ClientStream c = connect(server.listen(t.freshAddress(dir)));
        get(c.ping());
        clock.tick(Duration.ofSeconds(2)); // two sweeps, the second past the idle timeout
        get(c.closeFuture());
        assertThat(c.isClosed()).isTrue();
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void aBigBlobArrivesIntact(Transport t) throws Exception {
        ClientStream c = connect(serve(t, new FileService()));
        byte[] blob = new byte[3 << 20];
        new Random(7).nextBytes(blob);
        get(c.call(FileService.WRITE, FileService.ioMsg(1, 0, blob.length), Unpooled.wrappedBuffer(blob)))
                .close();
        try (Reply r = get(c.call(FileService.READ, FileService.ioMsg(1, 0, blob.length), null))) {
            assertThat(ByteBufUtil.getBytes(r.blob())).isEqualTo(blob);
        }
    }

    static byte[] hex(String s) {
        return ByteBufUtil.decodeHexDump(s.replace(" ", ""));
    }
}
