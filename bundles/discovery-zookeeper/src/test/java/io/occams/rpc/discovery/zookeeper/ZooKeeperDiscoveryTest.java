package io.occams.rpc.discovery.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.occams.rpc.api.ClientConfig;
import io.occams.rpc.api.RpcAddress;
import io.occams.rpc.api.RpcCode;
import io.occams.rpc.api.RpcException;
import io.occams.rpc.client.CallOptions;
import io.occams.rpc.client.RpcClient;
import io.occams.rpc.examples.CalService;
import io.occams.rpc.runtime.netty.NettyRuntime;
import io.occams.rpc.server.RpcServer;
import io.occams.rpc.server.ServiceDispatcher;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.CreateMode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The discovery against a real ZooKeeper server (Curator's {@link TestingServer}, in this JVM, on a
 * loopback port) and real occams-rpc servers on loopback: registration that follows the dispatcher, a
 * caller that follows the entries, bad entries, an unreachable ZooKeeper, a service with no endpoint.
 * The multi-process cases (kill, hot swap, ZooKeeper restart under load) are in the distribution's
 * {@code DiscoveryIT}.
 */
@Timeout(90)
class ZooKeeperDiscoveryTest {
    static TestingServer zk;
    static NettyRuntime runtime;
    final List<AutoCloseable> toClose = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        zk = new TestingServer(new InstanceSpec(null, -1, -1, -1, true, -1, 500, -1), true);
        runtime = new NettyRuntime();
    }

    @AfterAll
    static void stop() throws Exception {
        runtime.close();
        zk.close();
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    <T extends AutoCloseable> T closing(T c) {
        toClose.add(c);
        return c;
    }

    ZooKeeperDiscovery discovery(String root) {
        return closing(ZooKeeperDiscovery.builder()
                .connect(zk.getConnectString())
                .root(root)
                .sessionTimeout(Duration.ofSeconds(2))
                .build());
    }

    /** A CalService whose every call counts on {@code calls}. */
    static CalService counting(AtomicLong calls) {
        return counting(calls, new AtomicLong());
    }

    /** ... and that notes when (System.nanoTime) its first call came in {@code first}. */
    static CalService counting(AtomicLong calls, AtomicLong first) {
        return new CalService() {
            @Override
            public long inc(long x) {
                if (calls.getAndIncrement() == 0) {
                    first.set(System.nanoTime());
                }
                return x + 1;
            }

            @Override
            public long add(long a, long b) {
                calls.incrementAndGet();
                return a + b;
            }

            @Override
            public long div(long a, long b) {
                calls.incrementAndGet();
                return a / b;
            }
        };
    }

    RpcServer server(AtomicLong calls) throws IOException {
        RpcServer s = closing(RpcServer.builder().runtime(runtime).build());
        s.register(CalService.class, counting(calls));
        s.listen("127.0.0.1:0");
        return s;
    }

    @Test
    void threeRegisteredServersShareTheCallsOfACallerForTheServiceName() throws Exception {
        ZooKeeperDiscovery d = discovery("/three");
        AtomicLong[] counts = {new AtomicLong(), new AtomicLong(), new AtomicLong()};
        for (AtomicLong c : counts) {
            closing(d.register(server(c)));
        }
        ServiceCaller caller =
                closing(d.callerFor("CalService").runtime(runtime).build());
        await().atMost(Duration.ofSeconds(20)).until(() -> caller.addresses().size() == 3);
        CalService cal = RpcClient.create().proxy(CalService.class, caller);
        for (int i = 0; i < 300; i++) {
            assertThat(cal.add(i, 1)).isEqualTo(i + 1L);
        }
        for (AtomicLong c : counts) {
            assertThat(c.get()).isGreaterThan(0);
        }
        Map<String, List<Endpoint>> listed = d.list();
        assertThat(listed).containsOnlyKeys("CalService");
        assertThat(listed.get("CalService")).hasSize(3).allSatisfy(e -> {
            assertThat(e.runtime()).isEqualTo("netty");
            assertThat(e.protocol()).isEqualTo(Endpoint.PROTOCOL);
            assertThat(e.weight()).isEqualTo(1);
        });
    }

    @Test
    void aServerThatRegistersUnderLoadGetsCallsAndOneThatUnregistersStopsGettingThem() throws Exception {
        ZooKeeperDiscovery d = discovery("/live");
        AtomicLong a = new AtomicLong();
        AtomicLong b = new AtomicLong();
        closing(d.register(server(a)));
        RpcServer sb = server(b);
        ZooKeeperDiscovery.ServerRegistration rb = closing(d.register(sb));
        RpcAddress addressB = sb.addresses().get(0);
        ServiceCaller caller =
                closing(d.callerFor("CalService").runtime(runtime).build());
        await().atMost(Duration.ofSeconds(20)).until(() -> caller.addresses().size() == 2);
        Map<RpcAddress, Long> appeared = new java.util.concurrent.ConcurrentHashMap<>();
        Map<RpcAddress, Long> vanished = new java.util.concurrent.ConcurrentHashMap<>();
        closing(d.watch("CalService", list -> {
            long now = System.nanoTime();
            List<RpcAddress> present = list.stream().map(Endpoint::address).toList();
            present.forEach(x -> appeared.putIfAbsent(x, now));
            appeared.keySet().stream().filter(x -> !present.contains(x)).forEach(x -> vanished.putIfAbsent(x, now));
        }));
        Loop loop = new Loop(caller);
        closing(loop::stop);
        loop.start(16);
        await().atMost(Duration.ofSeconds(20)).until(() -> a.get() > 100 && b.get() > 100);

        // A third server registers under load: it gets calls.
        AtomicLong c = new AtomicLong();
        AtomicLong firstCall = new AtomicLong();
        RpcServer sc = closing(RpcServer.builder().runtime(runtime).build());
        sc.register(CalService.class, counting(c, firstCall));
        RpcAddress addressC = sc.listen("127.0.0.1:0");
        closing(d.register(sc));
        await().atMost(Duration.ofSeconds(20)).until(() -> c.get() > 0);

        // b unregisters (its server stays up): once the caller dropped it and its calls drained, it gets no more.
        long unregistered = System.nanoTime();
        rb.close();
        await().atMost(Duration.ofSeconds(20))
                .until(() ->
                        vanished.containsKey(addressB) && !caller.addresses().contains(addressB));
        await().atMost(Duration.ofSeconds(20)).until(() -> sb.connectionCount() == 0);
        long bSettled = b.get();
        long more = loop.ok.get();
        await().atMost(Duration.ofSeconds(20)).until(() -> loop.ok.get() > more + 1000);
        assertThat(b.get())
                .as("calls reaching the unregistered server once its pool was drained")
                .isEqualTo(bSettled);
        assertThat(loop.failed.get()).as(loop.failures.toString()).isZero();
        System.out.printf(
                "figures: in-JVM: the new server's first call came %d ms after its entry appeared; the unregistered "
                        + "one's entry went %d ms after close(); %d calls, %d failed%n",
                TimeUnit.NANOSECONDS.toMillis(firstCall.get() - appeared.get(addressC)),
                TimeUnit.NANOSECONDS.toMillis(vanished.get(addressB) - unregistered),
                loop.ok.get(),
                loop.failed.get());
    }

    /** A closed loop of idempotent CalService.inc calls through a caller. */
    static final class Loop {
        final io.occams.rpc.stream.Caller caller;
        final AtomicLong ok = new AtomicLong();
        final AtomicLong failed = new AtomicLong();
        final List<String> failures = new CopyOnWriteArrayList<>();
        final java.util.concurrent.atomic.AtomicInteger outstanding = new java.util.concurrent.atomic.AtomicInteger();
        volatile boolean stopping;

        Loop(io.occams.rpc.stream.Caller caller) {
            this.caller = caller;
        }

        void start(int n) {
            for (int i = 0; i < n; i++) {
                outstanding.incrementAndGet();
                caller.submit(new Inc());
            }
        }

        void stop() {
            stopping = true;
            await().atMost(Duration.ofSeconds(30)).until(() -> outstanding.get() == 0);
        }

        final class Inc extends io.occams.rpc.stream.ClientTask {
            Inc() {
                super("CalService.inc");
                idempotent(true);
            }

            @Override
            public void encodeMsg(io.netty.buffer.ByteBuf out) {
                out.writeByte(1); // msgpack 1
            }

            @Override
            public void onReply(io.netty.buffer.ByteBuf msg, io.netty.buffer.ByteBuf blob) {
                ok.incrementAndGet();
                next();
            }

            @Override
            public void onErrno(int errno) {
                fail("errno " + errno);
            }

            @Override
            public void onErrorString(io.netty.buffer.ByteBuf text) {
                fail(text.toString(StandardCharsets.UTF_8));
            }

            @Override
            public void onFailure(RpcException e) {
                fail(e.toString());
            }

            private void fail(String why) {
                failed.incrementAndGet();
                if (failures.size() < 10) {
                    failures.add(why);
                }
                next();
            }

            private void next() {
                if (stopping) {
                    outstanding.decrementAndGet();
                } else {
                    caller.submit(new Inc());
                }
            }
        }
    }

    @Test
    void entriesFollowTheDispatcherAndTheCallerDrainsAnEndpointThatLeft() throws Exception {
        ZooKeeperDiscovery d = discovery("/follow");
        RpcServer a = server(new AtomicLong());
        RpcServer b = server(new AtomicLong());
        closing(d.register(a));
        closing(d.register(b));
        ServiceCaller caller =
                closing(d.callerFor("CalService").runtime(runtime).build());
        await().atMost(Duration.ofSeconds(20)).until(() -> caller.addresses().size() == 2);

        // b's service leaves (a hot swap without replacement): its entry goes, the caller keeps only a.
        ServiceDispatcher.Registration extra = b.register(
                io.occams.rpc.examples.EchoService.class, new io.occams.rpc.examples.internal.EchoServiceImpl());
        await().atMost(Duration.ofSeconds(20)).until(() -> d.list().containsKey("EchoService"));
        extra.close();
        await().atMost(Duration.ofSeconds(20)).until(() -> !d.list().containsKey("EchoService"));
        assertThat(b.dispatcher().serviceNames()).contains("CalService").doesNotContain("EchoService");
        toClose.remove(b);
        b.dispatcher().serviceNames(); // b stays up; only its CalService goes
        ServiceDispatcher.Registration again = b.register(CalService.class, counting(new AtomicLong()));
        await().atMost(Duration.ofSeconds(20)).until(() -> caller.addresses().size() == 2);
        again.close();
        // b still has its first CalService provider: the entry stays.
        assertThat(d.list().get("CalService")).hasSize(2);
        b.close();
        assertThat(caller.addresses()).hasSize(2); // a closed server's entry stays until unregistered
    }

    @Test
    void aForeignOrMalformedEntryIsSkipped() throws Exception {
        ZooKeeperDiscovery d = discovery("/bad");
        RpcServer good = server(new AtomicLong());
        closing(d.register(good));
        try (CuratorFramework raw = CuratorFrameworkFactory.newClient(zk.getConnectString(), new RetryOneTime(100))) {
            raw.start();
            raw.create()
                    .creatingParentsIfNeeded()
                    .withMode(CreateMode.EPHEMERAL)
                    .forPath(
                            "/bad/services/CalService/127.0.0.21:1",
                            "{\"not\":\"ours\"}".getBytes(StandardCharsets.UTF_8));
            raw.create()
                    .withMode(CreateMode.EPHEMERAL)
                    .forPath(
                            "/bad/services/CalService/127.0.0.22:2",
                            (Endpoint.MAGIC + "\nservice=CalService\naddress=127.0.0.29:9\nprotocol=0.2\n")
                                    .getBytes(StandardCharsets.UTF_8));
            raw.create()
                    .withMode(CreateMode.EPHEMERAL)
                    .forPath(
                            "/bad/services/CalService/127.0.0.23:3",
                            (Endpoint.MAGIC
                                            + "\nservice=CalService\naddress=127.0.0.23:3\nprotocol=0.2\nweight=heavy\n")
                                    .getBytes(StandardCharsets.UTF_8));
            raw.create()
                    .withMode(CreateMode.EPHEMERAL)
                    .forPath("/bad/services/CalService/big", new byte[Endpoint.MAX_BYTES + 1]);
            CopyOnWriteArrayList<List<Endpoint>> seen = new CopyOnWriteArrayList<>();
            closing(d.watch("CalService", seen::add));
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> !seen.isEmpty() && seen.get(seen.size() - 1).size() == 1);
            assertThat(seen.get(seen.size() - 1).get(0).address())
                    .isEqualTo(good.addresses().get(0));
            assertThat(d.list().get("CalService"))
                    .extracting(Endpoint::address)
                    .containsExactly(good.addresses().get(0));
        }
    }

    @Test
    void aServiceWithNoEndpointFailsItsCallsWithUnreachableAfterTheCallsTimeoutNamingTheService() throws Exception {
        ZooKeeperDiscovery d = discovery("/none");
        ServiceCaller caller = closing(d.callerFor("CalService")
                .runtime(runtime)
                .config(ClientConfig.builder()
                        .taskTimeout(Duration.ofSeconds(30))
                        .build())
                .build());
        CalService cal = RpcClient.withOptions(
                RpcClient.create().proxy(CalService.class, caller), CallOptions.timeout(Duration.ofSeconds(2)));
        assertThatThrownBy(() -> cal.add(1, 2)).isInstanceOfSatisfying(RpcException.class, e -> {
            RpcException cause = e.getCause() instanceof RpcException c ? c : e;
            assertThat(cause.code()).isEqualTo(RpcCode.UNREACHABLE);
            assertThat(cause.getMessage()).contains("CalService").contains(zk.getConnectString());
        });
        assertThat(caller.waitingCalls()).isZero();
    }

    @Test
    void aCallWaitingForAFirstEndpointGoesOutWhenOneRegisters() throws Exception {
        ZooKeeperDiscovery d = discovery("/later");
        ServiceCaller caller =
                closing(d.callerFor("CalService").runtime(runtime).build());
        CalService cal = RpcClient.create().proxy(CalService.class, caller);
        var pending = java.util.concurrent.CompletableFuture.supplyAsync(() -> cal.add(20, 22));
        await().atMost(Duration.ofSeconds(20)).until(() -> caller.waitingCalls() == 1);
        closing(d.register(server(new AtomicLong())));
        assertThat(pending.get(20, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(42L);
    }

    @Test
    void anUnreachableZooKeeperAtStartIsAClearErrorAndIsRetriedUntilItAnswers() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        ZooKeeperDiscovery d = closing(ZooKeeperDiscovery.builder()
                .connect("127.0.0.1:" + port)
                .connectTimeout(Duration.ofMillis(500))
                .sessionTimeout(Duration.ofSeconds(2))
                .build());
        assertThatThrownBy(d::list)
                .isInstanceOf(IOException.class)
                .hasMessageContaining("127.0.0.1:" + port)
                .hasMessageContaining("not reachable");
        RpcServer s = server(new AtomicLong());
        closing(d.register(s)); // accepted now, made once ZooKeeper answers
        try (TestingServer late = new TestingServer(port, true)) {
            assertThat(d.awaitConnected(Duration.ofSeconds(30))).isTrue();
            await().atMost(Duration.ofSeconds(20)).until(() -> d.list().containsKey("CalService"));
            d.close();
        }
    }

    @Test
    void registrationsComeBackAfterZooKeeperRestartsAndTheCallerKeepsCalling() throws Exception {
        ZooKeeperDiscovery d = discovery("/restart");
        AtomicLong count = new AtomicLong();
        closing(d.register(server(count)));
        ServiceCaller caller =
                closing(d.callerFor("CalService").runtime(runtime).build());
        await().atMost(Duration.ofSeconds(20)).until(() -> caller.addresses().size() == 1);
        CalService cal = RpcClient.create().proxy(CalService.class, caller);
        zk.stop();
        await().atMost(Duration.ofSeconds(20)).until(() -> !d.isConnected());
        assertThat(cal.inc(1)).isEqualTo(2); // the last known list stands
        assertThat(caller.addresses()).hasSize(1);
        zk.restart();
        assertThat(d.awaitConnected(Duration.ofSeconds(30))).isTrue();
        await().atMost(Duration.ofSeconds(30)).until(() -> d.list().containsKey("CalService"));
        assertThat(cal.inc(2)).isEqualTo(3);
    }

    @Test
    void anEndpointReadsBackAsItWasWrittenAndRejectsWhatIsNotOurs() {
        Endpoint e = new Endpoint("CalService", RpcAddress.parse("127.1.2.3:7420"), "netty", "0.2", "1.2.3", 5);
        assertThat(Endpoint.parse(e.toBytes())).isEqualTo(e);
        assertThatThrownBy(() -> Endpoint.parse("hello".getBytes(StandardCharsets.UTF_8)))
                .hasMessageContaining("not an occams-rpc endpoint");
        assertThatThrownBy(() -> new Endpoint("a/b", RpcAddress.parse("1.2.3.4:5"), "netty", "0.2", "1", 1))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
