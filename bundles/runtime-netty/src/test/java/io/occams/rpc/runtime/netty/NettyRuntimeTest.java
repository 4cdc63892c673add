package io.occams.rpc.runtime.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.channel.epoll.Epoll;
import io.occams.rpc.api.RpcAddress;
import io.occams.rpc.api.spi.Connection;
import io.occams.rpc.api.spi.Runtime;
import io.occams.rpc.testkit.RawPeer;
import io.occams.rpc.testkit.RawServer;
import io.occams.rpc.testkit.RecordingFactory;
import io.occams.rpc.testkit.RecordingHandler;
import io.occams.rpc.testkit.Transport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ServiceLoader;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What is particular to the Netty runtime: transport choice, thread names, settings, the write timeout. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class NettyRuntimeTest {
    @Test
    void usesEpollWhereItLoadsAndNioWhenToldNotTo() {
        try (NettyRuntime rt = NettyRuntime.builder().build()) {
            assertThat(rt.transport()).isEqualTo(Epoll.isAvailable() ? "epoll" : "nio");
            assertThat(rt.name()).isEqualTo("netty");
        }
        try (NettyRuntime rt = NettyRuntime.builder().preferNative(false).build()) {
            assertThat(rt.transport()).isEqualTo("nio");
        }
    }

    @Test
    void epollLoadsOnThisLinuxBuildMachine() {
        // The native jar is a runtime dependency; on Linux x86_64 it must load, or the default is NIO unnoticed.
        org.junit.jupiter.api.Assumptions.assumeTrue(
                System.getProperty("os.name").startsWith("Linux")
                        && System.getProperty("os.arch").equals("amd64"));
        assertThat(Epoll.isAvailable())
                .as("epoll: %s", Epoll.unavailabilityCause())
                .isTrue();
    }

    @Test
    void isFoundThroughServiceLoader() {
        Runtime rt = ServiceLoader.load(Runtime.class).stream()
                .filter(p -> p.type() == NettyRuntime.class)
                .findFirst()
                .orElseThrow()
                .get();
        try (rt) {
            assertThat(rt.name()).isEqualTo("netty");
        }
    }

    @Test
    void threadsAreNamed() throws Exception {
        try (NettyRuntime rt = NettyRuntime.builder().ioThreads(1).build()) {
            CompletableFuture<String> blocking = new CompletableFuture<>();
            rt.blockingExecutor()
                    .execute(() -> blocking.complete(Thread.currentThread().getName()));
            assertThat(blocking.get(10, TimeUnit.SECONDS)).isEqualTo("occams-netty-blocking-1");
            String timer = rt.scheduler()
                    .schedule(() -> Thread.currentThread().getName(), 1, TimeUnit.MILLISECONDS)
                    .get(10, TimeUnit.SECONDS);
            assertThat(timer).isEqualTo("occams-netty-timer");

            RecordingFactory f = new RecordingFactory(false, true, null);
            CompletableFuture<String> io = new CompletableFuture<>();
            Runtime.Listener l = rt.listen(RpcAddress.tcp("127.0.0.1", 0), c -> {
                io.complete(Thread.currentThread().getName());
                return f.open(c);
            });
            try (RawPeer peer = RawPeer.connect(l.localAddress())) {
                assertThat(io.get(10, TimeUnit.SECONDS)).isEqualTo("occams-netty-io-1");
            }
        }
    }

    @Test
    void theBlockingExecutorRunsOnVirtualThreadsAndItsPoolRefusesNoTask() throws Exception {
        try (NettyRuntime rt = NettyRuntime.builder().ioThreads(1).build()) {
            assertThat(rt.blockingOnVirtualThreads())
                    .as("on Java %s", java.lang.Runtime.version().feature())
                    .isEqualTo(java.lang.Runtime.version().feature() >= 21);
            CompletableFuture<Boolean> daemon = new CompletableFuture<>();
            rt.blockingExecutor()
                    .execute(() -> daemon.complete(Thread.currentThread().isDaemon()));
            assertThat(daemon.get(10, TimeUnit.SECONDS))
                    .as("never keeps the JVM alive")
                    .isTrue();
        }
        // The Java 17 shape: one platform thread, held busy, and far more tasks than the old 1,024-task queue.
        try (NettyRuntime rt = NettyRuntime.builder()
                .ioThreads(1)
                .virtualThreads(false)
                .blockingThreads(1)
                .build()) {
            assertThat(rt.blockingOnVirtualThreads()).isFalse();
            java.util.concurrent.CountDownLatch gate = new java.util.concurrent.CountDownLatch(1);
            java.util.concurrent.CountDownLatch ran = new java.util.concurrent.CountDownLatch(5000);
            rt.blockingExecutor().execute(() -> {
                try {
                    gate.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            for (int i = 0; i < 5000; i++) {
                rt.blockingExecutor().execute(ran::countDown); // throws if refused
            }
            gate.countDown();
            assertThat(ran.await(30, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void settingsAreChecked() {
        NettyRuntime.Builder b = NettyRuntime.builder();
        assertThatThrownBy(() -> b.ioThreads(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.blockingThreads(0, 10)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.blockingThreads(1, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.blockingThreads(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.writeBufferWaterMark(10, 5)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.writeTimeout(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void closeGivesUpOnQueuedWritesAfterTheWriteTimeout() throws Exception {
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "occ");
        try (NettyRuntime rt = NettyRuntime.builder()
                        .writeTimeout(Duration.ofMillis(300))
                        .build();
                RawServer raw = RawServer.bind(Transport.TCP, dir)) {
            RecordingFactory f = new RecordingFactory(false, false, null);
            Connection c = rt.connect(raw.address(), Duration.ofSeconds(5), f).get(10, TimeUnit.SECONDS);
            RecordingHandler h = f.next(Duration.ofSeconds(10));
            try (RawPeer peer = raw.accept()) { // never reads
                while (c.isWritable()) {
                    c.write(c.alloc().buffer(64 * 1024).writeZero(64 * 1024));
                    c.flush();
                }
                long start = System.nanoTime();
                c.close();
                assertThat(h.closedLatch().await(10, TimeUnit.SECONDS)).isTrue();
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
                assertThat(h.violations()).isEmpty();
            }
        } finally {
            Files.deleteIfExists(dir);
        }
    }
}
