package io.occams.rpc.testsuite;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS 1.3 key updates in the middle of pipelined blobs on the virtual-thread runtime. A KeyUpdate the
 * peer sends asks for one back, so the reader's unwrap returns NEED_WRAP: the reply must be sent
 * without the reader waiting on the write side, whose writer may be blocked on a full socket that only
 * the peer's reader can drain (and the peer's reader may be waiting the same way: both connections
 * would stop for good). The JDK engine updates its keys after {@code jdk.tls.keyLimits} bytes, a
 * security property read once per JVM, so the calls run in a JVM of their own
 * ({@link TlsKeyUpdateBlobs}) whose limit is 64 KiB: 16 key updates per 1 MiB blob, each way, while
 * both sockets are full. The JDK's handshake log shows the updates happened. Before the reader handed
 * the reply to the write side, both ends stopped within the first calls and their write timeouts
 * closed the connection ("write blocked for more than PT5S").
 */
class VirtualThreadTlsKeyUpdateTest {
    /** 32 MiB each way: about 500 key updates each way. */
    private static final int CALLS = 32;
    /** 1 MiB: 16 of them in flight each way fill both sockets, so writers block while keys update. */
    private static final int BLOB = 1024 * 1024;
    /** Generous: the child's own wait for its calls on a machine with a load average of 30. */
    private static final long CHILD_WAIT_SECONDS = 120;

    @TempDir
    Path dir;

    @Test
    void pipelinedBlobsBothWaysAllSucceedWhileBothEndsUpdateTheirKeysEveryBlob() throws Exception {
        Path security = dir.resolve("keylimits.security");
        Files.writeString(
                security,
                "jdk.tls.keyLimits=AES/GCM/NoPadding KeyUpdate 2^16, ChaCha20-Poly1305 KeyUpdate 2^16\n",
                StandardCharsets.UTF_8);
        Path log = dir.resolve("child.log");
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(List.of(
                        java.toString(),
                        "-Xmx256m",
                        "-Djava.security.properties=" + security,
                        "-Djavax.net.debug=ssl:handshake",
                        "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                        "-cp",
                        System.getProperty("java.class.path"),
                        TlsKeyUpdateBlobs.class.getName(),
                        Files.createDirectories(dir.resolve("certs")).toString(),
                        String.valueOf(CALLS),
                        String.valueOf(BLOB),
                        String.valueOf(CHILD_WAIT_SECONDS)))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        try {
            assertThat(p.waitFor(CHILD_WAIT_SECONDS + 60, TimeUnit.SECONDS))
                    .as("the child JVM ends (its log: %s)", log)
                    .isTrue();
        } finally {
            p.destroyForcibly();
        }
        List<String> lines = Files.readAllLines(log, StandardCharsets.ISO_8859_1);
        assertThat(lines).as("the child's verdict").contains(TlsKeyUpdateBlobs.verdict(CALLS));
        assertThat(p.exitValue()).isZero();
        assertThat(lines.stream().filter(l -> l.contains("Consuming KeyUpdate")).count())
                .as("KeyUpdate messages received, in the JDK's handshake log: both ends updated their keys")
                .isGreaterThanOrEqualTo(CALLS * 8L);
    }
}
