package io.occams.rpc.api.spi;

import static org.assertj.core.api.Assertions.assertThat;

import io.occams.rpc.api.TlsConfig;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import org.junit.jupiter.api.Test;

/** The cipher suites a {@link TlsContext} engine offers: AES-128-GCM first, nothing added or removed. */
class TlsCipherOrderTest {

    @Test
    void theJdksDefaultSuitesGetAes128GcmFirstAndKeepEveryOtherInItsOrder() throws Exception {
        String[] jdk = SSLContext.getDefault().createSSLEngine().getEnabledCipherSuites();
        String[] ordered = TlsContext.fastFirst(jdk);

        assertThat(ordered).containsExactlyInAnyOrder(jdk);
        assertThat(ordered[0]).isEqualTo("TLS_AES_128_GCM_SHA256");
        List<String> rest = List.of(ordered).subList(3, ordered.length);
        assertThat(rest).isEqualTo(List.of(jdk).stream().filter(rest::contains).toList());
    }

    @Test
    void aListWithoutAes128GcmStaysAsItIs() {
        String[] only = {"TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"};

        assertThat(TlsContext.fastFirst(only)).containsExactly(only);
        assertThat(TlsContext.fastFirst(null)).isNull();
    }

    @Test
    void aServerEngineChoosesByItsOwnOrderAndAClientOffersAes128GcmFirst() throws Exception {
        TlsContext tls =
                new TlsContext(TlsConfig.builder().trustSystemCertificates(true).build());
        SSLEngine server = SSLContext.getDefault().createSSLEngine();
        server.setUseClientMode(false);
        tls.configureServer(server);
        SSLEngine client = SSLContext.getDefault().createSSLEngine("localhost", 1);
        client.setUseClientMode(true);
        tls.configureClient(client, "localhost");

        assertThat(server.getSSLParameters().getUseCipherSuitesOrder()).isTrue();
        assertThat(server.getEnabledCipherSuites()[0]).isEqualTo("TLS_AES_128_GCM_SHA256");
        assertThat(client.getEnabledCipherSuites()[0]).isEqualTo("TLS_AES_128_GCM_SHA256");
    }
}
