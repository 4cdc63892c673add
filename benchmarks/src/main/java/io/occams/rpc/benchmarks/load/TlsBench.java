package io.occams.rpc.benchmarks.load;

import io.occams.rpc.api.TlsConfig;
import io.occams.rpc.testkit.TestCertificates;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The TLS contenders' settings: mutual TLS with certificates from a throwaway CA that the harness makes
 * into one folder per run ({@code ca.pem}, {@code server.pem/.key}, {@code client.pem/.key}). The Netty
 * runtime uses OpenSSL (netty-tcnative is on the benchmarks' class path), the virtual-thread runtime the
 * JDK's engine.
 */
final class TlsBench {
    /** Generous: a fresh JVM on a loaded machine may take seconds for its first handshakes (JIT, key loading). */
    private static final Duration HANDSHAKE = Duration.ofSeconds(60);

    private TlsBench() {}

    static void makeCertificates(Path dir) {
        TestCertificates.Pki.create(dir);
    }

    static TlsConfig server(String dir) {
        Path d = Path.of(dir);
        return TlsConfig.builder()
                .certificateChain(d.resolve("server.pem"))
                .privateKey(d.resolve("server.key"))
                .trustedCertificates(d.resolve("ca.pem"))
                .handshakeTimeout(HANDSHAKE)
                .build();
    }

    static TlsConfig client(String dir) {
        Path d = Path.of(dir);
        return TlsConfig.builder()
                .certificateChain(d.resolve("client.pem"))
                .privateKey(d.resolve("client.key"))
                .trustedCertificates(d.resolve("ca.pem"))
                .handshakeTimeout(HANDSHAKE)
                .build();
    }
}
