package io.occams.rpc.testsuite;

import static org.assertj.core.api.Assertions.assertThat;

import io.occams.rpc.api.ClientConfig;
import io.occams.rpc.api.PeerIdentity;
import io.occams.rpc.api.RpcAddress;
import io.occams.rpc.api.ServerConfig;
import io.occams.rpc.stream.ClientStream;
import io.occams.rpc.stream.StreamServer;
import io.occams.rpc.testkit.TestCertificates;
import io.occams.rpc.testkit.Transport;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The stream contract over TLS ({@link #mutual()} false: the client trusts the test CA, presents
 * nothing) or mutual TLS (the server requires a client certificate from that CA), on the runtime of
 * the subclass; plus what TLS adds: the server knows who called. The certificates are made for the
 * class, in a temporary directory.
 */
abstract class AbstractTlsStreamContractTest extends AbstractStreamContractTest {
    @TempDir
    static Path certs;

    static TestCertificates.Pki pki;

    @BeforeAll
    static void makeCertificates() {
        pki = TestCertificates.Pki.create(certs);
    }

    /** Mutual TLS (true) or server-only TLS (false). */
    protected abstract boolean mutual();

    @Override
    protected ServerConfig serverConfig(ServerConfig config) {
        return config.toBuilder().tls(pki.serverTls(mutual())).build();
    }

    @Override
    protected ClientConfig clientConfig(ClientConfig config) {
        return config.toBuilder().tls(pki.clientTls(mutual()).build()).build();
    }

    @Override
    protected boolean plaintext() {
        return false;
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void theServerKnowsTheCallersCertificateIdentity(Transport t) throws Exception {
        CompletableFuture<PeerIdentity> seen = new CompletableFuture<>();
        StreamServer server = new StreamServer(runtime, serverConfig(ServerConfig.defaults()), call -> {
            seen.complete(call.peerIdentity());
            call.reply(null, null);
        });
        closeAfter(server::shutdownNow);
        RpcAddress a = server.listen(t.freshAddress(certs));
        ClientStream c = ClientStream.connect(runtime, a, clientConfig(ClientConfig.defaults()))
                .join();
        closeAfter(c::abort);
        c.call(FileService.OPEN, FileService.openMsg("/who"), null)
                .get(20, TimeUnit.SECONDS)
                .close();
        PeerIdentity id = seen.get(20, TimeUnit.SECONDS);
        if (mutual()) {
            assertThat(id.isAuthenticated()).isTrue();
            assertThat(id.commonName()).isEqualTo("client");
            assertThat(id.alternativeNames()).contains("dns:client.test");
        } else {
            assertThat(id).isEqualTo(PeerIdentity.ANONYMOUS);
        }
    }
}
