package io.occams.rpc.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The one place that reads client and server configurations from properties: names, values, errors. */
class ConfigFromPropertiesTest {
    private static Map<String, Object> props(Object... kv) {
        Map<String, Object> m = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    @Test
    void everyClientPropertyIsReadUnderItsDocumentedName() {
        ClientConfig c = ClientConfig.fromProperties(props(
                "taskTimeout",
                "7s",
                "readTimeout",
                1500L,
                "writeTimeout",
                "PT2S",
                "idleTimeout",
                "3m",
                "connectTimeout",
                "250ms",
                "thresholds",
                "64",
                "maxFrameBytes",
                4096,
                "clientId",
                "42",
                "maxConnections",
                3L,
                "addresses",
                "ignored:1"));
        assertThat(c.taskTimeout()).isEqualTo(Duration.ofSeconds(7));
        assertThat(c.readTimeout()).isEqualTo(Duration.ofMillis(1500));
        assertThat(c.writeTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(c.idleTimeout()).isEqualTo(Duration.ofMinutes(3));
        assertThat(c.connectTimeout()).isEqualTo(Duration.ofMillis(250));
        assertThat(c.thresholds()).isEqualTo(64);
        assertThat(c.maxFrameBytes()).isEqualTo(4096);
        assertThat(c.clientId()).isEqualTo(42);
        assertThat(c.maxConnections()).isEqualTo(3);
        assertThat(c.tls()).isNull();
    }

    @Test
    void everyServerPropertyIsReadUnderItsDocumentedName() {
        ServerConfig s = ServerConfig.fromProperties(props(
                "readTimeout",
                "1s",
                "writeTimeout",
                "2s",
                "idleTimeout",
                "3s",
                "serverCloseWait",
                "4s",
                "swapGrace",
                "0",
                "maxFrameBytes",
                "1024",
                "maxActionBytes",
                77,
                "maxCallsPerConnection",
                5,
                "maxCallsPerServer",
                6,
                "maxConnections",
                7,
                "maxConnectionsPerAddress",
                8,
                "firstFrameTimeout",
                "9s",
                "port",
                1));
        assertThat(s.readTimeout()).isEqualTo(Duration.ofSeconds(1));
        assertThat(s.writeTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(s.idleTimeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(s.serverCloseWait()).isEqualTo(Duration.ofSeconds(4));
        assertThat(s.swapGrace()).isEqualTo(Duration.ZERO);
        assertThat(s.maxFrameBytes()).isEqualTo(1024);
        assertThat(s.maxActionBytes()).isEqualTo(77);
        assertThat(s.maxCallsPerConnection()).isEqualTo(5);
        assertThat(s.maxCallsPerServer()).isEqualTo(6);
        assertThat(s.maxConnections()).isEqualTo(7);
        assertThat(s.maxConnectionsPerAddress()).isEqualTo(8);
        assertThat(s.firstFrameTimeout()).isEqualTo(Duration.ofSeconds(9));
        assertThat(s.tls()).isNull();
    }

    @Test
    void absentAndEmptyPropertiesKeepTheDefaults() {
        assertThat(ClientConfig.fromProperties(props("taskTimeout", " ")).toString())
                .isEqualTo(ClientConfig.defaults().toString());
        ServerConfig s = ServerConfig.fromProperties(Map.of());
        ServerConfig d = ServerConfig.defaults();
        assertThat(s.maxCallsPerServer()).isEqualTo(d.maxCallsPerServer());
        assertThat(s.firstFrameTimeout()).isEqualTo(d.firstFrameTimeout());
        assertThat(s.maxFrameBytes()).isEqualTo(ClientConfig.DEFAULT_MAX_FRAME_BYTES);
    }

    @Test
    void theNamesBothSidesShareAreOneConstant() {
        assertThat(ServerConfig.READ_TIMEOUT)
                .isSameAs(ClientConfig.READ_TIMEOUT)
                .isEqualTo("readTimeout");
        assertThat(ServerConfig.WRITE_TIMEOUT)
                .isSameAs(ClientConfig.WRITE_TIMEOUT)
                .isEqualTo("writeTimeout");
        assertThat(ServerConfig.IDLE_TIMEOUT)
                .isSameAs(ClientConfig.IDLE_TIMEOUT)
                .isEqualTo("idleTimeout");
        assertThat(ServerConfig.MAX_FRAME_BYTES)
                .isSameAs(ClientConfig.MAX_FRAME_BYTES)
                .isEqualTo("maxFrameBytes");
        assertThat(ServerConfig.MAX_CONNECTIONS)
                .isSameAs(ClientConfig.MAX_CONNECTIONS)
                .isEqualTo("maxConnections");
    }

    @Test
    void invalidValuesFailNamingTheProperty() {
        assertThatThrownBy(() -> ClientConfig.fromProperties(props("taskTimeout", "soon")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("taskTimeout");
        assertThatThrownBy(() -> ClientConfig.fromProperties(props("maxConnections", "0")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxConnections");
        assertThatThrownBy(() -> ServerConfig.fromProperties(props("maxFrameBytes", "12")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxFrameBytes");
        assertThatThrownBy(() -> ServerConfig.fromProperties(props("maxCallsPerServer", "lots")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxCallsPerServer");
        assertThatThrownBy(() -> ServerConfig.fromProperties(
                        props("tls.clientAuth", "sometimes", "tls.cert", "c.pem", "tls.key", "k.pem")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("tls.clientAuth");
    }

    @Test
    void tlsKeysAreReadThroughTlsConfigOnBothSides() {
        ClientConfig c =
                ClientConfig.fromProperties(props(TlsConfig.ENABLED, "true", TlsConfig.PEER_NAME, "server.example"));
        assertThat(c.tls()).isNotNull();
        assertThat(c.tls().peerName()).isEqualTo("server.example");
        ServerConfig s = ServerConfig.fromProperties(props(TlsConfig.CERT, "/x/cert.pem", TlsConfig.KEY, "/x/key.pem"));
        assertThat(s.tls().certificateChain()).hasToString("/x/cert.pem");
    }
}
