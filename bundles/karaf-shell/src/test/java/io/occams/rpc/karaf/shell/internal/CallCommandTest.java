package io.occams.rpc.karaf.shell.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** How occams:call turns its words into a method's arguments (the rest runs in KarafFeaturesIT). */
class CallCommandTest {

    @Test
    void wordsBecomeNumbersBooleansCharactersAndStringsOfTheParameterType() {
        assertThat(CallCommand.convert("10", long.class)).isEqualTo(10L);
        assertThat(CallCommand.convert("-3", Integer.class)).isEqualTo(-3);
        assertThat(CallCommand.convert("2.5", double.class)).isEqualTo(2.5);
        assertThat(CallCommand.convert("true", boolean.class)).isEqualTo(true);
        assertThat(CallCommand.convert("x", char.class)).isEqualTo('x');
        assertThat(CallCommand.convert("Karaf", String.class)).isEqualTo("Karaf");
    }

    @Test
    void aWordThatIsNotOfTheTypeIsRefusedWithWhatWasExpected() {
        assertThatThrownBy(() -> CallCommand.convert("ten", long.class)).hasMessage("expected long, got \"ten\"");
        assertThatThrownBy(() -> CallCommand.convert("yes", boolean.class))
                .hasMessage("expected true or false, got \"yes\"");
        assertThatThrownBy(() -> CallCommand.convert("1", java.util.List.class))
                .hasMessageContaining("this parameter is List");
    }
}
