package io.occams.rpc.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.buffer.Unpooled;
import io.occams.rpc.api.ClientConfig;
import io.occams.rpc.api.RpcAddress;
import io.occams.rpc.api.ServerConfig;
import io.occams.rpc.codec.MsgpackCodec;
import io.occams.rpc.runtime.vthreads.VirtualThreadRuntime;
import io.occams.rpc.server.FakeCall.Answer;
import io.occams.rpc.server.ServiceDispatcher.Registration;
import io.occams.rpc.server.TestServices.VersionService;
import io.occams.rpc.stream.ClientStream;
import io.occams.rpc.stream.Reply;
import io.occams.rpc.testkit.ManualScheduler;
import io.occams.rpc.testkit.Transport;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hot swap as DESIGN.md states it, at the dispatcher: ranked providers, calls finishing on the provider they
 * started on, unregistration that drains, and calls parked for swapGrace when the last provider left.
 */
@Timeout(60)
class HotSwapTest {
    static final MsgpackCodec CODEC = new MsgpackCodec();
    static final byte[] NIL = {(byte) 0xc0};
    static ExecutorService pool;

    @TempDir
    static Path dir;

    @BeforeAll
    static void start() {
        pool = Executors.newCachedThreadPool();
    }

    @AfterAll
    static void stop() {
        pool.shutdownNow();
    }

    private static ServiceDispatcher dispatcher(Duration swapGrace) {
        return ServiceDispatcher.builder()
                .codec(CODEC)
                .swapGrace(swapGrace)
                .drainTimeout(Duration.ofSeconds(20))
                .build();
    }

    private static FakeCall version(ServiceDispatcher d) {
        FakeCall c = new FakeCall("Version.version", NIL, pool);
        d.dispatch(c);
        return c;
    }

