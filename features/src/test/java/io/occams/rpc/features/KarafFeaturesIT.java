package io.occams.rpc.features;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.occams.rpc.api.ClientConfig;
import io.occams.rpc.api.MessageException;
import io.occams.rpc.api.RpcAddress;
import io.occams.rpc.api.ServiceContract;
import io.occams.rpc.client.CallOptions;
import io.occams.rpc.client.RpcClient;
import io.occams.rpc.examples.CalService;
import io.occams.rpc.examples.EchoService;
import io.occams.rpc.runtime.netty.NettyRuntime;
import io.occams.rpc.stream.ClientStream;
import io.occams.rpc.testkit.ZooKeeperNodes;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.ZooKeeper;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Our features repository in a real Apache Karaf 4.4.10 on the machine's JDK 17 (Karaf 4.4 does not run on
 * 24+): {@code feature:repo-add} by its Maven coordinates, {@code feature:install occams-rpc occams-rpc-netty
 * occams-rpc-examples}, every bundle Active and our components enabled, the default server of the examples
 * feature listening on the Netty runtime, the examples called from this JVM through our client, then
 * {@code occams-rpc-rsa} (Aries RSA with our provider) installed and the examples' EchoService exported through
 * it by configuration and called, then {@code occams-rpc-rsa-zookeeper} installed and that EchoService's endpoint
 * published by it in a ZooKeeper the test starts on loopback, then {@code shutdown -f} and the process gone. Skipped only when
 * {@code bin/jdk17} finds no JDK 17.
 *
 * <p>The Karaf is the tar.gz the build unpacked into {@code target/karaf-dist}; each run copies it to a fresh
 * {@code target/karaf-instance} (no {@code data/} cache survives a run), enables the {@code karaf} user for the
 * client, moves ssh and the RMI ports to free ones, and points pax-url-mvn at the build's local repository and
 * Central only. Commands go through {@code bin/client -b} (batch mode, commands on stdin).
 */
@Timeout(value = 900, unit = TimeUnit.SECONDS) // a hang guard: about 60 s on a quiet machine, 528 s seen at load 40
class KarafFeaturesIT {
    private static final Pattern ANSI = Pattern.compile("\u001B\\[[;\\d]*m");
    /** A row of {@code bundle:list -s -t 0}: id | state | level | version | symbolic name. */
    private static final Pattern BUNDLE_ROW =
            Pattern.compile("(?m)^\\s*(\\d+)\\s*\\|\\s*(\\w+)\\s*\\|\\s*\\d+\\s*\\|\\s*\\S+\\s*\\|\\s*(\\S+)\\s*$");

    private static final String[] OUR_BUNDLES = {
        "io.occams.rpc.api", "io.occams.rpc.codec", "io.occams.rpc.errors", "io.occams.rpc.stream",
        "io.occams.rpc.client", "io.occams.rpc.pool", "io.occams.rpc.server", "io.occams.rpc.runtime.netty",
        "io.occams.rpc.examples", "io.occams.rpc.karaf.shell"
    };
    private static final String[] THIRD_PARTY = {
        "io.netty.buffer",
        "io.netty.common",
        "io.netty.resolver",
        "io.netty.transport",
        "io.netty.transport-classes-epoll",
        "io.netty.transport-native-unix-common",
        "io.netty.codec-base",
        "io.netty.handler",
        "org.msgpack.msgpack-core",
        "org.apache.felix.scr"
    };
    private static final String[] OUR_COMPONENTS = {
        "io.occams.rpc.codec.internal.osgi.MsgpackCodecComponent",
        "io.occams.rpc.errors.internal.osgi.ErrorCodecWhiteboard",
        "io.occams.rpc.runtime.netty.internal.osgi.NettyRuntimeComponent",
        "io.occams.rpc.server.internal.osgi.ServerComponent",
        "io.occams.rpc.examples.internal.osgi.CalServiceComponent",
        "io.occams.rpc.examples.internal.osgi.EchoServiceComponent"
    };

