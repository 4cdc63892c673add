package io.occams.rpc.testsuite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.buffer.ByteBuf;
import io.occams.rpc.api.ClientConfig;
import io.occams.rpc.api.RpcAddress;
import io.occams.rpc.api.RpcException;
import io.occams.rpc.api.ServerConfig;
import io.occams.rpc.api.TlsConfig;
import io.occams.rpc.pool.ClientPool;
import io.occams.rpc.stream.ClientStream;
import io.occams.rpc.stream.ClientTask;
import io.occams.rpc.stream.StreamServer;
import io.occams.rpc.testkit.RuntimePerTest;
import io.occams.rpc.testkit.TestCertificates;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Certificate rotation under load, on the runtime of the subclass: while a pool's calls and a stream of
 * new connections run over mutual TLS, the server's certificate and key files are replaced; new
 * connections get the new certificate, and not one call fails (open connections keep the old one).
 */
abstract class AbstractTlsRotationTest extends RuntimePerTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final Duration HANDSHAKE = Duration.ofSeconds(60);

    @TempDir
    Path certs;

    /** The subject CN of the certificate a fresh TLS connection to {@code a} gets. */
    private static String servedCn(TlsConfig clientTls, RpcAddress a) throws Exception {
        try (SSLSocket s = (SSLSocket)
                clientTls.context().material().sslContext().getSocketFactory().createSocket(a.host(), a.port())) {
            s.startHandshake();
            X509Certificate c = (X509Certificate) s.getSession().getPeerCertificates()[0];
            return c.getSubjectX500Principal().getName().replaceAll(".*CN=([^,]*).*", "$1");
        }
    }

    @Test
    void replacingTheFilesUnderLoadServesTheNewCertificateToNewConnectionsWithoutAFailedCall() throws Exception {
        TestCertificates.Pki pki = TestCertificates.Pki.create(certs);
        // A generous handshake timeout on both ends: on a loaded machine (load average 50) a handshake took
        // longer than the default 10 s, and the pool's reconnect backoff then failed calls; the test is
        // about rotation, not about timeouts.
        TlsConfig serverTls = pki.server()
                .tls(pki.caPem())
                .reloadInterval(Duration.ZERO)
                .handshakeTimeout(HANDSHAKE)
                .build();
        StreamServer server =
                new StreamServer(runtime, ServerConfig.builder().tls(serverTls).build(), new FileService());
        closeAfter(server::shutdownNow);
        RpcAddress a = server.listen(RpcAddress.tcp("127.0.0.1", 0));
        TlsConfig clientTls = pki.clientTls(true).handshakeTimeout(HANDSHAKE).build();
        ClientConfig clientConfig = ClientConfig.builder().tls(clientTls).build();
        ClientPool pool = new ClientPool(runtime, a, clientConfig);
        closeAfter(pool::close);
        assertThat(servedCn(clientTls, a)).isEqualTo("server");

        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong calls = new AtomicLong();
        AtomicLong failures = new AtomicLong();
        AtomicReference<Throwable> firstFailure = new AtomicReference<>();
        List<Thread> load = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            boolean freshConnections = i == 0; // one worker opens a new connection for every call
            Thread worker = new Thread(
                    () -> {
                        while (!stop.get()) {
                            try {
                                if (freshConnections) {
                                    ClientStream c = ClientStream.connect(runtime, a, clientConfig)
                                            .join();
                                    try {
                                        c.call(FileService.OPEN, FileService.openMsg("/fresh"), null)
                                                .get(WAIT.toSeconds(), TimeUnit.SECONDS)
                                                .close();
                                    } finally {
                                        c.close();
                                    }
                                } else {
                                    Open task = new Open();
                                    pool.submit(task);
                                    task.done.get(WAIT.toSeconds(), TimeUnit.SECONDS);
                                }
                                calls.incrementAndGet();
                            } catch (Throwable t) {
                                failures.incrementAndGet();
                                firstFailure.compareAndSet(null, t);
                            }
                        }
                    },
                    "rotation-load-" + i);
            worker.start();
            load.add(worker);
        }
        await().atMost(WAIT).until(() -> calls.get() >= 200);

        pki.ca().issue("server-2").writePem(certs, "server"); // key, then chain: each an atomic rename
        await().atMost(WAIT).until(() -> servedCn(clientTls, a).equals("server-2"));
        long atRotation = calls.get();
        await().atMost(WAIT).until(() -> calls.get() >= atRotation + 200);

        stop.set(true);
        for (Thread t : load) {
            t.join(WAIT.toMillis());
        }
        assertThat(failures.get())
                .as("failed calls (first: %s)", firstFailure.get())
                .isZero();
        assertThat(servedCn(clientTls, a)).isEqualTo("server-2");
    }

    /** One open call through the pool; completes {@link #done}. */
    static final class Open extends ClientTask {
        final CompletableFuture<Void> done = new CompletableFuture<>();

        Open() {
            super(FileService.OPEN);
        }

        @Override
        public void encodeMsg(ByteBuf out) {
            ByteBuf m = FileService.openMsg("/pooled");
            out.writeBytes(m);
            m.release();
        }

        @Override
        public void onReply(ByteBuf msg, ByteBuf blob) {
            done.complete(null);
        }

        @Override
        public void onErrno(int errno) {
            done.completeExceptionally(new AssertionError("errno " + errno));
        }

        @Override
        public void onErrorString(ByteBuf text) {
            done.completeExceptionally(
                    new AssertionError("error " + text.toString(java.nio.charset.StandardCharsets.UTF_8)));
        }

        @Override
        public void onFailure(RpcException failure) {
            done.completeExceptionally(failure);
        }
    }
}