    /** The msgpack fixstr of {@code s} as hex, as FakeCall reports ok answers. */
    private static String str(String s) {
        StringBuilder sb = new StringBuilder(String.format("%02x", 0xa0 | s.length()));
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            sb.append(String.format("%02x", b));
        }
        return sb.toString();
    }

    private static Answer answer(FakeCall c) throws Exception {
        return c.answer.get(10, TimeUnit.SECONDS);
    }

    @Test
    void newCallsGoToTheHigherRankedThenNewestProvider() throws Exception {
        ServiceDispatcher d = dispatcher(Duration.ofSeconds(5));
        Registration a = d.register(VersionService.class, TestServices.version("a"), 5);
        assertThat(answer(version(d))).isEqualTo(Answer.ok(str("a")));
        Registration b = d.register(VersionService.class, TestServices.version("b"), 1);
        assertThat(answer(version(d))).isEqualTo(Answer.ok(str("a")));
        Registration c = d.register(VersionService.class, TestServices.version("c"), 5);
        assertThat(answer(version(d))).isEqualTo(Answer.ok(str("c")));
        c.close();
        assertThat(answer(version(d))).isEqualTo(Answer.ok(str("a")));
        a.close();
        assertThat(answer(version(d))).isEqualTo(Answer.ok(str("b")));
        assertThat(d.serviceNames()).containsExactly("OccamsHealth", "OccamsReflection", "OccamsStatus", "Version");
        b.close();
        assertThat(d.serves("Version")).isFalse();
        assertThat(c.isActive()).isFalse();
    }

    @Test
    void unregisterWaitsForTheProvidersCallsWhileNewCallsGoToTheReplacement() throws Exception {
        ServiceDispatcher d = dispatcher(Duration.ofSeconds(5));
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Registration old = d.register(VersionService.class, () -> {
            started.countDown();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return "old";
        });
        FakeCall running = version(d);
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(old.inFlight()).isEqualTo(1);
        d.register(VersionService.class, TestServices.version("new"));
        CompletableFuture<Void> closed = CompletableFuture.runAsync(old::close, pool);
        await().atMost(Duration.ofSeconds(10)).until(() -> !old.isActive());
        assertThat(answer(version(d))).isEqualTo(Answer.ok(str("new")));
        assertThat(closed).isNotDone();
        assertThat(running.answer).isNotDone();
        release.countDown();
        assertThat(answer(running)).isEqualTo(Answer.ok(str("old")));
        closed.get(10, TimeUnit.SECONDS);
        assertThat(old.inFlight()).isZero();
    }

    @Test
    void unregisterGivesUpAfterTheDrainTimeout() throws Exception {
        ServiceDispatcher d = ServiceDispatcher.builder()
                .codec(CODEC)
                .drainTimeout(Duration.ofMillis(50))
                .build();
        CountDownLatch release = new CountDownLatch(1);
        Registration stuck = d.register(VersionService.class, () -> {
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return "late";
        });
        FakeCall running = version(d);
        await().atMost(Duration.ofSeconds(10)).until(() -> stuck.inFlight() == 1);
        stuck.close();
        assertThat(stuck.unregister()).isNotDone();
        release.countDown();
        assertThat(answer(running)).isEqualTo(Answer.ok(str("late")));
        stuck.unregister().get(10, TimeUnit.SECONDS);
    }

    @Test
    void callsWaitForAReplacementRegisteredWithinSwapGrace() throws Exception {
        ServiceDispatcher d = dispatcher(Duration.ofSeconds(30));
        d.register(VersionService.class, TestServices.version("v1")).close();
        List<FakeCall> parked = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            parked.add(version(d));
        }
        for (FakeCall c : parked) {
            assertThat(c.answer).isNotDone();
        }
        d.register(VersionService.class, TestServices.version("v2"));
        for (FakeCall c : parked) {
            assertThat(answer(c)).isEqualTo(Answer.ok(str("v2")));
        }
    }

    @Test
    void withoutReplacementCallsFailWithServiceNotFoundAfterSwapGrace() throws Exception {
        // The grace ends on a manual clock: only tick() moves it, so nothing here waits or races a timer. (The
        // vacancy's own deadline is on the real clock; five minutes never pass during this test.)
        Duration grace = Duration.ofMinutes(5);
        ManualScheduler clock = new ManualScheduler();
        ServiceDispatcher d = ServiceDispatcher.builder()
                .codec(CODEC)
                .swapGrace(grace)
                .scheduler(clock)
                .drainTimeout(Duration.ofSeconds(20))
                .build();
        d.register(VersionService.class, TestServices.version("v1")).close();
        FakeCall c = version(d);
        clock.tick(grace.minusMillis(1));
        assertThat(c.answer).isNotDone();
        clock.tick(Duration.ofMillis(1));
        assertThat(answer(c)).isEqualTo(Answer.error("rpc_service_notfound"));
        // after the grace, at once
        assertThat(version(d).answer.getNow(null)).isEqualTo(Answer.error("rpc_service_notfound"));
    }

    @Test
    void aNameThatNeverHadAProviderIsAnsweredAtOnce() {
        ServiceDispatcher d = dispatcher(Duration.ofSeconds(30));
        assertThat(version(d).answer.getNow(null)).isEqualTo(Answer.error("rpc_service_notfound"));
    }

    @Test
    void aZeroSwapGraceAnswersAtOnce() {
        ServiceDispatcher d = dispatcher(Duration.ZERO);
        d.register(VersionService.class, TestServices.version("v1")).close();
        assertThat(version(d).answer.getNow(null)).isEqualTo(Answer.error("rpc_service_notfound"));
    }

    /**
     * Under continuous load on a real server: a higher-ranked provider takes over, the old one leaves, then
     * the only provider is replaced stop-then-start (a bundle update): no call fails, and replies switch.
     */
    @Test
    void swapsUnderLoadFailNoCall() throws Exception {
        try (VirtualThreadRuntime rt = new VirtualThreadRuntime();
                RpcServer server = RpcServer.builder()
                        .runtime(rt)
                        .config(ServerConfig.builder()
                                .swapGrace(Duration.ofSeconds(10))
                                .build())
                        .build()) {
            Registration v1 = server.register(VersionService.class, TestServices.version("v1"));
            RpcAddress addr = server.listen(Transport.TCP.freshAddress(dir));
            ClientStream stream =
                    ClientStream.connect(rt, addr, ClientConfig.defaults()).get(10, TimeUnit.SECONDS);
            ConcurrentHashMap<String, AtomicLong> seen = new ConcurrentHashMap<>();
            AtomicInteger failures = new AtomicInteger();
            AtomicLong sent = new AtomicLong();
            AtomicLong done = new AtomicLong();
            CompletableFuture<Void> stopped = new CompletableFuture<>();
            Thread load = Thread.ofVirtual().start(() -> {
                while (!stopped.isDone()) {
                    sent.incrementAndGet();
                    stream.call("Version.version", Unpooled.wrappedBuffer(NIL), null)
                            .whenComplete((r, e) -> {
                                if (e != null) {
                                    failures.incrementAndGet();
                                } else {
                                    try (Reply reply = r) {
                                        String v = reply.msg()
                                                .toString(1, reply.msg().readableBytes() - 1, StandardCharsets.UTF_8);
                                        seen.computeIfAbsent(v, k -> new AtomicLong())
                                                .incrementAndGet();
                                    }
                                }
                                done.incrementAndGet();
                            });
                }
            });
            try {
                await().atMost(Duration.ofSeconds(20)).until(() -> count(seen, "v1") > 500);
                Registration v2 = server.register(VersionService.class, TestServices.version("v2"), 1);
                await().atMost(Duration.ofSeconds(20)).until(() -> count(seen, "v2") > 500);
                v1.close();
                assertThat(v1.inFlight()).isZero();
                long v2Before = count(seen, "v2");
                await().atMost(Duration.ofSeconds(20)).until(() -> count(seen, "v2") > v2Before + 500);
                v2.close(); // the last provider leaves: calls park ...
                server.register(VersionService.class, TestServices.version("v3")); // ... and go to its successor
                await().atMost(Duration.ofSeconds(20)).until(() -> count(seen, "v3") > 500);
            } finally {
                stopped.complete(null);
                load.join();
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> done.get() == sent.get());
            assertThat(failures).hasValue(0);
            assertThat(seen.keySet()).containsExactlyInAnyOrder("v1", "v2", "v3");
            stream.close();
            stream.closeFuture().get(10, TimeUnit.SECONDS);
        }
    }

    private static long count(ConcurrentHashMap<String, AtomicLong> seen, String v) {
        AtomicLong n = seen.get(v);
        return n == null ? 0 : n.get();
    }
}
