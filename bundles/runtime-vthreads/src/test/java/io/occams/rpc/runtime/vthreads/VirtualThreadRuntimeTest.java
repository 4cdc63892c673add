package io.occams.rpc.runtime.vthreads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.netty.buffer.CompositeByteBuf;
import io.occams.rpc.api.RpcAddress;
import io.occams.rpc.api.spi.Connection;
import io.occams.rpc.api.spi.ConnectionHandler;
import io.occams.rpc.api.spi.Runtime;
import io.occams.rpc.runtime.vthreads.internal.InlineWrites;
import io.occams.rpc.testkit.BufferTracker;
import io.occams.rpc.testkit.RawPeer;
import io.occams.rpc.testkit.RawServer;
import io.occams.rpc.testkit.RecordingFactory;
import io.occams.rpc.testkit.RecordingHandler;
import io.occams.rpc.testkit.Transport;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.BindException;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.ServiceLoader;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What the virtual-thread runtime promises beyond the SPI contract: gathering writes, the reader
 * parked while auto-read is off, the write timeout, serialized callbacks under writability churn,
 * thread names and its ExecutorService-like lifecycle.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class VirtualThreadRuntimeTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final BufferTracker tracker = new BufferTracker();
    private final List<RecordingFactory> factories = new ArrayList<>();
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private VirtualThreadRuntime runtime;
    private Path dir;

    @BeforeEach
    void makeDir() throws IOException {
        dir = Files.createTempDirectory(Path.of("/tmp"), "ovt");
    }

    @AfterEach
    void cleanUp() throws Exception {
        try {
            for (int i = toClose.size() - 1; i >= 0; i--) {
                try {
                    toClose.get(i).close();
                } catch (Exception ignored) {
                    // not this test's subject
                }
            }
            if (runtime != null) {
                runtime.close();
                assertThat(runtime.isTerminated()).isTrue();
            }
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

    @Test
    void aThousandSmallBuffersAndACompositeInOneFlushArriveIntact() throws Exception {
        runtime = VirtualThreadRuntime.builder().build();
        RawServer raw = closeLater(RawServer.bind(Transport.TCP, dir));
        RecordingFactory clientSide = factory(false, false);
        Connection c = connect(raw.address(), clientSide);
        RawPeer peer = closeLater(raw.accept());

        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        // More than one gathering write holds (1024), with empty buffers and a composite among them.
        for (int i = 0; i < 2500; i++) {
            byte[] chunk = bytes(i % 100 == 0 ? 0 : 1 + i % 37, i);
            expected.writeBytes(chunk);
            c.write(tracker.track(c.alloc().buffer(chunk.length).writeBytes(chunk)));
            if (i == 1500) {
                byte[] x = bytes(3000, -1);
                byte[] y = bytes(5, -2);
                CompositeByteBuf composite = c.alloc()
                        .compositeBuffer()
                        .addComponent(true, c.alloc().directBuffer().writeBytes(x))
                        .addComponent(true, c.alloc().heapBuffer().writeBytes(y));
                expected.writeBytes(x);
                expected.writeBytes(y);
                c.write(tracker.track(composite));
            }
        }
        c.flush();
        assertThat(peer.readExactly(expected.size())).isEqualTo(expected.toByteArray());
        c.close();
        assertThat(peer.readToEof()).isEmpty();
    }

    @Test
    void readerDeliversNothingWhileAutoReadIsOffFromTheStart() throws Exception {
        runtime = VirtualThreadRuntime.builder().build();
        RawServer raw = closeLater(RawServer.bind(Transport.UNIX, dir));
        RecordingFactory clientSide = factory(false, false);
        ConnectionHandler.Factory pausing = connection -> {
            connection.setAutoRead(false); // before the reader's first read
            return clientSide.open(connection);
        };
        Connection c = runtime.connect(raw.address(), WAIT, pausing).get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        toClose.add(c::abort);
        RecordingHandler client = clientSide.next(WAIT);
        RawPeer peer = closeLater(raw.accept());

        byte[] sent = bytes(100_000, 7);
        peer.write(sent);
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(3)).until(() -> client.receivedCount() == 0);

        c.setAutoRead(true);
        await().atMost(WAIT).untilAsserted(() -> assertThat(client.received()).isEqualTo(sent));
        // Off again, then on again from another thread: still nothing lost, nothing doubled.
        c.setAutoRead(false);
        byte[] more = bytes(5000, 8);
        peer.write(more);
        Thread t = Thread.ofPlatform().start(() -> c.setAutoRead(true));
        t.join();
        await().atMost(WAIT)
                .untilAsserted(() -> assertThat(client.receivedCount()).isEqualTo(sent.length + more.length));
        c.close();
        awaitClosed(client);
    }

    @Test
    void aWriteBlockedLongerThanTheWriteTimeoutAbortsTheConnection() throws Exception {
        runtime = VirtualThreadRuntime.builder()
                .writeTimeout(Duration.ofMillis(300))
                .build();
        RawServer raw = closeLater(RawServer.bind(Transport.TCP, dir));
        RecordingFactory clientSide = factory(false, false);
        Connection c = connect(raw.address(), clientSide);
        RecordingHandler client = clientSide.next(WAIT);
        closeLater(raw.accept()); // never reads

        // Far more than loopback's socket buffers can take.
        for (int i = 0; i < 48; i++) {
            c.write(tracker.track(c.alloc().directBuffer(1 << 20).writerIndex(1 << 20)));
        }
        c.flush();
        awaitClosed(client);
        assertThat(client.closeCause()).isInstanceOf(SocketTimeoutException.class);
        assertThat(c.isOpen()).isFalse();
        assertThat(client.writabilityChanges()).containsExactly(false);
    }

    @Test
    void closeGivesUpDrainingAfterTheWriteTimeout() throws Exception {
        runtime = VirtualThreadRuntime.builder()
                .writeTimeout(Duration.ofMillis(300))
                .build();
        RawServer raw = closeLater(RawServer.bind(Transport.UNIX, dir));
        RecordingFactory clientSide = factory(false, false);
        Connection c = connect(raw.address(), clientSide);
        RecordingHandler client = clientSide.next(WAIT);
        closeLater(raw.accept()); // never reads

        for (int i = 0; i < 16; i++) {
            c.write(tracker.track(c.alloc().directBuffer(1 << 20).writerIndex(1 << 20)));
        }
        long start = System.nanoTime();
        c.close();
        awaitClosed(client);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        assertThat(client.closeCause()).isInstanceOf(SocketTimeoutException.class);
    }

    @Test
    void handlerCallbacksNeverOverlapWhileWritabilityFlipsUnderAnEcho() throws Exception {
        // Tiny water marks: the echoing server flips writability all the time, from its reader (inside
        // onData), from its writer and from event threads, while its reader keeps calling onData.
        // Inline writes off: with them the echo rarely queues, and changes that cancel out before
        // delivery are coalesced, so the handler would seldom hear a flip.
        runtime = VirtualThreadRuntime.builder()
                .writeBufferWaterMark(1024, 4096)
                .readBufferSize(4096)
                .inlineWrites(InlineWrites.NEVER)
                .build();
        RecordingFactory serverSide = factory(true, true);
        Runtime.Listener listener = closeLater(runtime.listen(RpcAddress.tcp("127.0.0.1", 0), serverSide));
        RecordingFactory clientSide = factory(false, false);
        Connection c = connect(listener.localAddress(), clientSide);
        RecordingHandler client = clientSide.next(WAIT);

        byte[] all = bytes(4 << 20, 99);
        for (int off = 0; off < all.length; off += 3000) {
            int n = Math.min(3000, all.length - off);
            c.write(tracker.track(c.alloc().buffer(n).writeBytes(all, off, n)));
            if (off % 30_000 == 0) {
                c.flush();
            }
        }
        c.flush();
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(client.receivedCount()).isEqualTo(all.length));
        assertThat(client.received()).isEqualTo(all);
        RecordingHandler server = serverSide.next(WAIT);
        assertThat(server.writabilityChanges()).isNotEmpty();
        c.shutdownOutput();
        awaitClosed(server);
        c.close();
        awaitClosed(client);
    }

    @Test
    void threadsAreNamedAndConnectionsRunOnVirtualThreads() throws Exception {
        runtime = VirtualThreadRuntime.builder().platformReaders(0).build();
        AtomicReference<Thread> readerThread = new AtomicReference<>();
        CountDownLatch opened = new CountDownLatch(1);
        RecordingFactory serverSide = factory(false, true);
        ConnectionHandler.Factory watching = connection -> {
            readerThread.set(Thread.currentThread());
            opened.countDown();
            return serverSide.open(connection);
        };
        Runtime.Listener listener = closeLater(runtime.listen(RpcAddress.tcp("127.0.0.1", 0), watching));
        try (RawPeer peer = RawPeer.connect(listener.localAddress())) {
            assertThat(opened.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
            Thread reader = readerThread.get();
            assertThat(reader.isVirtual()).isTrue();
            // Named after the peer, as the peer sees itself.
            String peerAddress = RpcAddress.of(peer.channel().getLocalAddress()).toString();
            assertThat(reader.getName()).matches("occams-vt-reader \\[" + peerAddress.replace(".", "\\.") + "\\]-\\d+");
        }

        List<String> names = new CopyOnWriteArrayList<>();
        CountDownLatch ran = new CountDownLatch(2);
        runtime.blockingExecutor().execute(() -> {
            names.add(Thread.currentThread().getName() + (Thread.currentThread().isVirtual() ? " virtual" : ""));
            ran.countDown();
        });
        runtime.scheduler().execute(() -> {
            names.add(Thread.currentThread().getName() + (Thread.currentThread().isDaemon() ? " daemon" : ""));
            ran.countDown();
        });
        assertThat(ran.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
        assertThat(names)
                .anyMatch(n -> n.matches("occams-vt-handler-\\d+ virtual"))
                .contains("occams-vt-timer daemon");
    }

    @Test
    void theFirstConnectionsReadOnPlatformThreadsAndGiveTheirSlotBackWhenTheyClose() throws Exception {
        runtime = VirtualThreadRuntime.builder().platformReaders(1).build();
        List<Thread> readers = new CopyOnWriteArrayList<>();
        RecordingFactory serverSide = factory(true, true);
        ConnectionHandler.Factory watching = connection -> {
            readers.add(Thread.currentThread());
            return serverSide.open(connection);
        };
        Runtime.Listener listener = closeLater(runtime.listen(RpcAddress.tcp("127.0.0.1", 0), watching));

        RawPeer first = closeLater(RawPeer.connect(listener.localAddress()));
        RecordingHandler firstHandler = serverSide.next(WAIT);
        RawPeer second = closeLater(RawPeer.connect(listener.localAddress()));
        serverSide.next(WAIT);
        assertThat(readers).hasSize(2);
        assertThat(readers.get(0).isVirtual()).isFalse();
        assertThat(readers.get(0).isDaemon()).isTrue();
        assertThat(readers.get(0).getName()).startsWith("occams-vt-reader [");
        assertThat(readers.get(1).isVirtual())
                .as("the one platform reader is taken")
                .isTrue();

        // Both kinds of reader serve alike: an echo on each.
        for (RawPeer p : List.of(first, second)) {
            byte[] sent = bytes(1000, 7);
            p.write(sent);
            assertThat(p.readExactly(sent.length)).isEqualTo(sent);
        }

        first.close(); // the server side closes at end-of-stream; its reader gives the slot back
        awaitClosed(firstHandler);
        closeLater(RawPeer.connect(listener.localAddress()));
        serverSide.next(WAIT);
        assertThat(readers).hasSize(3);
        assertThat(readers.get(2).isVirtual()).as("the slot came back").isFalse();
    }

    @Test
    void aUnixListenerRefusesARegularFileAndDeletesItsSocketOnClose() throws Exception {
        runtime = VirtualThreadRuntime.builder().build();
        Path file = Files.writeString(dir.resolve("not-a-socket"), "keep me");
        assertThatThrownBy(() -> runtime.listen(RpcAddress.unix(file), factory(false, true)))
                .isInstanceOf(BindException.class);
        assertThat(Files.readString(file)).isEqualTo("keep me");

        Path path = dir.resolve("l.sock");
        Runtime.Listener l = runtime.listen(RpcAddress.unix(path), factory(false, true));
        assertThat(l.localAddress().path()).isEqualTo(path);
        assertThat(Files.exists(path)).isTrue();
        l.close();
        assertThat(Files.exists(path)).isFalse();
    }

    @Test
    void shutdownClosesGracefullyAndTheRuntimeRefusesNewWork() throws Exception {
        runtime = VirtualThreadRuntime.builder().build();
        RecordingFactory serverSide = factory(true, false);
        Runtime.Listener listener = runtime.listen(RpcAddress.tcp("127.0.0.1", 0), serverSide);
        RecordingFactory clientSide = factory(false, false);
        Connection c = connect(listener.localAddress(), clientSide);
        RecordingHandler client = clientSide.next(WAIT);
        c.writeAndFlush(tracker.track(c.alloc().buffer().writeLong(42)));
        await().atMost(WAIT).until(() -> client.receivedCount() == 8);

        runtime.shutdown();
        assertThat(runtime.isShutdown()).isTrue();
        assertThat(runtime.awaitTermination(WAIT.toMillis(), TimeUnit.MILLISECONDS))
                .isTrue();
        assertThat(runtime.isTerminated()).isTrue();
        awaitClosed(client);
        assertThat(client.closeCause()).isNull();

        CompletableFuture<Connection> late = runtime.connect(listener.localAddress(), WAIT, factory(false, false));
        assertThatThrownBy(() -> late.get(WAIT.toMillis(), TimeUnit.MILLISECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause()
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> runtime.listen(RpcAddress.tcp("127.0.0.1", 0), factory(false, false)))
                .isInstanceOf(IllegalStateException.class);
        runtime.close(); // idempotent, and returns at once
    }

    @Test
    void closeRestoresTheInterruptFlag() {
        runtime = VirtualThreadRuntime.builder().build();
        Thread.currentThread().interrupt();
        runtime.close();
        assertThat(Thread.interrupted()).isTrue();
    }

    @Test
    void aFactoryThatThrowsFailsTheConnectAndClosesTheSocket() throws Exception {
        runtime = VirtualThreadRuntime.builder().build();
        RawServer raw = closeLater(RawServer.bind(Transport.TCP, dir));
        IllegalStateException boom = new IllegalStateException("boom");
        CompletableFuture<Connection> f = runtime.connect(raw.address(), WAIT, conn -> {
            throw boom;
        });
        try (RawPeer peer = raw.accept()) {
            assertThatThrownBy(() -> f.get(WAIT.toMillis(), TimeUnit.MILLISECONDS))
                    .hasCause(boom);
            assertThat(peer.readToEofOrReset()).isEmpty();
        }
    }

    @Test
    void serviceLoaderFindsTheRuntime() {
        List<Runtime> found = new ArrayList<>();
        for (Runtime r : ServiceLoader.load(Runtime.class)) {
            found.add(r);
        }
        try {
            assertThat(found)
                    .anyMatch(r -> r instanceof VirtualThreadRuntime && r.name().equals("vthreads"));
        } finally {
            found.forEach(Runtime::close);
        }
    }

    @Test
    void builderRefusesNonsense() {
        VirtualThreadRuntime.Builder b = VirtualThreadRuntime.builder();
        assertThatThrownBy(() -> b.readBufferSize(10)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.writeBufferWaterMark(2048, 1024)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.writeTimeout(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.allocator(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> b.platformReaders(-1)).isInstanceOf(IllegalArgumentException.class);
    }

    // ---- helpers ----

    private RecordingFactory factory(boolean echo, boolean closeOnInputShutdown) {
        RecordingFactory f = new RecordingFactory(echo, closeOnInputShutdown, tracker);
        factories.add(f);
        return f;
    }

    private Connection connect(RpcAddress address, RecordingFactory f) throws Exception {
        Connection c = runtime.connect(address, WAIT, f).get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        toClose.add(c::abort);
        return c;
    }

    private <T extends AutoCloseable> T closeLater(T c) {
        toClose.add(c);
        return c;
    }

    private static void awaitClosed(RecordingHandler h) throws InterruptedException {
        assertThat(h.closedLatch().await(WAIT.toMillis(), TimeUnit.MILLISECONDS))
                .as("onClosed within %s; events %s", WAIT, h.events())
                .isTrue();
    }

    private static byte[] bytes(int n, int seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }
}
