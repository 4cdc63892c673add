package io.occams.rpc.api.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The write-side properties both runtime components read through {@link RuntimeBuilder#writeProperties}. */
class RuntimeBuilderTest {
    /** Records what the properties set. */
    static final class Recording implements RuntimeBuilder<Recording> {
        final List<Object> calls = new ArrayList<>();

        @Override
        public Recording writeBufferWaterMark(int low, int high) {
            calls.add("marks " + low + "/" + high);
            return this;
        }

        @Override
        public Recording writeTimeout(Duration timeout) {
            calls.add(timeout);
            return this;
        }
    }

    @Test
    void absentOrZeroValuesKeepTheRuntimesDefaults() {
        assertThat(new Recording().writeProperties(Map.of()).calls).isEmpty();
        assertThat(new Recording()
                        .writeProperties(
                                Map.of("writeHighWaterMark", 0, "writeLowWaterMark", 5, "writeTimeoutMillis", 0L))
                        .calls)
                .isEmpty();
    }

    @Test
    void aHighMarkAloneSetsTheLowOneToHalfOfItAndTheTimeoutIsInMilliseconds() {
        assertThat(new Recording().writeProperties(Map.of(RuntimeBuilder.WRITE_HIGH_WATER_MARK, 1000)).calls)
                .containsExactly("marks 500/1000");
        assertThat(new Recording()
                        .writeProperties(Map.of(
                                "writeHighWaterMark",
                                "2048",
                                "writeLowWaterMark",
                                "1024",
                                RuntimeBuilder.WRITE_TIMEOUT_MILLIS,
                                2500L))
                        .calls)
                .containsExactly("marks 1024/2048", Duration.ofMillis(2500));
    }

    @Test
    void aMalformedValueNamesTheProperty() {
        assertThatThrownBy(() -> new Recording().writeProperties(Map.of("writeHighWaterMark", "big")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("writeHighWaterMark");
    }
}
