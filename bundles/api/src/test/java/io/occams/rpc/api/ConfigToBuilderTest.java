package io.occams.rpc.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** {@code toBuilder()} carries every setting over, so a copy with one change keeps the rest. */
class ConfigToBuilderTest {

    @Test
    void aServerConfigsBuilderCarriesEverySettingOver() {
        ServerConfig original = ServerConfig.builder()
                .readTimeout(Duration.ofSeconds(11))
                .writeTimeout(Duration.ofSeconds(12))
                .idleTimeout(Duration.ofSeconds(13))
                .serverCloseWait(Duration.ofSeconds(14))
                .swapGrace(Duration.ofSeconds(15))
                .maxFrameBytes(1 << 20)
                .maxActionBytes(333)
                .maxCallsPerConnection(77)
                .maxCallsPerServer(777)
                .maxConnections(55)
                .maxConnectionsPerAddress(5)
                .firstFrameTimeout(Duration.ofSeconds(16))
                .build();
        ServerConfig copy = original.toBuilder().build();
        assertThat(copy).usingRecursiveComparison().isEqualTo(original);
        assertThat(copy.maxCallsPerServer()).isEqualTo(777);
        assertThat(copy.maxConnections()).isEqualTo(55);
        assertThat(copy.maxConnectionsPerAddress()).isEqualTo(5);
        assertThat(copy.firstFrameTimeout()).isEqualTo(Duration.ofSeconds(16));
    }

    @Test
    void aClientConfigsBuilderCarriesEverySettingOver() {
        ClientConfig original = ClientConfig.builder()
                .taskTimeout(Duration.ofSeconds(21))
                .readTimeout(Duration.ofSeconds(22))
                .writeTimeout(Duration.ofSeconds(23))
                .idleTimeout(Duration.ofSeconds(24))
                .connectTimeout(Duration.ofSeconds(25))
                .thresholds(9)
                .maxFrameBytes(1 << 21)
                .clientId(99)
                .maxConnections(4)
                .build();
        assertThat(original.toBuilder().build()).usingRecursiveComparison().isEqualTo(original);
    }
}
