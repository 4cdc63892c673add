package io.occams.rpc.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import io.occams.rpc.distribution.Occams.Result;
import io.occams.rpc.testkit.TestCertificates;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
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

    @TempDir
    static Path tmp;

    private Occams occams;
    private TestCertificates.Pki pki;
    private Occams.Serve server;
    private String address;

    @BeforeAll
    void startTlsServer() throws IOException {
        occams = new Occams(tmp);
        pki = TestCertificates.Pki.create(tmp);
        server = occams.serve(
                "serve --tls",
                "--port",
                "0",
                "--deploy",
                Files.createDirectories(tmp.resolve("deploy")).toString(),
                "--tls-cert",
                pki.server().certFile().toString(),
                "--tls-key",
                pki.server().keyFile().toString(),
                "--tls-ca",
                pki.caPem().toString());
        address = server.awaitListening(START);
    }

    @AfterAll
    void stopServer() throws InterruptedException {
        if (server != null && server.process.isAlive()) {
            server.process.destroy();
            if (!server.process.waitFor(Occams.COMMAND.toSeconds(), TimeUnit.SECONDS)) {
                server.close();
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
        assertThat(r.out().strip()).as(r.toString()).isEqualTo("30");
        assertThat(r.exit()).as(r.toString()).isZero();

        List<String> ping = new ArrayList<>(List.of("ping", "--address", address, "--count", "2"));
        ping.addAll(clientTls());
        Result p = occams(ping);
        assertThat(p.exit()).as(p.toString()).isZero();
    }

    @Test
    void plaintextAndCertificateLessCallsAreRefused() throws Exception {
        Result plain = occams(List.of("call", "--address", address, "--timeout", "10", "CalService.add", "1", "2"));
        assertThat(plain.exit()).as(plain.toString()).isNotZero();
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
        assertThat(noCert.exit()).as(noCert.toString()).isNotZero();
    }

    private Result occams(List<String> args) throws Exception {
        return occams.run(args);
    }
}
