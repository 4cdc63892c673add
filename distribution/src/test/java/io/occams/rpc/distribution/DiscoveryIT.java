package io.occams.rpc.distribution;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.buffer.ByteBuf;
import io.occams.rpc.api.ClientConfig;
import io.occams.rpc.api.RpcAddress;
import io.occams.rpc.api.RpcException;
import io.occams.rpc.discovery.zookeeper.Endpoint;
import io.occams.rpc.discovery.zookeeper.ServiceCaller;
import io.occams.rpc.discovery.zookeeper.ZooKeeperDiscovery;
import io.occams.rpc.distribution.Occams.Result;
import io.occams.rpc.runtime.netty.NettyRuntime;
import io.occams.rpc.stream.ClientTask;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Discovery through ZooKeeper with real processes: a ZooKeeper server in this JVM (Curator's
 * {@link TestingServer}, loopback, tick 1 s so that sessions of 2-20 s are allowed), and servers that are
 * the assembled distribution's {@code occams serve --zookeeper ... --zookeeper-session 4}, each serving a
 * {@code Greeter} bundle (built here with bnd) whose greeting is the server's name, so every reply says
 * who answered. The client is a {@link ServiceCaller} for {@code Greeter} in this JVM, under a closed loop
 * of idempotent calls that runs from the first test to the last. In order: three servers share the
 * calls; one is SIGKILLed (its entry goes when its session of 4 s expires, no call fails); a fourth starts and
 * gets calls; one hot-swaps its Greeter bundle (no call fails); ZooKeeper restarts (calls go on, every
 * entry comes back). Then the bad inputs of the CLI. The figures are printed ("figures:" lines).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DiscoveryIT {
    private static final Duration START = Duration.ofSeconds(300); // a loaded 2-core machine starts three JVMs slowly
    private static final Duration WAIT = Duration.ofSeconds(60);
    /** The servers' session timeout: how long after a SIGKILL their entries go. */
    private static final String SESSION_SECONDS = "4";

    @TempDir
    static Path tmp;

    private Occams occams;
    private TestingServer zk;
    private NettyRuntime runtime;
    private ZooKeeperDiscovery discovery;
    private ServiceCaller caller;
    private final Map<String, Server> servers = new ConcurrentHashMap<>();
    private final Load load = new Load();
    /** When each address was first seen in, and last seen leaving, the Greeter entries (System.nanoTime). */
    private final Map<RpcAddress, Long> appeared = new ConcurrentHashMap<>();

    private final Map<RpcAddress, Long> vanished = new ConcurrentHashMap<>();
    private final long began = System.nanoTime();

    @BeforeAll
    void startZooKeeperAndThreeServers() throws Exception {
        occams = new Occams(tmp);
        zk = new TestingServer(new InstanceSpec(null, -1, -1, -1, true, -1, 1000, -1), true);
        runtime = new NettyRuntime();
        // The test's own session is long: on a loaded machine a short one expires while nothing is wrong.
        discovery = ZooKeeperDiscovery.builder()
                .connect(zk.getConnectString())
                .sessionTimeout(Duration.ofSeconds(15))
                .build();
        discovery.watch("Greeter", list -> {
            long now = System.nanoTime();
            List<RpcAddress> present = list.stream().map(Endpoint::address).toList();
            for (RpcAddress a : present) {
                appeared.putIfAbsent(a, now);
            }
            for (RpcAddress a : appeared.keySet()) {
                if (!present.contains(a)) {
                    vanished.putIfAbsent(a, now);
                }
            }
        });
        List<Server> three = List.of(new Server("s1"), new Server("s2"), new Server("s3"));
        for (Server s : three) {
            s.start();
        }
        for (Server s : three) {
            s.awaitListening();
        }
    }

    @AfterAll
    void stopEverything() throws Exception {
        load.stop();
        for (Server s : servers.values()) {
            s.serve.close();
        }
        if (caller != null) {
            caller.close();
        }
        if (discovery != null) {
            discovery.close();
        }
        if (runtime != null) {
            runtime.close();
        }
        if (zk != null) {
            zk.close();
        }
        System.out.printf(
                "figures: total %d calls, %d failed, in %d s%n",
                load.ok.get() + load.failed.get(),
                load.failed.get(),
                TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - began));
    }

    @Test
    @Order(1)
    void threeServersRegisterAndAPoolOverTheServiceNameSpreadsCallsOverAllThree() throws Exception {
        caller = discovery
                .callerFor("Greeter")
                .runtime(runtime)
                .config(ClientConfig.builder()
                        .taskTimeout(Duration.ofSeconds(10))
                        .connectTimeout(Duration.ofSeconds(5))
                        .build())
                .build();
        await("three Greeter endpoints")
                .atMost(WAIT)
                .until(() -> caller.addresses().size() == 3);
        assertThat(caller.addresses())
                .containsExactlyInAnyOrderElementsOf(List.of(address("s1"), address("s2"), address("s3")));
        load.start(caller, 32);
        await("every server answers")
                .atMost(WAIT)
                .until(() -> load.count("s1") > 100 && load.count("s2") > 100 && load.count("s3") > 100);
        assertThat(load.failed.get()).as(load.failures.toString()).isZero();
        System.out.printf("figures: three servers: %s, failed %d%n", load.perServer, load.failed.get());
    }

    @Test
    @Order(2)
    void aServerKilledUnderLoadLosesItsEntryWhenItsSessionExpiresAndNoCallFails() throws Exception {
        Server s3 = servers.get("s3");
        long before = load.count("s3");
        long killed = System.nanoTime();
        s3.serve.kill(); // SIGKILL: no graceful stop, no unregistration
        await("the killed server's entry goes").atMost(WAIT).until(() -> vanished.containsKey(s3.address));
        await("its pool is drained from the caller")
                .atMost(WAIT)
                .until(() -> !caller.addresses().contains(s3.address));
        long sinceLast = load.ok.get();
        await("calls go on over the two others").atMost(WAIT).until(() -> load.ok.get() > sinceLast + 1000);
        assertThat(load.failed.get()).as(load.failures.toString()).isZero();
        System.out.printf(
                "figures: kill: s3 answered %d calls before SIGKILL and none after (last reply %d ms before the kill); "
                        + "its entry went %d ms after the kill (session timeout " + SESSION_SECONDS
                        + " s); failed %d%n",
                before,
                TimeUnit.NANOSECONDS.toMillis(killed - load.last("s3")),
                TimeUnit.NANOSECONDS.toMillis(vanished.get(s3.address) - killed),
                load.failed.get());
        servers.remove("s3");
    }

    @Test
    @Order(3)
    void aFourthServerGetsCallsOnceItRegisters() throws Exception {
        Server s4 = new Server("s4");
        s4.start();
        s4.awaitListening();
        await("s4 answers calls").atMost(WAIT).until(() -> load.count("s4") > 0);
        long registered = appeared.get(s4.address);
        long firstCall = load.first("s4");
        assertThat(load.failed.get()).as(load.failures.toString()).isZero();
        System.out.printf(
                "figures: new server: first call answered by s4 %d ms after its entry appeared%n",
                TimeUnit.NANOSECONDS.toMillis(firstCall - registered));
    }

    @Test
    @Order(4)
    void aHotSwapOfTheServiceBundleOnOneServerUnderLoadFailsNoCall() throws Exception {
        Server s1 = servers.get("s1");
        long before = load.count("s1");
        drop(greeterBundle("1.0.1", "s1"), s1.deploy.resolve("greeter.jar"));
        await("s1 reports the update")
                .atMost(WAIT)
                .until(() -> s1.serve.printed("deploy: updated io.occams.rpc.test.greeter"));
        await("s1 answers again after the swap").atMost(WAIT).until(() -> load.count("s1") > before + 100);
        await("s1's entry is there with the new version")
                .atMost(WAIT)
                .until(() -> discovery.list().getOrDefault("Greeter", List.of()).stream()
                        .anyMatch(e ->
                                e.address().equals(s1.address) && e.version().equals("1.0.1")));
        assertThat(load.failed.get()).as(load.failures.toString()).isZero();
        System.out.printf(
                "figures: hot swap: s1 answered %d calls before, %d after; failed %d%n",
                before, load.count("s1") - before, load.failed.get());
    }

    @Test
    @Order(5)
    void aZooKeeperRestartUnderLoadLetsCallsGoOnAndRegistrationsComeBack() throws Exception {
        zk.stop();
        await("the client sees ZooKeeper gone").atMost(WAIT).until(() -> !discovery.isConnected());
        long during = load.ok.get();
        await("calls go on while ZooKeeper is down").atMost(WAIT).until(() -> load.ok.get() > during + 1000);
        assertThat(caller.addresses()).hasSize(3);
        zk.restart();
        assertThat(discovery.awaitConnected(WAIT)).isTrue();
        await("every registration is back")
                .atMost(WAIT)
                .until(() -> discovery.list().getOrDefault("Greeter", List.of()).size() == 3);
        long after = load.ok.get();
        await("calls go on after the restart").atMost(WAIT).until(() -> load.ok.get() > after + 1000);
        assertThat(load.failed.get()).as(load.failures.toString()).isZero();
        System.out.printf(
                "figures: ZooKeeper restart: %d calls answered while it was down; failed %d%n",
                after - during, load.failed.get());
    }

    @Test
    @Order(6)
    void theCliListsTheServicesAndEndpoints() throws Exception {
        Result r = occams("list", "--zookeeper", zk.getConnectString());
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out())
                .contains("Greeter (3 endpoints)")
                .contains(address("s1").toString())
                .contains(address("s4").toString())
                .contains("CalService (3 endpoints)");
        Result call = occams("call", "--zookeeper", zk.getConnectString(), "Greeter.greet", "cli");
        assertThat(call.exit()).as(call.toString()).isZero();
        assertThat(call.out()).matches("(?s)\"s[124], cli\"\\s*");
    }

    @Test
    @Order(7)
    void aServiceWithNoEndpointFailsWithUnreachableAfterItsTimeoutNamingIt() throws Exception {
        Result r = occams("call", "--zookeeper", zk.getConnectString(), "--timeout", "1", "NoSuchService.method");
        assertThat(r.exit()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).contains("rpc_unreachable").contains("NoSuchService");
    }

    @Test
    @Order(8)
    void anUnreachableZooKeeperIsAClearErrorNotAHang() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Result r = occams("list", "--zookeeper", "127.0.0.1:" + port);
        assertThat(r.exit()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).contains("ZooKeeper at 127.0.0.1:" + port + " not reachable");
        load.stop();
        assertThat(load.failed.get()).as(load.failures.toString()).isZero();
    }

    private RpcAddress address(String name) {
        return servers.get(name).address;
    }

    /** One {@code occams serve} with its own deploy folder holding a Greeter whose greeting is its name. */
    private final class Server {
        final String name;
        final Path deploy;
        Occams.Serve serve;
        RpcAddress address;

        Server(String name) throws Exception {
            this.name = name;
            this.deploy = Files.createDirectories(tmp.resolve(name + "-deploy"));
            drop(greeterBundle("1.0.0", name), deploy.resolve("greeter.jar"));
            servers.put(name, this);
        }

        void start() throws IOException {
            serve = occams.serve(
                    name,
                    "--port",
                    "0",
                    "--deploy",
                    deploy.toString(),
                    "--zookeeper",
                    zk.getConnectString(),
                    "--zookeeper-session",
                    SESSION_SECONDS);
        }

        void awaitListening() {
            address = RpcAddress.parse(serve.awaitListening(START));
        }
    }

    /** A closed loop of idempotent {@code Greeter.greet} calls; counts replies by the server that answered. */
    private static final class Load {
        final AtomicLong ok = new AtomicLong();
        final AtomicLong failed = new AtomicLong();
        final Map<String, AtomicLong> perServer = new ConcurrentHashMap<>();
        final Map<String, Long> firstReply = new ConcurrentHashMap<>();
        final Map<String, Long> lastReply = new ConcurrentHashMap<>();
        final List<String> failures = new CopyOnWriteArrayList<>();
        final AtomicInteger outstanding = new AtomicInteger();
        volatile boolean stopping;
        ServiceCaller caller;

        void start(ServiceCaller c, int inFlight) {
            caller = c;
            for (int i = 0; i < inFlight; i++) {
                outstanding.incrementAndGet();
                c.submit(new Greet());
            }
        }

        long count(String server) {
            AtomicLong n = perServer.get(server);
            return n == null ? 0 : n.get();
        }

        long first(String server) {
            return firstReply.get(server);
        }

        long last(String server) {
            return lastReply.get(server);
        }

        void stop() {
            stopping = true;
            await("the load's calls are answered").atMost(WAIT).until(() -> outstanding.get() == 0);
        }

        final class Greet extends ClientTask {
            Greet() {
                super("Greeter.greet");
                idempotent(true);
            }

            @Override
            public void encodeMsg(ByteBuf out) {
                out.writeByte(0xa0 | 4).writeBytes("load".getBytes(StandardCharsets.UTF_8)); // msgpack fixstr "load"
            }

            @Override
            public void onReply(ByteBuf msg, ByteBuf blob) {
                int b = msg.readUnsignedByte();
                int len = (b & 0xe0) == 0xa0 ? b & 0x1f : b == 0xd9 ? msg.readUnsignedByte() : -1;
                String text = len < 0
                        ? "?"
                        : msg.readCharSequence(len, StandardCharsets.UTF_8).toString();
                String who = text.contains(",") ? text.substring(0, text.indexOf(',')) : text;
                long now = System.nanoTime();
                perServer.computeIfAbsent(who, k -> new AtomicLong()).incrementAndGet();
                firstReply.putIfAbsent(who, now);
                lastReply.put(who, now);
                ok.incrementAndGet();
                next();
            }

            @Override
            public void onErrno(int errno) {
                failed("errno " + errno);
            }

            @Override
            public void onErrorString(ByteBuf text) {
                failed("error " + text.toString(StandardCharsets.UTF_8));
            }

            @Override
            public void onFailure(RpcException failure) {
                failed(failure.toString());
            }

            private void failed(String why) {
                failed.incrementAndGet();
                if (failures.size() < 20) {
                    failures.add(why);
                }
                next();
            }

            private void next() {
                if (stopping) {
                    outstanding.decrementAndGet();
                } else {
                    caller.submit(new Greet());
                }
            }
        }
    }

    /** Written next to deploy/ first, then moved in: FileInstall never sees half a jar. */
    private static void drop(Path jar, Path target) throws IOException {
        GreeterBundles.drop(jar, target, tmp);
    }

    /** The test's Greeter bundle (as OccamsCommandIT builds it) whose greeting is {@code greeting}. */
    private static Path greeterBundle(String version, String greeting) throws Exception {
        return GreeterBundles.build(tmp, version, greeting);
    }

    private Result occams(String... args) throws Exception {
        return occams.run(args);
    }
}