    @Test
    void featuresInstallInKarafOnJdk17() throws Exception {
        Path jdk17 = jdk17();
        Karaf karaf =
                new Karaf(Path.of(property("occams.karaf.dist")), Path.of(property("occams.karaf.instance")), jdk17);
        long t0 = System.nanoTime();
        // For occams-rpc-rsa-zookeeper: a ZooKeeper on loopback (tick 1 s: sessions of 2-20 s allowed), whose
        // address Karaf's discovery configuration reads from system properties at the feature's install.
        TestingServer zooKeeper = new TestingServer(new InstanceSpec(null, -1, -1, -1, true, -1, 1000, -1), true);
        karaf.zooKeeperPort = zooKeeper.getPort();
        try (zooKeeper) {
            karaf.prepare(Path.of(property("occams.karaf.localRepository")));
            karaf.start();
            await("Karaf's ssh console answering")
                    .atMost(Duration.ofSeconds(180))
                    .pollInterval(Duration.ofMillis(500))
                    .until(karaf::consoleAnswers);
            log("Karaf up (ssh %d) after %d ms", karaf.sshPort, ms(t0));

            String url = property("occams.karaf.features");
            karaf.shellOk("feature:repo-add " + url);
            long t1 = System.nanoTime();
            karaf.shellOk("feature:install occams-rpc occams-rpc-netty occams-rpc-examples occams-rpc-shell");
            log("feature:install took %d ms", ms(t1));

            String features = karaf.shellOk("feature:list -i");
            assertThat(features).contains("occams-rpc ", "occams-rpc-netty ", "occams-rpc-examples ");

            Map<String, String> states = bundleStates(karaf.shellOk("bundle:list -s -t 0"));
            states.forEach((bsn, state) -> {
                if (bsn.startsWith("io.occams") || bsn.startsWith("io.netty") || bsn.startsWith("org.msgpack")) {
                    log("bundle %-45s %s", bsn, state);
                }
            });
            for (String bsn : OUR_BUNDLES) {
                assertThat(states).as("state of " + bsn).containsEntry(bsn, "Active");
            }
            for (String bsn : THIRD_PARTY) {
                assertThat(states).as("state of " + bsn).containsEntry(bsn, "Active");
            }
            // A fragment (the epoll native library) is Resolved, attached to its host.
            assertThat(states).containsEntry("io.netty.transport-native-epoll.linux-x86_64", "Resolved");
            // Java 21 only: not in the features we installed, so it must not be there at all.
            assertThat(states).doesNotContainKey("io.occams.rpc.runtime.vthreads");
            // slf4j comes from Karaf's pax-logging, not from a bundle of ours.
            assertThat(states).doesNotContainKey("slf4j.api");
            assertThat(states.values())
                    .as("no bundle left Installed or failed")
                    .allMatch(s -> s.equals("Active") || s.equals("Resolved"));

            // scr:list prints nothing in batch mode unless piped (it sizes itself to a terminal).
            String components = karaf.shellOk("scr:list | grep -v '^$'");
            log("components:%n%s", components);
            for (String component : OUR_COMPONENTS) {
                assertThat(components)
                        .containsPattern(
                                Pattern.quote(component)
                                        + " in bundle \\d+ \\([^)]*\\) enabled, 1 instance\\.\\s+Id: \\d+, State:(ACTIVE|SATISFIED)");
            }

            // The examples feature's default server: its configuration (port from -Doccams.rpc.port, through the
            // interpolation plugin), listening, on the Netty runtime.
            String config = karaf.shellOk("config:list '(service.factoryPid=io.occams.rpc.server)'");
            assertThat(config).contains("port = " + karaf.rpcPort);
            long t2 = System.nanoTime();
            await("the examples' server listening on " + karaf.rpcPort)
                    .atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> listening(karaf.rpcPort));
            log("server listening on %d, %d ms after the install returned", karaf.rpcPort, ms(t2));
            String servers = karaf.shellOk("service:list io.occams.rpc.server.RpcServer");
            log("RpcServer service:%n%s", servers);
            assertThat(servers).containsPattern("occams\\.runtime = netty");

            callTheExamples(karaf.rpcPort);
            shellCommands(karaf);

            // ZooKeeper discovery: the bundle (Curator and the ZooKeeper client inside) resolves and starts on
            // Karaf's JDK 17; with no connection configured it connects nowhere.
            long t3 = System.nanoTime();
            karaf.shellOk("feature:install occams-rpc-discovery-zookeeper");
            log("feature:install occams-rpc-discovery-zookeeper took %d ms", ms(t3));
            assertThat(bundleStates(karaf.shellOk("bundle:list -s -t 0")))
                    .containsEntry("io.occams.rpc.discovery.zookeeper", "Active")
                    .containsEntry("io.netty.handler", "Active");

            remoteServices(karaf);
            zooKeeperDiscovery(karaf, zooKeeper.getConnectString());

            karaf.shell("shutdown -f");
            assertThat(karaf.process.waitFor(60, TimeUnit.SECONDS))
                    .as("Karaf exits after shutdown -f")
                    .isTrue();
            log("Karaf stopped; whole run %d ms", ms(t0));
        } finally {
            karaf.kill();
        }
        assertThat(karaf.process.isAlive()).isFalse();
        assertThat(listening(karaf.sshPort))
                .as("nothing listens on the ssh port any more")
                .isFalse();
    }

    /**
     * The occams-rpc-shell feature's commands, after {@link #callTheExamples} made four CalService calls (one
     * failing): the server, the services with their counters, and calls from the shell.
     */
    private static void shellCommands(Karaf karaf) throws Exception {
        String servers = karaf.shellOk("occams:servers");
        log("occams:servers%n%s", servers);
        assertThat(servers)
                .containsPattern("(?m)^NAME\\s+RUNTIME\\s+ADDRESSES\\s+CONNECTIONS\\s+IN-FLIGHT")
                .containsPattern(
                        "(?m)^\\S+\\s+netty\\s+\\S*127\\.0\\.0\\.1:" + karaf.rpcPort + "\\S*\\s+\\d+\\s+\\d+\\s*$");

        assertThat(karaf.shellOk("occams:call CalService.add 10 20").strip()).isEqualTo("30");
        assertThat(karaf.shellOk("occams:call EchoService.repeat Karaf").strip())
                .isEqualTo("Karaf");
        assertThat(karaf.shellOk("occams:call CalService.div 1 0")).contains("error:", "divide by zero");
        assertThat(karaf.shellOk("occams:call CalService.add ten 20"))
                .contains("error: argument 1 of CalService.add: expected long, got \"ten\"");

        String services = karaf.shellOk("occams:services");
        log("occams:services%n%s", services);
        assertThat(services)
                .containsPattern(
                        "(?m)^SERVER\\s+SERVICE\\s+PROVIDER\\s+VERSION\\s+PROVIDERS\\s+CALLS\\s+ERRORS\\s+IN-FLIGHT");
        // CalService: add, inc, div, div (fails) from this JVM; add, div (fails) from the shell.
        assertThat(services)
                .containsPattern(
                        "(?m)^\\S+\\s+CalService\\s+io\\.occams\\.rpc\\.examples\\s+\\S+\\s+1\\s+6\\s+2\\s+\\d+\\s*$");
        assertThat(services)
                .containsPattern(
                        "(?m)^\\S+\\s+EchoService\\s+io\\.occams\\.rpc\\.examples\\s+\\S+\\s+1\\s+2\\s+0\\s+\\d+\\s*$");
    }

    /**
     * The occams-rpc-rsa feature: Aries RSA and the occams distribution provider start on Karaf's JDK 17; the
     * examples' EchoService (a DS component), given the standard {@code service.exported.*} properties through
     * its configuration, is exported by the topology manager over {@code occams.tcp} on a port of its own, and
     * answers there, called from this JVM under its wire name (scope {@code occams.tcp.name}, then the interface).
     */
    private static void remoteServices(Karaf karaf) throws Exception {
        long t0 = System.nanoTime();
        karaf.shellOk("feature:install occams-rpc-rsa");
        log("feature:install occams-rpc-rsa took %d ms", ms(t0));
        Map<String, String> states = bundleStates(karaf.shellOk("bundle:list -s -t 0"));
        for (String bsn : new String[] {
            "io.occams.rpc.rsa",
            "org.apache.aries.rsa.spi",
            "org.apache.aries.rsa.core",
            "org.apache.aries.rsa.topology-manager",
            "org.apache.aries.rsa.discovery.local"
        }) {
            assertThat(states).as("state of " + bsn).containsEntry(bsn, "Active");
        }
        String components = karaf.shellOk("scr:list | grep -v '^$'");
        assertThat(components)
                .containsPattern(Pattern.quote("io.occams.rpc.rsa.internal.osgi.OccamsDistributionProvider")
                        + " in bundle \\d+ \\([^)]*\\) enabled, 1 instance\\.\\s+Id: \\d+, State:(ACTIVE|SATISFIED)");

        int port = freePort();
        karaf.shellOk(String.join(
                "\n",
                "config:edit io.occams.rpc.examples.internal.osgi.EchoServiceComponent",
                "config:property-set service.exported.interfaces \"*\"",
                "config:property-set service.exported.configs occams.tcp",
                "config:property-set occams.tcp.host 127.0.0.1",
                "config:property-set occams.tcp.port " + port,
                "config:property-set occams.tcp.name karaf",
                "config:update"));
        long t1 = System.nanoTime();
        await("the exported EchoService listening on " + port)
                .atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> listening(port));
        log("EchoService exported through RSA on %d, %d ms after its configuration", port, ms(t1));
        withStream(port, stream -> {
            EchoService echo = (EchoService) RpcClient.create()
                    .proxy(
                            ServiceContract.of(
                                    EchoService.class,
                                    "karaf_" + EchoService.class.getName().replace('.', '_')),
                            stream,
                            CallOptions.none());
            assertThat(echo.repeat("remote services")).isEqualTo("remote services");
        });
    }

    /**
     * The occams-rpc-rsa-zookeeper feature, after {@link #remoteServices} exported EchoService: Aries' ZooKeeper
     * discovery and the wrapped ZooKeeper 3.9.5 client start on Karaf's JDK 17, connect to the test's ZooKeeper
     * (its address from the system properties the feature's configuration reads) and publish the exported
     * EchoService's endpoint there.
     */
    private static void zooKeeperDiscovery(Karaf karaf, String connectString) throws Exception {
        long t0 = System.nanoTime();
        karaf.shellOk("feature:install occams-rpc-rsa-zookeeper");
        log("feature:install occams-rpc-rsa-zookeeper took %d ms", ms(t0));
        // Karaf says "Waiting" while the discovery's components wait for their ZooKeeper session: poll.
        await("the ZooKeeper discovery's bundles Active")
                .atMost(Duration.ofSeconds(120))
                .pollInterval(Duration.ofSeconds(1))
                .untilAsserted(() -> {
                    Map<String, String> states = bundleStates(karaf.shellOk("bundle:list -s -t 0"));
                    for (String bsn :
                            new String[] {"org.apache.zookeeper", "org.apache.aries.rsa.discovery.zookeeper"}) {
                        assertThat(states).as("state of " + bsn).containsEntry(bsn, "Active");
                    }
                    assertThat(states)
                            .as("the jute fragment, attached")
                            .containsEntry("org.apache.zookeeper.jute", "Resolved");
                    assertThat(states.values())
                            .as("no bundle left Installed or failed")
                            .allMatch(s -> s.equals("Active") || s.equals("Resolved"));
                });
        log("occams-rpc-rsa-zookeeper's bundles Active %d ms after feature:install began", ms(t0));

        ZooKeeper zk = ZooKeeperNodes.connect(connectString, Duration.ofSeconds(60));
        try {
            long t1 = System.nanoTime();
            await("EchoService's endpoint published in ZooKeeper by Karaf's discovery")
                    .atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() ->
                            ZooKeeperNodes.nodeWith(zk, "/osgi/service_registry", EchoService.class.getName()) != null);
            log(
                    "EchoService's endpoint in ZooKeeper at %s, %d ms after the test's client connected",
                    ZooKeeperNodes.nodeWith(zk, "/osgi/service_registry", EchoService.class.getName()), ms(t1));
        } finally {
            zk.close();
        }
    }

    /** CalService and EchoService from this JVM, through our client on the Netty runtime. */
    private static void callTheExamples(int port) throws Exception {
        withStream(port, stream -> {
            RpcClient client = RpcClient.create();
            CalService cal = client.proxy(CalService.class, stream);
            EchoService echo = client.proxy(EchoService.class, stream);
            long sum = cal.add(10, 20);
            log("CalService.add(10, 20) = %d", sum);
            assertThat(sum).isEqualTo(30L);
            assertThat(cal.inc(41)).isEqualTo(42L);
            assertThat(cal.div(10, 2)).isEqualTo(5L);
            assertThatThrownBy(() -> cal.div(10, 0))
                    .satisfies(e -> log("CalService.div(10, 0) threw %s", e))
                    .isExactlyInstanceOf(MessageException.class)
                    .hasMessage("divide by zero");
            assertThat(echo.repeat("Hello, Karaf!")).isEqualTo("Hello, Karaf!");
        });
    }

    /** What a test does with a stream into Karaf. */
    private interface StreamUse {
        void accept(ClientStream stream) throws Exception;
    }

    /**
     * A stream to 127.0.0.1:{@code port} through our client on the Netty runtime, handed to {@code use}; then the
     * stream is closed (waiting for it) and the runtime too.
     */
    private static void withStream(int port, StreamUse use) throws Exception {
        NettyRuntime runtime = new NettyRuntime();
        try {
            ClientStream stream = ClientStream.connect(
                            runtime, RpcAddress.tcp("127.0.0.1", port), ClientConfig.defaults())
                    .get(10, TimeUnit.SECONDS);
            try {
                use.accept(stream);
            } finally {
                stream.close();
                stream.closeFuture().get(10, TimeUnit.SECONDS);
            }
        } finally {
            runtime.close();
        }
    }

    /** The JDK 17 home printed by bin/jdk17; the test is skipped (only) when that script finds none. */
    private static Path jdk17() throws IOException, InterruptedException {
        Path script = Path.of(property("occams.karaf.jdk17"));
        assertThat(script).as("bin/jdk17").isRegularFile();
        Process p =
                new ProcessBuilder(script.toString()).redirectErrorStream(false).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        if (p.exitValue() != 0 || out.isEmpty()) {
            String why = "SKIPPED: Apache Karaf 4.4 needs a JDK 17 and none was found (" + err + ")";
            log("%s", why);
            Assumptions.abort(why);
        }
        return Path.of(out);
    }

    static Map<String, String> bundleStates(String bundleList) {
        Map<String, String> states = new LinkedHashMap<>();
        Matcher m = BUNDLE_ROW.matcher(bundleList);
        while (m.find()) {
            states.put(m.group(3), m.group(2));
        }
        return states;
    }

    private static boolean listening(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static String property(String name) {
        String value = System.getProperty(name);
        assertThat(value)
                .as("system property " + name + " (set by the failsafe configuration)")
                .isNotBlank();
        return value;
    }

    private static long ms(long since) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - since);
    }

    static void log(String format, Object... args) {
        System.out.printf("[karaf-it] " + format + "%n", args);
    }

    /** One Karaf instance: its files, its process, its console. */
    static final class Karaf {
        final Path dist;
        final Path home;
        final Path javaHome;
        final int sshPort = freePort();
        final int rmiRegistryPort = freePort();
        final int rmiServerPort = freePort();
        final int rpcPort = freePort();
        /** The port of the test's ZooKeeper on loopback, for the occams-rpc-rsa-zookeeper feature's configuration. */
        int zooKeeperPort;

        Process process;

        Karaf(Path dist, Path home, Path javaHome) {
            this.dist = dist;
            this.home = home;
            this.javaHome = javaHome;
        }

        /** A fresh copy of the distribution, configured for headless use on free ports. */
        void prepare(Path localRepository) throws IOException {
            assertThat(dist.resolve("bin/karaf"))
                    .as("the unpacked Karaf distribution")
                    .isExecutable();
            deleteTree(home);
            copyTree(dist, home);
            edit(
                    "etc/users.properties",
                    s -> s.replace("#karaf = karaf,_g_:admingroup", "karaf = karaf,_g_:admingroup")
                            .replace("#_g_\\:admingroup = ", "_g_\\:admingroup = "));
            edit(
                    "etc/org.apache.karaf.shell.cfg",
                    s -> s.replace("sshPort = 8101", "sshPort = " + sshPort)
                            .replace("sshHost = 0.0.0.0", "sshHost = 127.0.0.1"));
            edit(
                    "etc/org.apache.karaf.management.cfg",
                    s -> s.replace("rmiRegistryPort = 1099", "rmiRegistryPort = " + rmiRegistryPort)
                            .replace("rmiServerPort = 44444", "rmiServerPort = " + rmiServerPort));
            // Only Central (the Apache and Sonatype snapshot repositories cannot be reached from here), and the
            // local repository the build uses, where our bundles and the features XML were installed.
            edit(
                    "etc/org.ops4j.pax.url.mvn.cfg",
                    s -> replaceProperty(
                                    s,
                                    "org.ops4j.pax.url.mvn.repositories",
                                    "https://repo1.maven.org/maven2@id=central")
                            + "\norg.ops4j.pax.url.mvn.localRepository = " + localRepository.toAbsolutePath() + "\n");
            String mvnCfg = Files.readString(home.resolve("etc/org.ops4j.pax.url.mvn.cfg"));
            assertThat(mvnCfg.lines().filter(l -> !l.startsWith("#")))
                    .noneMatch(l -> l.contains("oss.sonatype.org") || l.contains("repository.apache.org"));
        }

        void start() throws IOException {
            ProcessBuilder pb = new ProcessBuilder(home.resolve("bin/karaf").toString(), "server")
                    .directory(home.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(home.resolve("console.log").toFile());
            environment(pb);
            // The examples feature's server port ($[prop:occams.rpc.port] in its configuration).
            // occams-rpc-rsa-zookeeper's ($[prop:occams.rsa.zookeeper.host] and .port): the test's ZooKeeper;
            // a 15 s session (Aries' default is 3 s), which a loaded machine's pauses do not expire.
            pb.environment()
                    .put(
                            "EXTRA_JAVA_OPTS",
                            "-Doccams.rpc.port=" + rpcPort + " -Doccams.rsa.zookeeper.host=127.0.0.1"
                                    + " -Doccams.rsa.zookeeper.port=" + zooKeeperPort
                                    + " -Doccams.rsa.zookeeper.timeout=15000");
            process = pb.start();
            log("started Karaf (pid %d) on %s", process.pid(), javaHome);
        }

        /** True once a client session runs a command; fails at once if Karaf died. */
        boolean consoleAnswers() throws IOException, InterruptedException {
            if (!process.isAlive()) {
                throw new AssertionError("Karaf exited (" + process.exitValue() + "):\n" + tail("console.log"));
            }
            Result r = shell("feature:list -i | grep -c Started");
            return r.rc == 0 && !r.out.contains("Error");
        }

        String shellOk(String commands) throws IOException, InterruptedException {
            Result r = shell(commands);
            assertThat(r.rc)
                    .as("exit status of '%s', output:%n%s%nkaraf.log:%n%s", commands, r.out, tail("data/log/karaf.log"))
                    .isZero();
            assertThat(r.out).as("output of '%s'", commands).doesNotContain("Error executing command");
            return r.out;
        }

        /** Runs the commands (one a line) in one client session, in batch mode. */
        Result shell(String commands) throws IOException, InterruptedException {
            Path out = Files.createTempFile(home, "client-", ".out");
            ProcessBuilder pb = new ProcessBuilder(
                            home.resolve("bin/client").toString(),
                            "-u",
                            "karaf",
                            "-p",
                            "karaf",
                            "-h",
                            "127.0.0.1",
                            "-a",
                            Integer.toString(sshPort),
                            "-b")
                    .directory(home.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(out.toFile());
            environment(pb);
            Process client = pb.start();
            try (var stdin = client.getOutputStream()) {
                stdin.write((commands + "\n").getBytes(StandardCharsets.UTF_8));
            }
            try {
                if (!client.waitFor(60, TimeUnit.SECONDS)) {
                    throw new AssertionError("bin/client did not finish '" + commands + "' within 60 s");
                }
            } finally {
                destroyTree(client);
            }
            String text = ANSI.matcher(Files.readString(out)).replaceAll("");
            Files.delete(out);
            return new Result(client.exitValue(), text);
        }

        private void environment(ProcessBuilder pb) {
            Map<String, String> env = pb.environment();
            env.keySet().removeIf(k -> k.startsWith("KARAF_") || k.equals("EXTRA_JAVA_OPTS") || k.equals("JAVA_OPTS"));
            env.put("JAVA_HOME", javaHome.toString());
            env.put("PATH", javaHome.resolve("bin") + ":" + env.getOrDefault("PATH", "/usr/bin:/bin"));
            env.put("JAVA_MIN_MEM", "128M");
            env.put("JAVA_MAX_MEM", "512M");
        }

        /** Always: the Karaf process and everything it started are gone when this returns. */
        void kill() throws InterruptedException {
            if (process == null) {
                return;
            }
            destroyTree(process);
            if (process.isAlive()) {
                log("Karaf still alive after kill; console:%n%s", tail("console.log"));
            }
        }

        private String tail(String file) {
            try {
                String s = Files.readString(home.resolve(file));
                return s.length() > 6000 ? s.substring(s.length() - 6000) : s;
            } catch (IOException e) {
                return "(" + file + ": " + e + ")";
            }
        }

        private void edit(String file, java.util.function.UnaryOperator<String> change) throws IOException {
            Path p = home.resolve(file);
            String before = Files.readString(p);
            String after = change.apply(before);
            assertThat(after).as("edit of " + file).isNotEqualTo(before);
            Files.writeString(p, after);
        }
    }

    record Result(int rc, String out) {}

    /** Kills the process and all its descendants (listed first: once it is dead, they are reparented). */
    static void destroyTree(Process p) throws InterruptedException {
        var all = new java.util.ArrayList<>(p.descendants().toList());
        all.add(p.toHandle());
        all.forEach(ProcessHandle::destroyForcibly);
        for (ProcessHandle h : all) {
            h.onExit().completeOnTimeout(h, 20, TimeUnit.SECONDS).join();
        }
        p.waitFor(20, TimeUnit.SECONDS);
    }

    /** Replaces a property of a .cfg file, continuation lines (ending in a backslash) included. */
    static String replaceProperty(String cfg, String key, String value) {
        StringBuilder out = new StringBuilder();
        boolean inValue = false;
        boolean replaced = false;
        for (String line : cfg.split("\n", -1)) {
            if (inValue) {
                inValue = line.endsWith("\\");
                continue;
            }
            if (line.matches("\\s*" + Pattern.quote(key) + "\\s*[=:].*")) {
                out.append(key).append(" = ").append(value).append('\n');
                inValue = line.endsWith("\\");
                replaced = true;
                continue;
            }
            out.append(line).append('\n');
        }
        assertThat(replaced).as(key + " in the .cfg").isTrue();
        return out.toString();
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static void copyTree(Path from, Path to) throws IOException {
        try (var paths = Files.walk(from)) {
            for (Path p : (Iterable<Path>) paths::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (var paths = Files.walk(root)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
