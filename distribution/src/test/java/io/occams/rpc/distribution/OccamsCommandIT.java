package io.occams.rpc.distribution;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.occams.rpc.api.ClientConfig;
import io.occams.rpc.api.RpcAddress;
import io.occams.rpc.api.RpcCode;
import io.occams.rpc.api.RpcException;
import io.occams.rpc.api.spi.Codec;
import io.occams.rpc.codec.MsgpackCodec;
import io.occams.rpc.distribution.Occams.Result;
import io.occams.rpc.runtime.netty.NettyRuntime;
import io.occams.rpc.stream.ClientStream;
import io.occams.rpc.stream.Reply;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The Done-when, black box: the assembled distribution's {@code bin/occams} as a user runs it.
 * One {@code occams serve} (on a port the OS picks, read back from its "listening on" line, with its
 * own deploy folder) for the whole class; every other command is a separate process against it. The
 * tests run in order and the last one stops the server with SIGTERM. Every wait is bounded.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OccamsCommandIT {
    private static final Duration START = Duration.ofSeconds(90);
    private static final Duration COMMAND = Occams.COMMAND;
    private static final Pattern FIXTURE = Pattern.compile("^occams-rpc stream fixture listening on (\\S+:\\d+)");

    @TempDir
    static Path tmp;

    private Occams occams;
    private Path deploy;
    private Occams.Serve server;
    private String address;

    @BeforeAll
    void startServer() throws IOException {
        occams = new Occams(tmp);
        deploy = Files.createDirectories(tmp.resolve("deploy"));
        server = occams.serve("serve", "--port", "0", "--deploy", deploy.toString(), "--stream-fixture", "0");
        address = server.awaitListening(START);
        server.awaitLine(FIXTURE, START);
    }

    @AfterAll
    void killServerIfStillThere() throws InterruptedException {
        if (server != null) {
            server.close();
        }
    }

    @Test
    @Order(1)
    void callPrintsTheSumOfTwoNumbers() throws Exception {
        Result r = occams("call", "--address", address, "CalService.add", "10", "20");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out().strip()).isEqualTo("30");
    }

    @Test
    @Order(2)
    void callPrintsTheUserErrorOfADivisionByZeroAndExitsNonZero() throws Exception {
        Result r = occams("call", "--address", address, "CalService.div", "10", "0");
        assertThat(r.exit()).as(r.toString()).isNotZero();
        assertThat(r.err()).as(r.toString()).startsWith("remote error:").doesNotContain("rpc_");
        assertThat(r.out()).isEmpty();
    }

    @Test
    @Order(2)
    void listShowsTheServedServicesWithTheirProviderBundles() throws Exception {
        Result r = occams("list", "--address", address);
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out())
                .as(r.toString())
                .contains("CalService", "OccamsReflection", "OccamsHealth", "io.occams.rpc.examples");
        Result json = occams("list", "--address", address, "--json");
        assertThat(json.exit()).as(json.toString()).isZero();
        JsonNode list = new ObjectMapper().readTree(json.out());
        assertThat(list.isArray()).as(json.toString()).isTrue();
        assertThat(list.findValuesAsText("name")).contains("CalService");
    }

    @Test
    @Order(2)
    void describeShowsAMethodWithItsParameterNamesAndTypes() throws Exception {
        Result r = occams("describe", "--address", address, "CalService.add");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out().strip()).isEqualTo("CalService.add(long a, long b) -> long");
        Result all = occams("describe", "--address", address, "CalService", "--json");
        assertThat(all.exit()).as(all.toString()).isZero();
        assertThat(new ObjectMapper().readTree(all.out()).get("methods").size()).isEqualTo(3);
        Result typo = occams("describe", "--address", address, "CalService.ad");
        assertThat(typo.exit()).as(typo.toString()).isEqualTo(1);
        assertThat(typo.err()).contains("did you mean \"add\"");
    }

    @Test
    @Order(2)
    void healthSaysServingForTheServerAndItsServices() throws Exception {
        Result r = occams("health", "--address", address);
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out().strip()).isEqualTo("SERVING");
        assertThat(occams("health", "--address", address, "CalService").out().strip())
                .isEqualTo("SERVING");
        Result unknown = occams("health", "--address", address, "NoSuchService");
        assertThat(unknown.exit()).as(unknown.toString()).isEqualTo(1);
        assertThat(unknown.out().strip()).isEqualTo("SERVICE_UNKNOWN");
    }

    @Test
    @Order(2)
    void statusShowsTheListenerAndTheCallsAndErrorsOfEachService() throws Exception {
        // Calls of our own first: the counters only grow while the server runs (other tests call too).
        assertThat(occams("call", "--address", address, "CalService.add", "1", "2")
                        .exit())
                .isZero();
        assertThat(occams("call", "--address", address, "CalService.div", "1", "0")
                        .exit())
                .isEqualTo(1);
        Result r = occams("status", "--address", address);
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).as(r.toString()).startsWith("SERVING").contains("netty", address, "CalService");
        Result json = occams("status", "--address", address, "--json");
        assertThat(json.exit()).as(json.toString()).isZero();
        JsonNode status = new ObjectMapper().readTree(json.out());
        assertThat(status.path("listeners").get(0).path("addresses").get(0).asText())
                .isEqualTo(address);
        JsonNode cal = null;
        for (JsonNode s : status.path("services")) {
            if (s.path("name").asText().equals("CalService")) {
                cal = s;
            }
        }
        assertThat(cal).as(json.toString()).isNotNull();
        assertThat(cal.path("calls").asLong()).as(json.toString()).isGreaterThanOrEqualTo(2);
        assertThat(cal.path("errors").asLong()).as(json.toString()).isGreaterThanOrEqualTo(1);
        assertThat(cal.path("provider").asText()).isEqualTo("io.occams.rpc.examples");
    }

    @Test
    @Order(2)
    void callWithAWrongArgumentIsToldLocallyInTheMethodsTerms() throws Exception {
        Result r = occams("call", "--address", address, "CalService.add", "\"ten\"", "20");
        assertThat(r.exit()).as(r.toString()).isNotZero();
        assertThat(r.err())
                .as(r.toString())
                .contains("CalService.add expects (long a, long b), got")
                .doesNotContain("rpc_");
        Result count = occams("call", "--address", address, "CalService.add", "10");
        assertThat(count.err())
                .as(count.toString())
                .contains("CalService.add expects (long a, long b), got 1 argument");
        Result named = occams("call", "--address", address, "CalService.add", "{\"a\":10,\"b\":20}");
        assertThat(named.exit()).as(named.toString()).isZero();
        assertThat(named.out().strip()).isEqualTo("30");
        Result typo = occams("call", "--address", address, "CalService.add", "{\"a\":10,\"bb\":20}");
        assertThat(typo.err()).as(typo.toString()).contains("no parameter \"bb\"; did you mean \"b\"?");
    }

    @Test
    @Order(3)
    void aThreeSecondBenchHasNoErrors() throws Exception {
        Path json = tmp.resolve("bench.json");
        Result r = occams(
                "bench",
                "--address",
                address,
                "--duration",
                "3",
                "--warmup",
                "1",
                "--connections",
                "2",
                "--inflight",
                "32",
                "--json",
                json.toString());
        assertThat(r.exit()).as(r.toString()).isZero();
        JsonNode summary = new ObjectMapper().readTree(json.toFile());
        assertThat(summary.get("errors").size()).as(summary.toString()).isZero();
        assertThat(summary.get("calls").asLong()).as(summary.toString()).isPositive();
        assertThat(r.out()).contains("errors: none");
    }

    @Test
    @Order(4)
    void aServiceBundleDroppedIntoDeployIsServedReplacedAndRemoved() throws Exception {
        Path bundle = deploy.resolve("greeter.jar");
        drop(greeterBundle("1.0.0", "hello"), bundle);
        awaitGreeting("\"hello, osgi\"");

        drop(greeterBundle("1.0.1", "hej"), bundle); // the same file replaced: FileInstall updates the bundle
        awaitGreeting("\"hej, osgi\"");
        assertThat(server.printed("deploy: updated io.occams.rpc.test.greeter")).isTrue();

        Files.delete(bundle);
        await("Greeter is gone once its bundle is removed")
                .atMost(COMMAND)
                .pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> {
                    Result r = occams("call", "--address", address, "--timeout", "10", "Greeter.greet", "osgi");
                    assertThat(r.exit()).as(r.toString()).isNotZero();
                    assertThat(r.err()).contains("rpc_service_notfound");
                });
    }

    @Test
    @Order(4)
    void theServiceTemplatesBundleDroppedIntoDeployIsCalled() throws Exception {
        Path template = Path.of(System.getProperty(
                "occams.template.jar", "../examples/service-template/target/hello-service-1.0.0.jar"));
        assertThat(template)
                .as("examples/service-template built before the distribution")
                .isRegularFile();
        drop(template, deploy.resolve("hello-service.jar"));
        await("HelloService.hello answers")
                .atMost(COMMAND)
                .pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> {
                    Result r =
                            occams("call", "--address", address, "--timeout", "10", "HelloService.hello", "template");
                    assertThat(r.out().strip()).as(r.toString()).isEqualTo("\"hello, template\"");
                    assertThat(r.exit()).isZero();
                });
        Result error = occams("call", "--address", address, "HelloService.length", "\"\"");
        assertThat(error.exit()).as(error.toString()).isEqualTo(1);
        assertThat(error.err().strip()).isEqualTo("remote error: empty text");
    }

    /**
     * The bad-input table: each row is what a user typed, the exit code it must give and a phrase its one
     * line of stderr must hold. Nothing is sent for a usage error (64); {@code {address}} is the running
     * server, {@code {tmp}} a scratch folder, {@code {file}} a plain file (so {@code {file}/x} has no folder).
     */
    static List<Arguments> badInputs() {
        return List.of(
                row(64, "the port must be 1-65535", "call", "--address", "127.0.0.1:99999", "CalService.add", "1", "2"),
                row(64, "neither HOST:PORT", "call", "--address", "localhost", "CalService.add", "1", "2"),
                row(
                        64,
                        "does not fit in 64 bits",
                        "call",
                        "--address",
                        "{address}",
                        "CalService.add",
                        "99999999999999999999999",
                        "1"),
                row(
                        64,
                        "'Main Street' follows 123",
                        "call",
                        "--address",
                        "{address}",
                        "EchoService.repeat",
                        "123 Main Street"),
                row(64, "'story' follows true", "call", "--address", "{address}", "EchoService.repeat", "true story"),
                row(64, "Leading zeroes", "call", "--address", "{address}", "EchoService.repeat", "007"),
                row(64, "is not valid JSON", "call", "--address", "{address}", "EchoService.repeat", "{\"a\":"),
                row(64, "must be Service.method", "call", "--address", "{address}", "add"),
                row(64, "Unknown option: '--frobnicate'", "call", "--frobnicate", "CalService.add"),
                row(64, "'--count': '99999999999' is not an int", "ping", "--count", "99999999999"),
                row(64, "--count must be 1 or more", "ping", "--address", "{address}", "--count", "0"),
                row(64, "--payload must be 0 to", "bench", "--address", "{address}", "--payload", "-5"),
                row(64, "--timeout must be more than 0", "bench", "--address", "{address}", "--timeout", "0"),
                row(64, "does not exist", "bench", "--address", "{address}", "--plot", "{file}/bench.png"),
                row(64, "is a folder", "bench", "--address", "{address}", "--json", "{tmp}"),
                row(
                        64,
                        "--unix {tmp}/missing/s.sock: the folder",
                        "serve",
                        "--port",
                        "0",
                        "--unix",
                        "{tmp}/missing/s.sock"),
                row(69, "already in use", "serve", "--port", "{port}"),
                row(2, "rpc_unreachable", "call", "--address", "127.0.0.1:1", "CalService.add", "1", "2"),
                row(2, "rpc_service_notfound", "call", "--address", "{address}", "Nope.nothing"),
                row(1, "remote error: divide by zero", "call", "--address", "{address}", "CalService.div", "10", "0"),
                row(
                        2,
                        "every call failed",
                        "bench",
                        "--address",
                        "{address}",
                        "--method",
                        "Nope.x",
                        "--duration",
                        "3",
                        "--warmup",
                        "0",
                        "--connections",
                        "1",
                        "--inflight",
                        "8"),
                row(
                        1,
                        "the most frequent error: error \"divide by zero\"",
                        "bench",
                        "--address",
                        "{address}",
                        "--method",
                        "CalService.div",
                        "--arg",
                        "10",
                        "--arg",
                        "0",
                        "--duration",
                        "3",
                        "--warmup",
                        "0",
                        "--connections",
                        "1",
                        "--inflight",
                        "8"));
    }

    private static Arguments row(int exit, String message, String... args) {
        return Arguments.of(String.join(" ", args), exit, message, args);
    }

    @ParameterizedTest(name = "occams {0} -> exit {1}")
    @MethodSource("badInputs")
    @Order(4)
    void aUserMistakeIsOneClearLineAndItsExitCode(String line, int exit, String message, String[] args)
            throws Exception {
        Path file = tmp.resolve("plain-file");
        if (!Files.exists(file)) {
            Files.writeString(file, "not a folder");
        }
        String[] a = args.clone();
        for (int i = 0; i < a.length; i++) {
            a[i] = a[i].replace("{address}", address)
                    .replace("{port}", address.substring(address.lastIndexOf(':') + 1))
                    .replace("{tmp}", tmp.toString())
                    .replace("{file}", file.toString());
        }
        Result r = occams(a);
        assertThat(r.exit()).as(r.toString()).isEqualTo(exit);
        assertThat(r.err().strip()).as(r.toString()).contains(message.replace("{tmp}", tmp.toString()));
        assertThat(r.err().strip().lines()).as("one line, no stack trace: " + r).hasSize(1);
        assertThat(r.err()).as(r.toString()).doesNotContain("Exception").doesNotContain("\tat ");
        if (exit == 64) {
            assertThat(r.out()).as("nothing else happened: " + r).isEmpty();
        }
    }

    @Test
    @Order(4)
    void theVersionIsPrintedAtTheTopAndByEveryCommand() throws Exception {
        for (String[] args : List.of(new String[] {"--version"}, new String[] {"bench", "-V"})) {
            Result r = occams(args);
            assertThat(r.exit()).as(r.toString()).isZero();
            assertThat(r.out()).as(r.toString()).startsWith("occams-rpc ");
        }
        Result help = occams("help");
        assertThat(help.out())
                .as("help lists the exit codes")
                .contains("Exit codes:")
                .contains("64  a usage error");
    }

    @Test
    @Order(4)
    void anOccamsJavaHomeThatIsNotAJdk21IsRefusedNotReplaced() throws Exception {
        Path jdk17 = Path.of("/usr/lib/jvm/java-17-openjdk-amd64");
        Assumptions.assumeTrue(Files.isExecutable(jdk17.resolve("bin/javac")), "a JDK 17 at " + jdk17);
        Result r = occams.run(
                Map.of("OCCAMS_JAVA_HOME", jdk17.toString()),
                List.of("call", "--address", address, "CalService.add", "1", "2"));
        assertThat(r.exit()).as(r.toString()).isEqualTo(64);
        assertThat(r.err().strip()).as(r.toString()).contains("is a JDK 17").hasLineCount(1);
        assertThat(r.out()).isEmpty();
    }

    @Test
    @Order(5)
    void sigtermStopsTheServerCleanly() throws Exception {
        // SIGTERM through the handle: Process.destroy() would also close our end of its output.
        assertThat(server.process.toHandle().destroy()).as("SIGTERM sent").isTrue();
        assertThat(server.process.waitFor(COMMAND.toSeconds(), TimeUnit.SECONDS))
                .as("exited within %s", COMMAND)
                .isTrue();
        await("the output is read to its end")
                .atMost(Duration.ofSeconds(10))
                .until(() -> server.printed("occams-rpc stopped"));
        assertThat(server.process.exitValue())
                .as(String.join("\n", server.output))
                .isZero();
        assertThat(server.output).anyMatch(l -> l.equals("occams-rpc stopped (SIGTERM)"));
    }

    record FileOpenReq(String path) {}

    record FileIOReq(long inode, long offset, long len) {}

    record FileIOResp(long ret_size) {}

    /** Spec §10 S1 against {@code serve --stream-fixture}: Open, Write a 1024-byte blob, Read it back; S4's unknown action. */
    @Test
    @Order(4)
    void theStreamFixtureStoresAWrittenBlobAndReadsItBack() throws Exception {
        RpcAddress fixture = RpcAddress.parse(server.line(FIXTURE));
        Codec codec = new MsgpackCodec();
        byte[] blob = new byte[1024];
        new java.util.Random(14).nextBytes(blob);
        try (NettyRuntime rt = new NettyRuntime()) {
            ClientStream c = ClientStream.connect(
                            rt, fixture, ClientConfig.builder().build())
                    .get(30, TimeUnit.SECONDS);
            try {
                try (Reply open = c.call(1, encode(codec, FileOpenReq.class, new FileOpenReq("/tmp/test_file")), null)
                        .get(30, TimeUnit.SECONDS)) {
                    assertThat(open.msg().isReadable())
                            .as("Open answers an empty message")
                            .isFalse();
                }
                try (Reply w = c.call(
                                3,
                                encode(codec, FileIOReq.class, new FileIOReq(1, 0, blob.length)),
                                Unpooled.wrappedBuffer(blob))
                        .get(30, TimeUnit.SECONDS)) {
                    assertThat(codec.<FileIOResp>binding(FileIOResp.class)
                                    .decode(w.msg())
                                    .ret_size())
                            .isEqualTo(blob.length);
                }
                try (Reply r = c.call(2, encode(codec, FileIOReq.class, new FileIOReq(1, 0, blob.length)), null)
                        .get(30, TimeUnit.SECONDS)) {
                    assertThat(codec.<FileIOResp>binding(FileIOResp.class)
                                    .decode(r.msg())
                                    .ret_size())
                            .isEqualTo(blob.length);
                    assertThat(ByteBufUtil.getBytes(r.blob()))
                            .as("the blob written")
                            .isEqualTo(blob);
                }
                assertThat(c.call(9, Unpooled.EMPTY_BUFFER, null))
                        .failsWithin(Duration.ofSeconds(30))
                        .withThrowableOfType(java.util.concurrent.ExecutionException.class)
                        .satisfies(e ->
                                assertThat(((RpcException) e.getCause()).code()).isEqualTo(RpcCode.DECODE));
            } finally {
                c.close();
            }
        }
    }

    private static <T> ByteBuf encode(Codec codec, Class<T> type, T value) {
        ByteBuf b = Unpooled.buffer();
        codec.binding(type).encode(value, b);
        return b;
    }

    private void awaitGreeting(String expected) {
        await("Greeter.greet answers " + expected)
                .atMost(COMMAND)
                .pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> {
                    Result r = occams("call", "--address", address, "--timeout", "10", "Greeter.greet", "osgi");
                    assertThat(r.out().strip()).as(r.toString()).isEqualTo(expected);
                    assertThat(r.exit()).isZero();
                });
    }

    /** Written next to deploy/ first, then moved in: FileInstall never sees half a jar. */
    private void drop(Path jar, Path target) throws IOException {
        GreeterBundles.drop(jar, target, tmp);
    }

    /** A bundle of the test's greeter package, as bnd would build it for a user: DS XML from the annotations. */
    private Path greeterBundle(String version, String greeting) throws Exception {
        return GreeterBundles.build(tmp, version, greeting);
    }

    private Result occams(String... args) throws Exception {
        return occams.run(args);
    }
}
