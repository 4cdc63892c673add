package io.occams.rpc.distribution;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import aQute.bnd.osgi.Builder;
import aQute.bnd.osgi.Jar;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.occams.rpc.api.RpcService;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.service.component.annotations.Component;

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
    private static final Duration COMMAND = Duration.ofSeconds(90);
    private static final Pattern LISTENING = Pattern.compile("^occams-rpc listening on (\\S+:\\d+)");

    private final Path dist = Path.of(System.getProperty("occams.dist", "target/occams-rpc"));
    private final Path occams = dist.resolve("bin/occams");
    private final List<String> serverOutput = new CopyOnWriteArrayList<>();
    @TempDir
    static Path tmp;
    private Path deploy;
    private Process server;
    private String address;

    @BeforeAll
    void startServer() throws IOException {
        assertThat(occams).as("the assembled distribution").isExecutable();
        deploy = Files.createDirectories(tmp.resolve("deploy"));
        server = new ProcessBuilder(occams.toString(), "serve", "--port", "0", "--deploy", deploy.toString())
                .redirectErrorStream(true).start();
        Thread pump = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    serverOutput.add(line);
                    System.out.println("[serve] " + line);
                }
            } catch (IOException e) {
                serverOutput.add("(output lost: " + e + ")");
            }
        }, "occams-serve-output");
        pump.setDaemon(true);
        pump.start();
        await("occams serve prints 'occams-rpc listening on'").atMost(START).pollInterval(Duration.ofMillis(100)).until(() -> {
            assertThat(server.isAlive()).as("occams serve is running; its output:\n%s", String.join("\n", serverOutput)).isTrue();
            return listeningAddress() != null;
        });
        address = listeningAddress();
    }

    @AfterAll
    void killServerIfStillThere() {
        if (server != null && server.isAlive()) {
            server.destroyForcibly();
        }
    }

    @Test
    @Order(1)
    void callPrintsTheSumOfTwoNumbers() throws Exception {
        Result r = occams("call", "--address", address, "CalService.add", "10", "20");
        assertThat(r.exit).as(r.toString()).isZero();
        assertThat(r.out.strip()).isEqualTo("30");
    }

    @Test
    @Order(2)
    void callPrintsTheUserErrorOfADivisionByZeroAndExitsNonZero() throws Exception {
        Result r = occams("call", "--address", address, "CalService.div", "10", "0");
        assertThat(r.exit).as(r.toString()).isNotZero();
        assertThat(r.err).as(r.toString()).startsWith("remote error:").doesNotContain("rpc_");
        assertThat(r.out).isEmpty();
    }

    @Test
    @Order(2)
    void listShowsTheServedServicesWithTheirProviderBundles() throws Exception {
        Result r = occams("list", "--address", address);
        assertThat(r.exit).as(r.toString()).isZero();
        assertThat(r.out).as(r.toString()).contains("CalService", "OccamsReflection", "OccamsHealth", "io.occams.rpc.examples");
        Result json = occams("list", "--address", address, "--json");
        assertThat(json.exit).as(json.toString()).isZero();
        JsonNode list = new ObjectMapper().readTree(json.out);
        assertThat(list.isArray()).as(json.toString()).isTrue();
        assertThat(list.findValuesAsText("name")).contains("CalService");
    }

    @Test
    @Order(2)
    void describeShowsAMethodWithItsParameterNamesAndTypes() throws Exception {
        Result r = occams("describe", "--address", address, "CalService.add");
        assertThat(r.exit).as(r.toString()).isZero();
        assertThat(r.out.strip()).isEqualTo("CalService.add(long a, long b) -> long");
        Result all = occams("describe", "--address", address, "CalService", "--json");
        assertThat(all.exit).as(all.toString()).isZero();
        assertThat(new ObjectMapper().readTree(all.out).get("methods").size()).isEqualTo(3);
        Result typo = occams("describe", "--address", address, "CalService.ad");
        assertThat(typo.exit).as(typo.toString()).isEqualTo(1);
        assertThat(typo.err).contains("did you mean \"add\"");
    }

    @Test
    @Order(2)
    void healthSaysServingForTheServerAndItsServices() throws Exception {
        Result r = occams("health", "--address", address);
        assertThat(r.exit).as(r.toString()).isZero();
        assertThat(r.out.strip()).isEqualTo("SERVING");
        assertThat(occams("health", "--address", address, "CalService").out.strip()).isEqualTo("SERVING");
        Result unknown = occams("health", "--address", address, "NoSuchService");
        assertThat(unknown.exit).as(unknown.toString()).isEqualTo(1);
        assertThat(unknown.out.strip()).isEqualTo("SERVICE_UNKNOWN");
    }

    @Test
    @Order(2)
    void callWithAWrongArgumentIsToldLocallyInTheMethodsTerms() throws Exception {
        Result r = occams("call", "--address", address, "CalService.add", "\"ten\"", "20");
        assertThat(r.exit).as(r.toString()).isNotZero();
        assertThat(r.err).as(r.toString()).contains("CalService.add expects (long a, long b), got").doesNotContain("rpc_");
        Result count = occams("call", "--address", address, "CalService.add", "10");
        assertThat(count.err).as(count.toString()).contains("CalService.add expects (long a, long b), got 1 argument");
        Result named = occams("call", "--address", address, "CalService.add", "{\"a\":10,\"b\":20}");
        assertThat(named.exit).as(named.toString()).isZero();
        assertThat(named.out.strip()).isEqualTo("30");
        Result typo = occams("call", "--address", address, "CalService.add", "{\"a\":10,\"bb\":20}");
        assertThat(typo.err).as(typo.toString()).contains("no parameter \"bb\"; did you mean \"b\"?");
    }

    @Test
    @Order(3)
    void aThreeSecondBenchHasNoErrors() throws Exception {
        Path json = tmp.resolve("bench.json");
        Result r = occams("bench", "--address", address, "--duration", "3", "--warmup", "1",
                "--connections", "2", "--inflight", "32", "--json", json.toString());
        assertThat(r.exit).as(r.toString()).isZero();
        JsonNode summary = new ObjectMapper().readTree(json.toFile());
        assertThat(summary.get("errors").size()).as(summary.toString()).isZero();
        assertThat(summary.get("calls").asLong()).as(summary.toString()).isPositive();
        assertThat(r.out).contains("errors: none");
    }

    @Test
    @Order(4)
    void aServiceBundleDroppedIntoDeployIsServedReplacedAndRemoved() throws Exception {
        Path bundle = deploy.resolve("greeter.jar");
        drop(greeterBundle("1.0.0", "hello"), bundle);
        awaitGreeting("\"hello, osgi\"");

        drop(greeterBundle("1.0.1", "hej"), bundle); // the same file replaced: FileInstall updates the bundle
        awaitGreeting("\"hej, osgi\"");
        assertThat(serverOutput).anyMatch(l -> l.startsWith("deploy: updated io.occams.rpc.test.greeter"));

        Files.delete(bundle);
        await("Greeter is gone once its bundle is removed").atMost(COMMAND).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            Result r = occams("call", "--address", address, "--timeout", "10", "Greeter.greet", "osgi");
            assertThat(r.exit).as(r.toString()).isNotZero();
            assertThat(r.err).contains("rpc_service_notfound");
        });
    }

    @Test
    @Order(5)
    void sigtermStopsTheServerCleanly() throws Exception {
        // SIGTERM through the handle: Process.destroy() would also close our end of its output.
        assertThat(server.toHandle().destroy()).as("SIGTERM sent").isTrue();
        assertThat(server.waitFor(COMMAND.toSeconds(), TimeUnit.SECONDS)).as("exited within %s", COMMAND).isTrue();
        await("the output is read to its end").atMost(Duration.ofSeconds(10))
                .until(() -> serverOutput.stream().anyMatch(l -> l.startsWith("occams-rpc stopped")));
        assertThat(server.exitValue()).as(String.join("\n", serverOutput)).isZero();
        assertThat(serverOutput).anyMatch(l -> l.equals("occams-rpc stopped (SIGTERM)"));
    }

    private String listeningAddress() {
        for (String line : serverOutput) {
            Matcher m = LISTENING.matcher(line);
            if (m.find()) {
                return m.group(1);
            }
        }
        return null;
    }

    private void awaitGreeting(String expected) {
        await("Greeter.greet answers " + expected).atMost(COMMAND).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            Result r = occams("call", "--address", address, "--timeout", "10", "Greeter.greet", "osgi");
            assertThat(r.out.strip()).as(r.toString()).isEqualTo(expected);
            assertThat(r.exit).isZero();
        });
    }

    /** Written next to deploy/ first, then moved in: FileInstall never sees half a jar. */
    private void drop(Path jar, Path target) throws IOException {
        Path staged = Files.copy(jar, tmp.resolve(target.getFileName() + ".staged"), StandardCopyOption.REPLACE_EXISTING);
        Files.move(staged, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** A bundle of the test's greeter package, as bnd would build it for a user: DS XML from the annotations. */
    private Path greeterBundle(String version, String greeting) throws Exception {
        try (Builder b = new Builder()) {
            b.setProperty("Bundle-SymbolicName", "io.occams.rpc.test.greeter");
            b.setProperty("Bundle-Version", version);
            b.setProperty("Private-Package", "io.occams.rpc.distribution.greeter");
            b.setProperty("-dsannotations", "*");
            b.setProperty("-includeresource", "greeting.txt;literal='" + greeting + "'");
            b.setProperty("-noextraheaders", "true");
            b.addClasspath(new File(System.getProperty("occams.test.classes", "target/test-classes")));
            b.addClasspath(jarOf(RpcService.class));
            b.addClasspath(jarOf(Component.class));
            Jar jar = b.build();
            assertThat(b.getErrors()).as("bnd errors").isEmpty();
            Path out = tmp.resolve("greeter-" + version + ".jar");
            jar.write(out.toFile());
            return out;
        }
    }

    private static File jarOf(Class<?> type) throws Exception {
        return new File(type.getProtectionDomain().getCodeSource().getLocation().toURI());
    }

    private Result occams(String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(occams.toString());
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile(tmp, "out", ".txt");
        Path err = Files.createTempFile(tmp, "err", ".txt");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(COMMAND.toSeconds(), TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("occams " + String.join(" ", args) + " did not finish within " + COMMAND);
        }
        return new Result(String.join(" ", args), p.exitValue(), Files.readString(out), Files.readString(err));
    }

    private record Result(String command, int exit, String out, String err) {
        @Override
        public String toString() {
            return "occams " + command + " -> exit " + exit + "\nstdout: " + out + "\nstderr: " + err;
        }
    }
}
