package io.occams.rpc.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

import io.netty.buffer.ByteBuf;
import io.occams.rpc.api.RpcAddress;
import io.occams.rpc.api.spi.Connection;
import io.occams.rpc.api.spi.Runtime;
import io.occams.rpc.api.spi.RuntimeLifecycle;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The {@link Runtime} SPI contract, written once and run against every runtime (STYLE.md 15) with
 * real sockets on loopback: each transport test runs over TCP ({@code 127.0.0.1:0}) and over a
 * Unix-domain socket in a fresh short folder under {@code /tmp}. Where the test must see raw bytes
 * (nothing sent before flush, a peer that does not read) the other end is a plain {@code java.nio}
 * channel ({@link RawPeer}, {@link RawServer}).
 *
 * <p>Every test checks, at its end, that each buffer it handed to the runtime was released (written
 * or dropped) and that every handler saw the handler contract kept ({@link RecordingHandler#violations()}).
 * Handlers release every buffer they are given, so with {@code -Dio.netty.leakDetection.level=paranoid}
 * a reported leak is the runtime's. Nothing sleeps: events are awaited with latches and Awaitility, and
 * "nothing happens" is checked with Awaitility's {@code during}.
 *
 * <pre>{@code
 * class NettyRuntimeContractTest extends AbstractRuntimeContractTest {
 *     protected Runtime newRuntime() { return NettyRuntime.builder().build(); }
 * }
 * }</pre>
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
public abstract class AbstractRuntimeContractTest {
    /** How long a test waits for something that should happen. */
    protected static final Duration WAIT = Duration.ofSeconds(30);
    /** How long a test watches that something does not happen. */
    protected static final Duration QUIET = Duration.ofMillis(300);

    /** The runtime under test; a fresh one per test, closed after it. */
    protected Runtime runtime;
    /** Buffers given to the runtime; each must be released by the end of the test. */
    protected final BufferTracker tracker = new BufferTracker();

    private Path dir;
    private final Deque<AutoCloseable> toClose = new ArrayDeque<>();
    private final List<RecordingFactory> factories = new ArrayList<>();

    /** A new runtime with its defaults (write high-water mark about 1 MiB or less). */
    protected abstract Runtime newRuntime();

    /** Whether the runtime can listen and connect on Unix-domain sockets; when not, those tests are skipped. */
    protected boolean supportsUnixSockets() {
        return true;
    }

    /**
     * Whether the peer's end of stream on a Unix socket reaches the handler as
     * {@code onInputShutdown} with the connection still writable; when not (a known transport
     * limitation the subclass must test for itself), the half-close tests skip Unix sockets.
     */
    protected boolean halfClosesUnixSockets() {
        return true;
    }

    @BeforeEach
    void createRuntime() throws IOException {
        dir = Files.createTempDirectory(Path.of("/tmp"), "occ");
        runtime = newRuntime();
    }

    @AfterEach
    void closeRuntime() throws Exception {
        try {
            while (!toClose.isEmpty()) {
                try {
                    toClose.pop().close();
                } catch (Exception ignored) {
                    // closing what a test left open; failures here are not the test's subject
                }
            }
            runtime.close();
            tracker.awaitAllReleased(WAIT);
            for (RecordingFactory f : factories) {
                for (RecordingHandler h : f.all()) {
                    assertThat(h.violations()).as("handler contract").isEmpty();
                }
            }
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    // ---- connecting and accepting ----

    @ParameterizedTest
    @EnumSource(Transport.class)
    void listenConnectAndEchoBytesBothWays(Transport transport) throws Exception {
        RecordingFactory serverSide = factory(true, true);
        Runtime.Listener listener = listen(transport, serverSide);
        if (transport == Transport.TCP) {
            assertThat(listener.localAddress().port()).isPositive();
        } else {
            assertThat(listener.localAddress().isUnix()).isTrue();
        }
        RecordingFactory clientSide = factory(false, true);
        Connection c = connect(listener.localAddress(), clientSide);
        RecordingHandler client = clientSide.next(WAIT);
        assertThat(client.connection()).isSameAs(c);
        assertThat(c.isOpen()).isTrue();
        assertThat(c.alloc()).isNotNull();
        assertThat(c.remoteAddress()).isEqualTo(listener.localAddress());
        assertThat(c.localAddress()).isNotNull();

        byte[] hello = bytes(1000, 1);
        c.writeAndFlush(buf(c, hello));
        eventually().untilAsserted(() -> assertThat(client.received()).isEqualTo(hello));
        RecordingHandler server = serverSide.next(WAIT);
        assertThat(server.received()).isEqualTo(hello);
        assertThat(server.connection().localAddress()).isEqualTo(listener.localAddress());

        byte[] more = bytes(3000, 2);
        server.connection().writeAndFlush(buf(server.connection(), more));
        eventually().untilAsserted(() -> assertThat(client.receivedCount()).isEqualTo(hello.length + more.length));
        assertThat(client.received()).endsWith(more);

        c.close();
        awaitClosed(client);
        awaitClosed(server);
        assertThat(c.isOpen()).isFalse();
        assertThat(client.closeCause()).isNull();
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void factoryIsCalledOncePerConnectionBeforeAnyData(Transport transport) throws Exception {
        // Accepting side: the peer sends at once, before the runtime could have asked the factory.
        RecordingFactory serverSide = factory(false, true);
        Runtime.Listener listener = listen(transport, serverSide);
        byte[] early = bytes(3, 3);
        try (RawPeer peer = RawPeer.connect(listener.localAddress())) {
            peer.write(early);
            peer.shutdownOutput();
            RecordingHandler server = serverSide.next(WAIT);
            awaitClosed(server);
            assertThat(server.received()).isEqualTo(early);
            assertThat(server.events()).first().isEqualTo(RecordingHandler.Event.DATA);
            assertThat(serverSide.count()).isEqualTo(1);
        }

        // Connecting side: the raw server sends the moment it accepts.
        RawServer raw = rawServer(transport);
        RecordingFactory clientSide = factory(false, false);
        CompletableFuture<Connection> f = runtime.connect(raw.address(), WAIT, clientSide);
        try (RawPeer peer = raw.accept()) {
            peer.write(early);
            Connection c = f.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            RecordingHandler client = clientSide.next(WAIT);
            assertThat(client.connection()).isSameAs(c);
            eventually().untilAsserted(() -> assertThat(client.received()).isEqualTo(early));
            assertThat(clientSide.count()).isEqualTo(1);
            c.close();
            awaitClosed(client);
        }
    }

    // ---- writing ----

    @ParameterizedTest
    @EnumSource(Transport.class)
    void writesKeepTheirOrderAndNothingIsSentBeforeFlush(Transport transport) throws Exception {
        RawServer raw = rawServer(transport);
        RecordingFactory clientSide = factory(false, false);
        Connection c = connect(raw.address(), clientSide);
        RawPeer peer = closeLater(raw.accept());

        byte[] a = bytes(10, 10);
        byte[] b = bytes(20_000, 11);
        byte[] d = bytes(5, 12);
        c.write(buf(c, a));
        c.write(buf(c, b));
        c.write(buf(c, d));
        assertNothingArrives(peer);

        // A second batch, written from another thread after the first: it goes after it.
        byte[] e = bytes(777, 13);
        Thread writer = new Thread(() -> c.write(buf(c, e)));
        writer.start();
        writer.join();
        assertNothingArrives(peer);

        c.flush();
        assertThat(peer.readExactly(a.length + b.length + d.length + e.length)).isEqualTo(concat(a, b, d, e));
        c.close();
        assertThat(peer.readToEof()).isEmpty();
        awaitClosed(clientSide.next(WAIT));
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void manyWritesThenOneFlushArriveComplete(Transport transport) throws Exception {
        RawServer raw = rawServer(transport);
        RecordingFactory clientSide = factory(false, false);
        Connection c = connect(raw.address(), clientSide);
        RawPeer peer = closeLater(raw.accept());

        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        for (int i = 0; i < 1000; i++) {
            byte[] chunk = bytes(1 + i % 200, 100 + i);
            expected.writeBytes(chunk);
            c.write(buf(c, chunk));
        }
        c.flush();
        assertThat(peer.readExactly(expected.size())).isEqualTo(expected.toByteArray());
        c.close();
        assertThat(peer.readToEof()).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void writesAndFlushesFromManyThreadsAllArriveEachThreadInItsOrder(Transport transport) throws Exception {
        RawServer raw = rawServer(transport);
        RecordingFactory clientSide = factory(false, false);
        Connection c = connect(raw.address(), clientSide);
        RawPeer peer = closeLater(raw.accept());

        // 8 threads x 2,000 records of 4 bytes: [thread, seq high, seq low, thread ^ seq], each written
        // and flushed on its own, all at once (as replies from a pool of service threads are).
        int threads = 8;
        int each = 2_000;
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> writers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            Thread w = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < each; i++) {
                    c.write(buf(c, new byte[] {(byte) id, (byte) (i >> 8), (byte) i, (byte) (id ^ i)}));
                    c.flush();
                }
            });
            w.start();
            writers.add(w);
        }
        go.countDown();
        byte[] got = peer.readExactly(threads * each * 4);
        for (Thread w : writers) {
            w.join();
        }
        int[] next = new int[threads];
        for (int k = 0; k < got.length; k += 4) {
            int id = got[k];
            int seq = ((got[k + 1] & 0xff) << 8) | (got[k + 2] & 0xff);
            assertThat(id).as("record %d names a writer", k / 4).isBetween(0, threads - 1);
            assertThat(seq).as("writer %d's records in its order", id).isEqualTo(next[id]);
            assertThat(got[k + 3]).isEqualTo((byte) (id ^ seq));
            next[id]++;
        }
        assertThat(next).containsOnly(each);
        c.close();
        assertThat(peer.readToEof()).isEmpty();
        awaitClosed(clientSide.next(WAIT));
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void oneMebibyteGoesThroughAndBack(Transport transport) throws Exception {
        RecordingFactory serverSide = factory(true, true);
        Runtime.Listener listener = listen(transport, serverSide);
        RecordingFactory clientSide = factory(false, true);
        Connection c = connect(listener.localAddress(), clientSide);
        RecordingHandler client = clientSide.next(WAIT);

        byte[] big = bytes(1 << 20, 42);
        c.writeAndFlush(buf(c, big));
        eventually()
                .atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(client.receivedCount()).isEqualTo(big.length));
        assertThat(client.received()).isEqualTo(big);
        assertThat(serverSide.next(WAIT).received()).isEqualTo(big);
        c.close();
        awaitClosed(client);
    }

    // ---- half-close, close, abort ----

    @ParameterizedTest
    @EnumSource(Transport.class)
    void shutdownOutputLetsThePeerReadEndOfStreamWhileThisSideStillReads(Transport transport) throws Exception {
        assumeHalfClose(transport);
        RawServer raw = rawServer(transport);
        RecordingFactory clientSide = factory(false, false);
        Connection c = connect(raw.address(), clientSide);
        RecordingHandler client = clientSide.next(WAIT);
        RawPeer peer = closeLater(raw.accept());

        byte[] last = bytes(50_000, 5);
        c.write(buf(c, last)); // not flushed: shutdownOutput flushes first
        c.shutdownOutput();
        assertThat(peer.readToEof()).isEqualTo(last);
        c.shutdownOutput(); // idempotent
        assertThat(c.isOpen()).isTrue();

        byte[] reply = bytes(1234, 6);
        peer.write(reply);
        eventually().untilAsserted(() -> assertThat(client.received()).isEqualTo(reply));
        assertThat(client.events()).doesNotContain(RecordingHandler.Event.CLOSED);

        peer.shutdownOutput();
        assertThat(client.inputShutdownLatch().await(WAIT.toMillis(), TimeUnit.MILLISECONDS))
                .isTrue();
        c.close();
        awaitClosed(client);
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void peersEndOfStreamBecomesOnInputShutdownAndThisSideCanStillWrite(Transport transport) throws Exception {
        assumeHalfClose(transport);
        RawServer raw = rawServer(transport);
        RecordingFactory clientSide = factory(false, false);
        Connection c = connect(raw.address(), clientSide);
        RecordingHandler client = clientSide.next(WAIT);
        RawPeer peer = closeLater(raw.accept());

        byte[] sent = bytes(100, 7);
        peer.write(sent);
        peer.shutdownOutput();
        assertThat(client.inputShutdownLatch().await(WAIT.toMillis(), TimeUnit.MILLISECONDS))
                .isTrue();
        assertThat(client.received()).isEqualTo(sent);
        List<RecordingHandler.Event> events = client.events();
        assertThat(events.indexOf(RecordingHandler.Event.DATA))
                .isLessThan(events.indexOf(RecordingHandler.Event.INPUT_SHUTDOWN));
        assertThat(events).doesNotContain(RecordingHandler.Event.CLOSED);
        assertThat(c.isOpen()).isTrue();

        byte[] answer = bytes(4096, 8);
        c.writeAndFlush(buf(c, answer));
        assertThat(peer.readExactly(answer.length)).isEqualTo(answer);
        c.close();
        assertThat(peer.readToEof()).isEmpty();
        awaitClosed(client);
        assertThat(client.closeCause()).isNull();
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void closeFlushesQueuedWritesFirst(Transport transport) throws Exception {
        RawServer raw = rawServer(transport);
        RecordingFactory clientSide = factory(false, false);
        Connection c = connect(raw.address(), clientSide);
        RecordingHandler client = clientSide.next(WAIT);
        RawPeer peer = closeLater(raw.accept());

        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        for (int i = 0; i < 4; i++) {
            byte[] chunk = bytes(64 * 1024, 20 + i);
            expected.writeBytes(chunk);
            c.write(buf(c, chunk));
        }
        c.close();
        assertThat(peer.readToEof()).isEqualTo(expected.toByteArray());
        awaitClosed(client);
        assertThat(client.closeCause()).isNull();
        assertThat(c.isOpen()).isFalse();
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void abortDropsQueuedWrites(Transport transport) throws Exception {
        RawServer raw = rawServer(transport);
        RecordingFactory clientSide = factory(false, false);
        Connection c = connect(raw.address(), clientSide);
        RecordingHandler client = clientSide.next(WAIT);
        RawPeer peer = closeLater(raw.accept());

        ByteBuf queued = buf(c, bytes(64 * 1024, 30));
        c.write(queued);
        c.abort();
        assertThat(peer.readToEofOrReset()).isEmpty();
        awaitClosed(client);
        assertThat(c.isOpen()).isFalse();
        eventually()
                .untilAsserted(() -> assertThat(queued.refCnt())
                        .as("dropped buffer released")
                        .isZero());
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void onClosedComesExactlyOnceAfterTheLastOnData(Transport transport) throws Exception {
        RecordingFactory serverSide = factory(false, true);
        Runtime.Listener listener = listen(transport, serverSide);
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        try (RawPeer peer = RawPeer.connect(listener.localAddress())) {
            for (int i = 0; i < 10; i++) {
                byte[] chunk = bytes(10_000, 40 + i);
                expected.writeBytes(chunk);
                peer.write(chunk);
            }
            peer.shutdownOutput();
            RecordingHandler server = serverSide.next(WAIT);
            awaitClosed(server);
            assertThat(server.received()).isEqualTo(expected.toByteArray());
            List<RecordingHandler.Event> events = server.events();
            assertThat(events).last().isEqualTo(RecordingHandler.Event.CLOSED);
            assertThat(events)
                    .filteredOn(e -> e == RecordingHandler.Event.CLOSED)
                    .hasSize(1);

            server.connection().close();
            server.connection().abort();
            assertStaysClosedOnce(server);
        }
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void closeAndAbortAreIdempotentFromAnyThread(Transport transport) throws Exception {
        RecordingFactory serverSide = factory(true, true);
        Runtime.Listener listener = listen(transport, serverSide);
        RecordingFactory clientSide = factory(false, false);
        Connection c = connect(listener.localAddress(), clientSide);
        RecordingHandler client = clientSide.next(WAIT);
        c.writeAndFlush(buf(c, bytes(10, 50)));
        eventually().untilAsserted(() -> assertThat(client.receivedCount()).isEqualTo(10));
        RecordingHandler server = serverSide.next(WAIT);

        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            boolean abort = i % 2 == 1;
            Thread t = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                if (abort) {
                    c.abort();
                } else {
                    c.close();
                }
            });
            t.start();
            threads.add(t);
        }
        go.countDown();
        for (Thread t : threads) {
            t.join();
        }
        awaitClosed(client);
        awaitClosed(server);
        c.close();
        c.abort();
        assertThat(c.isOpen()).isFalse();
        assertStaysClosedOnce(client);
        assertThat(server.closedCount()).isEqualTo(1);
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void buffersWrittenAfterCloseAreReleased(Transport transport) throws Exception {
        RawServer raw = rawServer(transport);
        RecordingFactory clientSide = factory(false, false);
        Connection c = connect(raw.address(), clientSide);
        RecordingHandler client = clientSide.next(WAIT);
        closeLater(raw.accept());

        c.close();
        awaitClosed(client);
        ByteBuf late = buf(c, bytes(100, 60));
        c.write(late);
        c.flush();
        ByteBuf later = buf(c, bytes(100, 61));
        c.writeAndFlush(later);
        eventually().untilAsserted(() -> {
            assertThat(late.refCnt()).isZero();
            assertThat(later.refCnt()).isZero();
        });
        c.shutdownOutput(); // harmless once closed
        assertStaysClosedOnce(client);
    }

    // ---- failures ----

    @ParameterizedTest
    @EnumSource(Transport.class)
    @SuppressWarnings("AddressSelection") // exactly the IPv4 loopback: the test's listener binds it
    void connectToANonListeningAddressFailsQuicklyWithAnIOException(Transport transport) throws Exception {
        assumeTransport(transport);
        RpcAddress nobody;
        if (transport == Transport.TCP) {
            try (ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.INET)) {
                s.bind(new InetSocketAddress("127.0.0.1", 0));
                nobody = RpcAddress.of(s.getLocalAddress());
            }
        } else {
            nobody = transport.freshAddress(dir); // no such file
        }
        RecordingFactory f = factory(false, false);
        // "Quickly": refused, not timed out. The connect timeout is far longer than the test waits for the
        // failure, so a failure within the wait is the refusal itself, however loaded the machine.
        CompletableFuture<Connection> future = runtime.connect(nobody, Duration.ofHours(1), f);
        assertThatThrownBy(() -> future.get(30, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause()
                .isInstanceOf(transport == Transport.TCP ? ConnectException.class : IOException.class);
        assertThat(f.count()).isZero();
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void listenOnATakenPortFailsButAStaleUnixSocketIsReplaced(Transport transport) throws Exception {
        assumeTransport(transport);
        if (transport == Transport.TCP) {
            Runtime.Listener first = listen(transport, factory(false, true));
            assertThatThrownBy(() -> runtime.listen(first.localAddress(), factory(false, true)))
                    .isInstanceOf(IOException.class);
        } else {
            // A path that exists as a socket (left by a dead server) is replaced.
            RawServer stale = RawServer.bind(transport, dir);
            RpcAddress path = stale.address();
            stale.closeKeepingFile();
            assertThat(Files.exists(path.path())).isTrue();
            RecordingFactory serverSide = factory(true, true);
            toClose.push(runtime.listen(path, serverSide));
            try (RawPeer peer = RawPeer.connect(path)) {
                peer.write(new byte[] {1, 2, 3});
                assertThat(peer.readExactly(3)).containsExactly(1, 2, 3);
            }
        }
    }

    // ---- back-pressure ----

    @ParameterizedTest
    @EnumSource(Transport.class)
    void setAutoReadFalseStopsOnDataUntilTrue(Transport transport) throws Exception {
        RawServer raw = rawServer(transport);
        RecordingFactory clientSide = factory(false, false);
        Connection c = connect(raw.address(), clientSide);
        RecordingHandler client = clientSide.next(WAIT);
        RawPeer peer = closeLater(raw.accept());

        AtomicBoolean paused = new AtomicBoolean();
        client.onDataHook((h, total) -> {
            if (!paused.get()) { // the reader is the only thread here
                h.connection().setAutoRead(false); // on the reader, as the stream layer would
                paused.set(true);
            }
        });
        peer.write(new byte[] {9});
        // The recorder counts the bytes before it runs the hook, so wait for both.
        eventually().untilAsserted(() -> {
            assertThat(client.receivedCount()).isEqualTo(1);
            assertThat(paused).isTrue();
        });

        byte[] held = bytes(64 * 1024, 70);
        peer.write(held);
        quietly().until(() -> client.receivedCount() == 1);

        c.setAutoRead(true); // from another thread than the reader
        eventually().untilAsserted(() -> assertThat(client.receivedCount()).isEqualTo(1 + held.length));
        assertThat(client.received()).isEqualTo(concat(new byte[] {9}, held));
        c.close();
        awaitClosed(client);
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void isWritableTurnsFalsePastTheHighWaterMarkWhenThePeerDoesNotRead(Transport transport) throws Exception {
        RawServer raw = rawServer(transport);
        RecordingFactory clientSide = factory(false, false);
        Connection c = connect(raw.address(), clientSide);
        RecordingHandler client = clientSide.next(WAIT);
        RawPeer peer = closeLater(raw.accept()); // does not read until told

        assertThat(c.isWritable()).isTrue();
        int chunk = 64 * 1024;
        long written = 0;
        while (true) {
            while (c.isWritable()) {
                c.write(buf(c, bytes(chunk, (int) (written / chunk))));
                c.flush();
                written += chunk;
                if (written > 512L * 1024 * 1024) {
                    fail("still writable after 512 MiB queued to a peer that does not read");
                }
            }
            // Unwritable: wait until the handler hears it, or until the socket took the queue after all.
            eventually().until(() -> client.writabilityChanges().contains(false) || c.isWritable());
            if (!c.isWritable() && client.writabilityChanges().contains(false)) {
                break;
            }
        }

        long read = 0;
        while (read < written) {
            read += peer.readExactly((int) Math.min(chunk, written - read)).length;
        }
        eventually().untilAsserted(() -> {
            assertThat(c.isWritable()).isTrue();
            assertThat(client.writabilityChanges()).last().isEqualTo(true);
        });
        List<Boolean> changes = client.writabilityChanges();
        for (int i = 0; i < changes.size(); i++) {
            assertThat(changes.get(i))
                    .as("change %d of %s alternates, starting unwritable", i, changes)
                    .isEqualTo(i % 2 == 1);
        }
        c.close();
        awaitClosed(client);
    }

    // ---- listeners and many connections ----

    /**
     * When {@code close()} returns the port refuses: a server that moves its listeners must not leave a
     * moment in which a client is accepted by the old one and reset later. (Netty's NIO transport used to
     * let about a third of such connects in: the JDK closes a selector-registered socket only at the
     * selector's next turn.)
     */
    @Test
    void aClosedTcpListenerRefusesTheVeryNextConnect() throws Exception {
        for (int round = 0; round < 20; round++) {
            Runtime.Listener listener = listen(Transport.TCP, factory(true, true));
            RpcAddress address = listener.localAddress();
            listener.close();
            try (java.net.Socket s = new java.net.Socket()) {
                assertThatThrownBy(() -> s.connect(new InetSocketAddress(address.host(), address.port()), 2_000))
                        .as("round %d: a connect to %s right after close()", round, address)
                        .isInstanceOf(ConnectException.class);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void listenerCloseStopsAcceptingWhileAcceptedConnectionsKeepWorking(Transport transport) throws Exception {
        RecordingFactory serverSide = factory(true, true);
        Runtime.Listener listener = listen(transport, serverSide);
        RpcAddress address = listener.localAddress();
        RecordingFactory clientSide = factory(false, true);
        Connection c = connect(address, clientSide);
        RecordingHandler client = clientSide.next(WAIT);
        byte[] one = bytes(100, 80);
        c.writeAndFlush(buf(c, one));
        eventually().untilAsserted(() -> assertThat(client.received()).isEqualTo(one));

        listener.close();
        listener.close(); // idempotent
        CompletableFuture<Connection> refused = runtime.connect(address, Duration.ofSeconds(5), factory(false, true));
        assertThatThrownBy(() -> refused.get(WAIT.toMillis(), TimeUnit.MILLISECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause()
                .isInstanceOf(IOException.class);

        byte[] two = bytes(200, 81);
        c.writeAndFlush(buf(c, two));
        eventually().untilAsserted(() -> assertThat(client.received()).isEqualTo(concat(one, two)));
        assertThat(serverSide.count()).isEqualTo(1);
        c.close();
        awaitClosed(client);
        awaitClosed(serverSide.next(WAIT));
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void fiftyConcurrentConnectionsEachGetTheirOwnBytes(Transport transport) throws Exception {
        RecordingFactory serverSide = factory(true, true);
        Runtime.Listener listener = listen(transport, serverSide);
        int n = 50;
        List<RecordingFactory> clients = new ArrayList<>();
        List<CompletableFuture<Connection>> futures = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            RecordingFactory f = factory(false, true);
            clients.add(f);
            futures.add(runtime.connect(listener.localAddress(), WAIT, f));
        }
        List<byte[]> sent = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Connection c = futures.get(i).get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            byte[] mine = bytes(4096, 1000 + i);
            sent.add(mine);
            c.writeAndFlush(buf(c, mine));
        }
        for (int i = 0; i < n; i++) {
            RecordingHandler h = clients.get(i).next(WAIT);
            byte[] mine = sent.get(i);
            eventually().untilAsserted(() -> assertThat(h.received()).isEqualTo(mine));
        }
        assertThat(serverSide.count()).isEqualTo(n);
        for (RecordingFactory f : clients) {
            f.all().get(0).connection().close();
        }
        for (RecordingFactory f : clients) {
            awaitClosed(f.all().get(0));
        }
        for (RecordingHandler h : serverSide.all()) {
            awaitClosed(h);
        }
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void runtimeCloseClosesItsListenersAndConnections(Transport transport) throws Exception {
        RecordingFactory serverSide = factory(true, false);
        Runtime.Listener listener = listen(transport, serverSide);
        RecordingFactory clientSide = factory(false, false);
        Connection c = connect(listener.localAddress(), clientSide);
        RecordingHandler client = clientSide.next(WAIT);
        c.writeAndFlush(buf(c, bytes(10, 90)));
        eventually().untilAsserted(() -> assertThat(client.receivedCount()).isEqualTo(10));
        RecordingHandler server = serverSide.next(WAIT);

        runtime.close();
        awaitClosed(client);
        awaitClosed(server);
        assertThat(c.isOpen()).isFalse();
        assertThatThrownBy(() -> RawPeer.connect(listener.localAddress()).close())
                .isInstanceOf(IOException.class);
        runtime.close(); // idempotent
    }

    // ---- lifecycle (RuntimeLifecycle, the same shutdown methods on every shipped runtime) ----

    /** The runtime under test as a {@link RuntimeLifecycle}; these tests are skipped for a runtime without one. */
    private RuntimeLifecycle lifecycle() {
        org.junit.jupiter.api.Assumptions.assumeTrue(
                runtime instanceof RuntimeLifecycle, "the runtime has no RuntimeLifecycle");
        return (RuntimeLifecycle) runtime;
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void shutdownClosesGracefullyTerminatesAndRefusesNewWork(Transport transport) throws Exception {
        RuntimeLifecycle lifecycle = lifecycle();
        RecordingFactory serverSide = factory(true, false);
        Runtime.Listener listener = listen(transport, serverSide);
        RecordingFactory clientSide = factory(false, false);
        Connection c = connect(listener.localAddress(), clientSide);
        RecordingHandler client = clientSide.next(WAIT);
        c.writeAndFlush(buf(c, bytes(8, 95)));
        eventually().untilAsserted(() -> assertThat(client.receivedCount()).isEqualTo(8));
        assertThat(lifecycle.isShutdown()).isFalse();

        lifecycle.shutdown();
        assertThat(lifecycle.isShutdown()).isTrue();
        assertThat(lifecycle.awaitTermination(WAIT.toMillis(), TimeUnit.MILLISECONDS))
                .isTrue();
        assertThat(lifecycle.isTerminated()).isTrue();
        awaitClosed(client);
        assertThat(client.closeCause()).as("a graceful close").isNull();
        assertThat(c.isOpen()).isFalse();

        CompletableFuture<Connection> late = runtime.connect(listener.localAddress(), WAIT, factory(false, false));
        assertThatThrownBy(() -> late.get(WAIT.toMillis(), TimeUnit.MILLISECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause()
                .isInstanceOfAny(IOException.class, IllegalStateException.class);
        assertThatThrownBy(() -> runtime.listen(transport.freshAddress(dir), factory(false, false)))
                .isInstanceOfAny(IOException.class, IllegalStateException.class);
        lifecycle.shutdown(); // idempotent
        runtime.close(); // idempotent after a shutdown, and returns once terminated
        assertThat(lifecycle.isTerminated()).isTrue();
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void shutdownNowAbortsTheConnectionsAndTerminates(Transport transport) throws Exception {
        RuntimeLifecycle lifecycle = lifecycle();
        RawServer raw = rawServer(transport);
        RecordingFactory clientSide = factory(false, false);
        Connection c = connect(raw.address(), clientSide);
        RecordingHandler client = clientSide.next(WAIT);
        closeLater(raw.accept());

        lifecycle.shutdownNow();
        assertThat(lifecycle.isShutdown()).isTrue();
        assertThat(lifecycle.awaitTermination(WAIT.toMillis(), TimeUnit.MILLISECONDS))
                .isTrue();
        assertThat(lifecycle.isTerminated()).isTrue();
        awaitClosed(client);
        assertThat(c.isOpen()).isFalse();
        lifecycle.shutdownNow(); // idempotent
    }

    @Test
    void awaitTerminationWithoutAShutdownTimesOut() throws Exception {
        RuntimeLifecycle lifecycle = lifecycle();
        assertThat(lifecycle.awaitTermination(1, TimeUnit.MILLISECONDS)).isFalse();
        assertThat(lifecycle.isShutdown()).isFalse();
        assertThat(lifecycle.isTerminated()).isFalse();
    }

    // ---- threads ----

    @Test
    void schedulerAndBlockingExecutorRunTasks() throws Exception {
        assertThat(runtime.name()).isNotBlank();
        assertThat(runtime.allocator()).isNotNull();
        CountDownLatch ran = new CountDownLatch(2);
        var unused = runtime.scheduler().schedule(ran::countDown, 10, TimeUnit.MILLISECONDS); // the latch checks it
        runtime.blockingExecutor().execute(ran::countDown);
        assertThat(ran.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
    }

    @Test
    void unixSocketsFailWithAnIOExceptionWhenUnsupported() {
        org.junit.jupiter.api.Assumptions.assumeFalse(supportsUnixSockets(), "this runtime supports Unix sockets");
        assertThatThrownBy(() -> runtime.listen(Transport.UNIX.freshAddress(dir), factory(false, true)))
                .isInstanceOf(IOException.class);
        CompletableFuture<Connection> f = runtime.connect(Transport.UNIX.freshAddress(dir), WAIT, factory(false, true));
        assertThatThrownBy(() -> f.get(WAIT.toMillis(), TimeUnit.MILLISECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause()
                .isInstanceOf(IOException.class);
    }

    // ---- helpers ----

    /** Skips the test when the runtime does not support {@code transport}. */
    protected void assumeTransport(Transport transport) {
        if (transport == Transport.UNIX) {
            org.junit.jupiter.api.Assumptions.assumeTrue(supportsUnixSockets(), "no Unix sockets in this runtime");
        }
    }

    /** Skips the test when the runtime cannot half-close {@code transport}. */
    protected void assumeHalfClose(Transport transport) {
        assumeTransport(transport);
        if (transport == Transport.UNIX) {
            org.junit.jupiter.api.Assumptions.assumeTrue(halfClosesUnixSockets(), "no half-close on Unix sockets");
        }
    }

    /** A recording factory whose handlers are checked at the end of the test. */
    protected RecordingFactory factory(boolean echo, boolean closeOnInputShutdown) {
        RecordingFactory f = new RecordingFactory(echo, closeOnInputShutdown, tracker);
        factories.add(f);
        return f;
    }

    /** Listens on a fresh address of {@code transport}; closed after the test. */
    protected Runtime.Listener listen(Transport transport, RecordingFactory factory) throws IOException {
        assumeTransport(transport);
        Runtime.Listener l = runtime.listen(transport.freshAddress(dir), factory);
        toClose.push(l);
        return l;
    }

    /** Connects the runtime to {@code address} and waits for the connection. */
    protected Connection connect(RpcAddress address, RecordingFactory factory) throws Exception {
        Connection c = runtime.connect(address, WAIT, factory).get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        toClose.push(c::abort);
        return c;
    }

    /** A raw server on a fresh address of {@code transport}; closed after the test. */
    protected RawServer rawServer(Transport transport) throws IOException {
        assumeTransport(transport);
        return closeLater(RawServer.bind(transport, dir));
    }

    /** Closes {@code c} after the test. */
    protected <T extends AutoCloseable> T closeLater(T c) {
        toClose.push(c);
        return c;
    }

    /** A tracked buffer from {@code c}'s allocator holding {@code bytes}; ownership goes to whoever writes it. */
    protected ByteBuf buf(Connection c, byte[] bytes) {
        return tracker.track(c.alloc().buffer(bytes.length).writeBytes(bytes));
    }

    /** {@code n} pseudo-random bytes, the same for the same {@code seed}. */
    protected static byte[] bytes(int n, int seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** The arrays one after the other. */
    protected static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    /** Awaitility that polls often and gives up after {@link #WAIT}. */
    protected static ConditionFactory eventually() {
        return await().atMost(WAIT).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(5));
    }

    /** Awaitility that requires a condition to hold for {@link #QUIET}. */
    protected static ConditionFactory quietly() {
        return await().during(QUIET).atMost(QUIET.multipliedBy(10)).pollInterval(Duration.ofMillis(20));
    }

    /** Waits for {@code h}'s {@code onClosed}. */
    protected static void awaitClosed(RecordingHandler h) throws InterruptedException {
        assertThat(h.closedLatch().await(WAIT.toMillis(), TimeUnit.MILLISECONDS))
                .as("onClosed within %s; events %s", WAIT, h.events())
                .isTrue();
    }

    private static void assertStaysClosedOnce(RecordingHandler h) {
        quietly().until(() -> h.closedCount() == 1);
        assertThat(h.violations()).isEmpty();
    }

    private static void assertNothingArrives(RawPeer peer) {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        quietly().until(() -> peer.readAvailable(sink) == 0 && sink.size() == 0);
    }
}
