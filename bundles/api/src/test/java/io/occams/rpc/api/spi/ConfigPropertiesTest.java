package io.occams.rpc.api.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigPropertiesTest {
    private static ConfigProperties of(Object... kv) {
        Map<String, Object> m = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return new ConfigProperties(m);
    }

    @Test
    void durationsFromNumbersUnitsAndIso() {
        ConfigProperties p = of(
                "a", 250L, "b", "500ms", "c", " 5s ", "d", "1.5s", "e", "2m", "f", "1h", "g", "PT3S", "h", "pt0.25s",
                "i", "700");
        assertThat(p.duration("a", null)).isEqualTo(Duration.ofMillis(250));
        assertThat(p.duration("b", null)).isEqualTo(Duration.ofMillis(500));
        assertThat(p.duration("c", null)).isEqualTo(Duration.ofSeconds(5));
        assertThat(p.duration("d", null)).isEqualTo(Duration.ofMillis(1500));
        assertThat(p.duration("e", null)).isEqualTo(Duration.ofMinutes(2));
        assertThat(p.duration("f", null)).isEqualTo(Duration.ofHours(1));
        assertThat(p.duration("g", null)).isEqualTo(Duration.ofSeconds(3));
        assertThat(p.duration("h", null)).isEqualTo(Duration.ofMillis(250));
        assertThat(p.duration("i", null)).isEqualTo(Duration.ofMillis(700));
        assertThat(p.duration("absent", Duration.ofSeconds(9))).isEqualTo(Duration.ofSeconds(9));
    }

    @Test
    void malformedValuesNameTheProperty() {
        ConfigProperties p =
                of("swapGrace", "soon", "port", "http", "big", 1L << 40, "neg", "-5s", "nan", "NaNs", "plong", "P");
        assertThatThrownBy(() -> p.duration("swapGrace", null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("swapGrace")
                .hasMessageContaining("soon");
        assertThatThrownBy(() -> p.integer("port", 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("port");
        assertThatThrownBy(() -> p.integer("big", 0))
                .as("a long beyond int is refused, not truncated")
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("big");
        assertThatThrownBy(() -> p.duration("neg", null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("neg");
        assertThatThrownBy(() -> p.duration("nan", null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("nan");
        assertThatThrownBy(() -> p.duration("plong", null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("plong");
    }

    @Test
    void emptyStringsAreAbsentAndIfPresentCallsOnlyWhenThere() {
        ConfigProperties p = of("port", "  ", "t", "", "n", "42", "d", "1s");
        assertThat(p.integer("port", 7)).isEqualTo(7);
        assertThat(p.string("t", "x")).isEqualTo("x");
        List<Object> seen = new ArrayList<>();
        p.ifInteger("port", seen::add);
        p.ifDuration("t", seen::add);
        p.ifInteger("n", seen::add);
        p.ifDuration("d", seen::add);
        assertThat(seen).containsExactly(42, Duration.ofSeconds(1));
    }

    @Test
    void listsFromArraysCollectionsAndCommaStrings() {
        ConfigProperties p =
                of("a", new String[] {"x:1", " y:2 ,z:3"}, "c", List.of("u", "", "v"), "s", "vthreads, netty", "e", "");
        assertThat(p.strings("a")).containsExactly("x:1", "y:2", "z:3");
        assertThat(p.strings("c")).containsExactly("u", "v");
        assertThat(p.strings("s")).containsExactly("vthreads", "netty");
        assertThat(p.strings("e")).isEmpty();
        assertThat(p.strings("absent")).isEmpty();
    }

    @Test
    void booleansAndPublicProperties() {
        ConfigProperties p =
                of("on", "TRUE", "off", false, ".secret", "k", "component.name", "c", "service.pid", "pid", "port", 1);
        assertThat(p.bool("on", false)).isTrue();
        assertThat(p.bool("off", true)).isFalse();
        assertThat(p.bool("absent", true)).isTrue();
        assertThat(p.publicProperties()).containsOnlyKeys("on", "off", "service.pid", "port");
        assertThat(new ConfigProperties(null).strings("x")).isEmpty();
    }
}
