package io.occams.rpc.testsuite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.occams.rpc.api.ClientConfig;
import io.occams.rpc.api.RpcAddress;
import io.occams.rpc.api.RpcCode;
import io.occams.rpc.api.RpcException;
import io.occams.rpc.api.ServerConfig;
import io.occams.rpc.api.TlsConfig;
import io.occams.rpc.api.spi.Runtime;
import io.occams.rpc.client.RpcClient;
import io.occams.rpc.examples.CalService;
import io.occams.rpc.runtime.vthreads.VirtualThreadRuntime;
import io.occams.rpc.server.PatternAuthorizer;
import io.occams.rpc.server.RpcServer;
import io.occams.rpc.stream.ClientStream;
import io.occams.rpc.testkit.RuntimePerTest;
import io.occams.rpc.testkit.TestCertificates;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Who may call what, end to end over mutual TLS: the server's authorizer sees each caller's certificate
 * identity and answers a call it does not allow with {@code rpc_permission_denied}, which the proxy throws;
 * the connection stays usable for what is allowed.
 */
class TlsAuthorizationTest extends RuntimePerTest {
    @TempDir
    static Path certs;

    static TestCertificates.Pki pki;
    static TestCertificates.Issued ops;

    @BeforeAll
    static void makeCertificates() {
        pki = TestCertificates.Pki.create(certs);
        ops = pki.ca().issue("ops", "dns:ops.test").writePem(certs, "ops");
    }

    @Override
    protected Runtime newRuntime() {
        return new VirtualThreadRuntime();
    }

    private RpcAddress serve() throws Exception {
        RpcServer s = RpcServer.builder()
                .runtime(runtime)
                .config(ServerConfig.builder().tls(pki.serverTls(true)).build())
                .authorizer(PatternAuthorizer.of("cn:client -> CalService.inc, CalService.add", "cn:ops -> *"))
                .build();
        closeAfter(s::shutdownNow);
        s.dispatcher().registerAll(CalService.class);
        return s.listen(RpcAddress.tcp("127.0.0.1", 0));
    }

    private CalService cal(RpcAddress a, TlsConfig tls) {
        ClientStream c = ClientStream.connect(
                        runtime, a, ClientConfig.builder().tls(tls).build())
                .join();
        closeAfter(c::abort);
        return RpcClient.create().proxy(CalService.class, c);
    }

    @Test
    void aCallerMayCallWhatItsRulesAllowAndIsDeniedTheRest() throws Exception {
        RpcAddress a = serve();
        CalService client = cal(a, pki.clientTls(true).build());
        assertThat(client.inc(1)).isEqualTo(2);
        assertThatThrownBy(() -> client.div(4, 2))
                .isInstanceOfSatisfying(
                        RpcException.class, e -> assertThat(e.code()).isEqualTo(RpcCode.PERMISSION_DENIED));
        assertThatThrownBy(() -> client.div(9, 3))
                .as("denied again, logged once")
                .isInstanceOf(RpcException.class);
        assertThat(client.add(2, 3)).as("the connection stays usable").isEqualTo(5);
    }

    @Test
    void anotherIdentityGetsItsOwnRules() throws Exception {
        RpcAddress a = serve();
        CalService opsCal = cal(a, ops.tls(pki.caPem()).build());
        assertThat(opsCal.div(4, 2)).isEqualTo(2);
    }
}
