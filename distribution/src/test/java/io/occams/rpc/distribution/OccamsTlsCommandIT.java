package io.occams.rpc.distribution;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.occams.rpc.testkit.TestCertificates;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's TLS example, end to end: {@code occams serve --tls-cert --tls-key --tls-ca} (mutual TLS),
 * then {@code occams call} and {@code occams ping} with the client's {@code --tls-*} files; a plaintext
 * call and a call without a client certificate are refused. The certificates come from a CA the test
 * makes. Every wait is bounded.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OccamsTlsCommandIT {
    private static final Duration START = Duration.ofSeconds(90);
    private static final Duration COMMAND = Duration.ofSeconds(90);
    private static final Pattern LISTENING = Pattern.compile("^occams-rpc listening on (\\S+:\\d+)");

    private final Path dist = Path.of(System.getProperty("occams.dist", "target/occams-rpc"));
    private final Path occams = dist.resolve("bin/occams");
    private final List<String> serverOutput = new CopyOnWriteArrayList<>();

    @TempDir
    static Path tmp;

    private TestCertificates.Pki pki;
    private Process server;
    private String address;

    @BeforeAll
    void startTlsServer() throws IOException {
        assertThat(occams).as("the assembled distribution").isExecutable();
        pki = TestCertificates.Pki.create(tmp);
        server = new ProcessBuilder(
                        occams.toString(),
                        "serve",
                        "--port",
                        "0",
                        "--deploy",
                        Files.createDirectories(tmp.resolve("deploy")).toString(),
                        "--tls-cert",
                        pki.server().certFile().toString(),
                        "--tls-key",
                        pki.server().keyFile().toString(),
                        "--tls-ca",
                        pki.caPem().toString())
                .redirectErrorStream(true)
                .start();
        Thread pump = new Thread(
                () -> {
                    try (BufferedReader r = new BufferedReader(
                            new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8))) {
                        for (String line; (line = r.readLine()) != null; ) {
                            serverOutput.add(line);
                            System.out.println("[serve --tls] " + line);
                        }
                    } catch (IOException e) {
                        serverOutput.add("(output lost: " + e + ")");
                    }
                },
                "occams-serve-tls-output");
        pump.setDaemon(true);
        pump.start();
        await("occams serve prints 'occams-rpc listening on'")
                .atMost(START)
                .pollInterval(Duration.ofMillis(100))
                .until(() -> {
                    assertThat(server.isAlive())
                            .as("occams serve is running; its output:\n%s", String.join("\n", serverOutput))
                            .isTrue();
                    return listeningAddress() != null;
                });
        address = listeningAddress();
    }

    @AfterAll
    void stopServer() throws InterruptedException {
        if (server != null && server.isAlive()) {
            server.destroy();
            if (!server.waitFor(COMMAND.toSeconds(), TimeUnit.SECONDS)) {
                server.destroyForcibly();
            }
        }
    }

    private List<String> clientTls() {
        return List.of(
                "--tls-cert",
                pki.client().certFile().toString(),
                "--tls-key",
                pki.client().keyFile().toString(),
                "--tls-ca",
                pki.caPem().toString());
    }

    @Test
    void aMutualTlsCallAndPingWork() throws Exception {
        List<String> call = new ArrayList<>(List.of("call", "--address", address));
        call.addAll(clientTls());
        call.addAll(List.of("CalService.add", "10", "20"));
        Result r = occams(call);
        assertThat(r.out.strip()).as(r.toString()).isEqualTo("30");
        assertThat(r.exit).as(r.toString()).isZero();

        List<String> ping = new ArrayList<>(List.of("ping", "--address", address, "--count", "2"));
        ping.addAll(clientTls());
        Result p = occams(ping);
        assertThat(p.exit).as(p.toString()).isZero();
    }

    @Test
    void plaintextAndCertificateLessCallsAreRefused() throws Exception {
        Result plain = occams(List.of("call", "--address", address, "--timeout", "10", "CalService.add", "1", "2"));
        assertThat(plain.exit).as(plain.toString()).isNotZero();
        Result noCert = occams(List.of(
                "call",
                "--address",
                address,
                "--timeout",
                "10",
                "--tls-ca",
                pki.caPem().toString(),
                "CalService.add",
                "1",
                "2"));
        assertThat(noCert.exit).as(noCert.toString()).isNotZero();
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

    private Result occams(List<String> args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(occams.toString());
        cmd.addAll(args);
        Path out = Files.createTempFile(tmp, "out", ".txt");
        Path err = Files.createTempFile(tmp, "err", ".txt");
        Process p = new ProcessBuilder(cmd)
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .start();
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
