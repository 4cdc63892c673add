package io.occams.rpc.testsuite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.occams.rpc.api.ClientConfig;
import io.occams.rpc.api.RpcAddress;
import io.occams.rpc.api.RpcCode;
import io.occams.rpc.api.RpcException;
import io.occams.rpc.api.ServerConfig;
import io.occams.rpc.api.spi.Dispatch;
import io.occams.rpc.stream.ClientStream;
import io.occams.rpc.stream.Frames;
import io.occams.rpc.stream.Reply;
import io.occams.rpc.stream.StreamServer;
import io.occams.rpc.stream.internal.RateLimitedLog;
import io.occams.rpc.testkit.Futures;
import io.occams.rpc.testkit.LogCapture;
import io.occams.rpc.testkit.ManualScheduler;
import io.occams.rpc.testkit.RawPeer;
import io.occams.rpc.testkit.RuntimePerTest;
import io.occams.rpc.testkit.Transport;
import io.occams.rpc.testkit.WatchedRuntime;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What a hostile or unlucky peer can do to a server (issue 16), on each runtime: how much it makes the
 * server log (lines counted from the log output), replies too large for the frame limit, and the
 * connection limits.
 *
 * <p>Log counts allow one more line per {@value RateLimitedLog#WINDOW_SECONDS} s the test took, since
 * the rate limit is by time: on a machine fast enough they are exactly one.
 */
@Timeout(120)
public abstract class AbstractHardeningContractTest extends RuntimePerTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final byte[] BIG_REPLY = new byte[256 * 1024];

    @TempDir
    Path dir;

    private StreamServer server(Dispatch dispatch, ServerConfig config) {
        StreamServer s = new StreamServer(runtime, config, dispatch);
        closeAfter(s::shutdownNow);
        return s;
    }

    /** An echo server whose sweep runs on {@code clock}: its timeouts pass when the test ticks. */
    private StreamServer echoServerOn(ManualScheduler clock, ServerConfig config) {
        StreamServer s = new StreamServer(runtime, config, ECHO, clock, clock::nanoTime);
        closeAfter(s::shutdownNow);
        return s;
    }

    private RawPeer peer(RpcAddress a) throws Exception {
        RawPeer p = RawPeer.connect(a);
        closeAfter(p);
        return p;
    }

    private static byte[] request(int action, long seq, byte[] msg) {
        ByteBuf b = Unpooled.buffer();
        Frames.writeRequestHeader(b, Frames.numericAction(action), seq, 7, msg.length, 0);
        b.writeBytes(msg);
        return ByteBufUtil.getBytes(b);
    }

    private static byte[] ping(long seq) {
        return request(Frames.PING_ACTION, seq, new byte[0]);
    }

    /** Pings through {@code p} and reads the pong: the connection is open and served. */
    private static void assertServed(RawPeer p, long seq) throws Exception {
        p.write(ping(seq));
        ByteBuf pong = Unpooled.wrappedBuffer(p.readExactly(Frames.RESPONSE_HEADER_LENGTH));
        assertThat(pong.getLongLE(8)).isEqualTo(seq);
        assertThat(pong.getByte(3)).isEqualTo((byte) Frames.FLAG_OK);
    }

    /** One line per rate-limit window the test took so far (at least one). */
    private static long linesAllowed(long startNanos) {
        return 1 + (System.nanoTime() - startNanos) / TimeUnit.SECONDS.toNanos(RateLimitedLog.WINDOW_SECONDS);
    }

    private static final Dispatch ECHO =
            call -> call.reply(call.msg().retain(), call.blob().retain());

    @ParameterizedTest
    @EnumSource(Transport.class)
    void aPeerSendingGarbageOverAndOverIsLoggedOnceWithoutAStackTrace(Transport t) throws Exception {
        RpcAddress a = server(ECHO, ServerConfig.defaults()).listen(t.freshAddress(dir));
        byte[] garbage = new byte[64];
        Arrays.fill(garbage, (byte) 0xFF);
        try (LogCapture log = LogCapture.start()) {
            long start = System.nanoTime();
            for (int i = 0; i < 30; i++) {
                try (RawPeer p = RawPeer.connect(a)) {
                    p.write(garbage);
                    p.readToEofOrReset(); // the server closes each of them
                }
            }
            assertThat(log.count("closing connection from")).isBetween(1, (int) linesAllowed(start));
            assertThat(log.stackTraceLines()).isZero();
        }
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void aClientThatStopsReadingIsClosedWithOneLineNotForAnIncompleteFrame(Transport t) throws Exception {
        ServerConfig config = ServerConfig.builder()
                .readTimeout(Duration.ofSeconds(1))
                .writeTimeout(Duration.ofSeconds(2))
                .build();
        // The sweep runs on a manual clock, and the test learns from the runtime when the server's writes
        // are blocked: then three sweeps pass, past writeTimeout since the block and past readTimeout since
        // the half frame, without waiting for either and without racing the server to the block.
        ManualScheduler clock = new ManualScheduler();
        CountDownLatch blocked = new CountDownLatch(1);
        StreamServer server = new StreamServer(
                WatchedRuntime.writesBlocked(runtime, blocked),
                config,
                call -> call.reply(null, Unpooled.wrappedBuffer(BIG_REPLY)),
                clock,
                clock::nanoTime);
        closeAfter(server::shutdownNow);
        RpcAddress a = server.listen(t.freshAddress(dir));
        try (LogCapture log = LogCapture.start()) {
            long start = System.nanoTime();
            RawPeer p = peer(a);
            ByteBuf requests = Unpooled.buffer();
            for (int seq = 1; seq <= 200; seq++) { // 50 MiB of replies, far beyond the socket buffers
                requests.writeBytes(request(1, seq, new byte[0]));
            }
            requests.writeBytes(request(1, 201, new byte[0]), 0, 16); // and half a frame
            p.write(ByteBufUtil.getBytes(requests));
            // ... and read nothing.
            assertThat(blocked.await(WAIT.toSeconds(), TimeUnit.SECONDS))
                    .as("the server's writes to the peer are blocked")
                    .isTrue();
            clock.tick(Duration.ofSeconds(3));
            await().atMost(WAIT).until(() -> server.connectionCount() == 0);
            assertThat(log.count("the client cannot keep up")).isBetween(1, (int) linesAllowed(start));
            assertThat(log.count("incomplete")).isZero();
            assertThat(log.count("Self-suppression")).isZero();
            assertThat(log.stackTraceLines()).isZero();
        }
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void aReplyOverMaxFrameBytesFailsThatCallAloneWithRpcEncode(Transport t) throws Exception {
        int limit = 64 * 1024;
        Dispatch dispatch = call -> {
            if (call.numericAction() == 2) {
                call.reply(null, Unpooled.wrappedBuffer(new byte[limit + 1]));
            } else {
                ECHO.dispatch(call);
            }
        };
        RpcAddress a = server(
                        dispatch, ServerConfig.builder().maxFrameBytes(limit).build())
                .listen(t.freshAddress(dir));
        ClientStream c =
                ClientStream.connect(runtime, a, ClientConfig.defaults()).join();
        closeAfter(c::abort);
        try (LogCapture log = LogCapture.start()) {
            // Pipelined on one connection: small, too large, small.
            CompletableFuture<Reply> before = c.call(1, Unpooled.wrappedBuffer(new byte[] {1}), null);
            CompletableFuture<Reply> tooLarge = c.call(2, null, null);
            CompletableFuture<Reply> after = c.call(1, Unpooled.wrappedBuffer(new byte[] {3}), null);
            try (Reply r = before.get(WAIT.toSeconds(), TimeUnit.SECONDS)) {
                assertThat(r.msg().getByte(0)).isEqualTo((byte) 1);
            }
            assertThat(failure(tooLarge).code()).isEqualTo(RpcCode.ENCODE);
            try (Reply r = after.get(WAIT.toSeconds(), TimeUnit.SECONDS)) {
                assertThat(r.msg().getByte(0)).isEqualTo((byte) 3);
            }
            assertThat(c.isClosed()).isFalse();
            assertThat(log.count("over maxFrameBytes")).isEqualTo(1);
        }
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void aRequestOverTheClientsMaxFrameBytesFailsThatCallAloneWithRpcEncode(Transport t) throws Exception {
        int limit = 64 * 1024;
        RpcAddress a = server(ECHO, ServerConfig.defaults()).listen(t.freshAddress(dir));
        ClientStream c = ClientStream.connect(
                        runtime, a, ClientConfig.builder().maxFrameBytes(limit).build())
                .join();
        closeAfter(c::abort);
        CompletableFuture<Reply> tooLarge = c.call(1, null, Unpooled.wrappedBuffer(new byte[limit + 1]));
        assertThat(failure(tooLarge).code()).isEqualTo(RpcCode.ENCODE);
        try (Reply r =
                c.call(1, Unpooled.wrappedBuffer(new byte[] {5}), null).get(WAIT.toSeconds(), TimeUnit.SECONDS)) {
            assertThat(r.msg().getByte(0)).isEqualTo((byte) 5);
        }
        assertThat(c.isClosed()).isFalse();
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void connectionsOverMaxConnectionsAreClosedAtOnceAndLoggedOnce(Transport t) throws Exception {
        StreamServer server =
                server(ECHO, ServerConfig.builder().maxConnections(2).build());
        RpcAddress a = server.listen(t.freshAddress(dir));
        assertRefusedOverTwo(server, a, "maxConnections is 2");
    }

    @Test
    void connectionsOverMaxConnectionsPerAddressAreClosedAtOnceAndLoggedOnce() throws Exception {
        StreamServer server =
                server(ECHO, ServerConfig.builder().maxConnectionsPerAddress(2).build());
        RpcAddress a = server.listen(Transport.TCP.freshAddress(dir));
        assertRefusedOverTwo(server, a, "maxConnectionsPerAddress is 2");
    }

    private void assertRefusedOverTwo(StreamServer server, RpcAddress a, String why) throws Exception {
        try (LogCapture log = LogCapture.start()) {
            long start = System.nanoTime();
            RawPeer first = peer(a);
            RawPeer second = peer(a);
            assertServed(first, 1);
            assertServed(second, 1);
            for (int i = 0; i < 5; i++) {
                try (RawPeer refused = RawPeer.connect(a)) {
                    refused.write(ping(1)); // may meet the close already
                    assertThat(refused.readToEofOrReset())
                            .as("a refused connection is closed unanswered")
                            .isEmpty();
                } catch (java.io.IOException closedFirst) {
                    // the close came before the write: refused all the same
                }
            }
            assertServed(first, 2);
            assertThat(log.count("refusing connection from")).isBetween(1, (int) linesAllowed(start));
            assertThat(log.count(why)).isEqualTo(log.count("refusing connection from"));
            assertThat(log.stackTraceLines()).isZero();
            // A slot freed by a close is taken again.
            first.close();
            await().atMost(WAIT).until(() -> server.connectionCount() == 1);
            assertServed(peer(a), 1);
        }
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void aConnectionThatSendsNoFrameWithinFirstFrameTimeoutIsClosedWithOneLine(Transport t) throws Exception {
        // The sweep runs on a manual clock: the first-frame timeout passes when the test says so.
        ManualScheduler clock = new ManualScheduler();
        StreamServer server = echoServerOn(
                clock,
                ServerConfig.builder().firstFrameTimeout(Duration.ofSeconds(1)).build());
        RpcAddress a = server.listen(t.freshAddress(dir));
        try (LogCapture log = LogCapture.start()) {
            long start = System.nanoTime();
            RawPeer talking = peer(a);
            assertServed(talking, 1);
            RawPeer silent = peer(a);
            silent.write(Arrays.copyOf(ping(1), 16)); // half a frame is not a frame
            await().atMost(WAIT).until(() -> server.connectionCount() == 2);
            clock.tick(Duration.ofSeconds(2)); // two sweeps, the second past the first-frame timeout
            assertThat(silent.readToEofOrReset()).isEmpty();
            assertServed(talking, 2);
            assertThat(log.count("no complete frame within firstFrameTimeout")).isBetween(1, (int) linesAllowed(start));
        }
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void aStreamOfFramesWhoseReadsAllEndInsideAFrameIsNotClosedForAnIncompleteFrame(Transport t) throws Exception {
        // Pipelined requests keep every read ending inside the next frame (as a busy peer's stream of
        // large requests does): each frame completes well within readTimeout, yet the server never sees
        // an empty buffer between reads. The read timeout is about one frame, not about that stream.
        // The sweep runs on a manual clock; each step, less than readTimeout, completes a frame.
        ManualScheduler clock = new ManualScheduler();
        StreamServer server = echoServerOn(
                clock, ServerConfig.builder().readTimeout(Duration.ofSeconds(1)).build());
        RpcAddress a = server.listen(t.freshAddress(dir));
        try (LogCapture log = LogCapture.start()) {
            RawPeer p = peer(a);
            byte[] first = ping(1);
            int half = first.length / 2;
            p.write(Arrays.copyOf(first, half)); // the stream starts inside frame 1
            for (long seq = 1; seq <= 10; seq++) {
                clock.tick(Duration.ofMillis(400)); // a sweep a second: frame seq waited 400 ms so far
                byte[] frame = ping(seq);
                byte[] next = ping(seq + 1);
                byte[] rest = Arrays.copyOfRange(frame, half, frame.length + half);
                System.arraycopy(next, 0, rest, frame.length - half, half); // frame seq's end, frame seq+1's start
                p.write(rest);
                ByteBuf pong = Unpooled.wrappedBuffer(p.readExactly(Frames.RESPONSE_HEADER_LENGTH));
                assertThat(pong.getLongLE(8)).as("the pong of frame %d", seq).isEqualTo(seq);
            }
            assertThat(log.count("incomplete")).isZero();
        }
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void aFrameLeftIncompleteLongerThanReadTimeoutClosesTheConnectionWithOneLine(Transport t) throws Exception {
        // The counterpart of the test above: frames completing do not switch the read timeout off.
        ManualScheduler clock = new ManualScheduler();
        StreamServer server = echoServerOn(
                clock, ServerConfig.builder().readTimeout(Duration.ofSeconds(1)).build());
        RpcAddress a = server.listen(t.freshAddress(dir));
        try (LogCapture log = LogCapture.start()) {
            long start = System.nanoTime();
            RawPeer p = peer(a);
            byte[] both = Arrays.copyOf(ping(1), 2 * ping(1).length - 8);
            System.arraycopy(ping(2), 0, both, ping(1).length, ping(2).length - 8); // frame 1, most of frame 2
            p.write(both);
            ByteBuf pong = Unpooled.wrappedBuffer(p.readExactly(Frames.RESPONSE_HEADER_LENGTH));
            assertThat(pong.getLongLE(8)).isEqualTo(1);
            // Frame 2's start may come in a read of its own, after pong 1: sweep (a second a tick) until
            // the server closed, which it does once readTimeout passed on its clock after that read.
            await().atMost(WAIT).until(() -> {
                clock.tick(Duration.ofSeconds(1));
                return server.connectionCount() == 0;
            });
            assertThat(p.readToEofOrReset()).isEmpty();
            assertThat(log.count("a frame stayed incomplete longer than readTimeout"))
                    .isBetween(1, (int) linesAllowed(start));
        }
    }

    private static RpcException failure(CompletableFuture<?> f) {
        return Futures.rpcFailure(f, WAIT);
    }
}
