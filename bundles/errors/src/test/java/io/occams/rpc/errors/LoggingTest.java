package io.occams.rpc.errors;

import static org.assertj.core.api.Assertions.assertThat;

import io.occams.rpc.api.MessageException;
import io.occams.rpc.api.spi.WireError;
import io.occams.rpc.errors.CapturedLog.Event;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.event.Level;

/** What an operator sees: a problem is reported loudly once per exception type, then quietly. */
class LoggingTest {
    private final StringOnlyCodec codec = new StringOnlyCodec();
    private final ErrorCodecRegistry registry = ErrorCodecRegistry.withBuiltins();

    /** Only this handler's exception type, so that other tests' events do not count. */
    static final class HandlerBug extends RuntimeException {
        private static final long serialVersionUID = 1L;

        HandlerBug(String m) {
            super(m);
        }
    }

    @BeforeEach
    void forgetEarlierEvents() {
        CapturedLog.clear();
    }

    @Test
    void anUnmappedExceptionIsLoggedWithItsStackAtWarnOnceThenAtDebug() {
        for (int i = 0; i < 3; i++) {
            registry.encode(new HandlerBug("bug " + i), codec);
        }

        List<Event> events = CapturedLog.containing(HandlerBug.class.getName());
        assertThat(events).extracting(Event::level).containsExactly(Level.WARN, Level.DEBUG, Level.DEBUG);
        assertThat(events.get(0).thrown()).isInstanceOf(HandlerBug.class).hasMessage("bug 0");
        assertThat(events.get(0).message()).contains("no error codec", "rpc_internal_err");
    }

    @Test
    void aReservedNameRefusedOnTheWayOutSaysWhy() {
        WireError w = registry.encode(new MessageException("rpc_timeout"), codec);

        assertThat(w.text()).isEqualTo("rpc_internal_err");
        List<Event> events = CapturedLog.containing("\"rpc_timeout\"");
        assertThat(events).hasSize(1);
        assertThat(events.get(0).level()).isEqualTo(Level.WARN);
        assertThat(events.get(0).message()).contains(MessageException.class.getName(), "framework failure");
    }

    @Test
    void aCodecThatThrowsOnEncodeIsLoggedWithItsFailure() {
        registry.register(new TestErrors.ThrowingCodec<>(HandlerBug.class));

        registry.encode(new HandlerBug("x"), codec);

        List<Event> events = CapturedLog.containing("failed to encode");
        assertThat(events).hasSize(1);
        assertThat(events.get(0).level()).isEqualTo(Level.WARN);
        assertThat(events.get(0).thrown())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("encode broke");
    }

    @Test
    void aCodecThatThrowsOnDecodeIsLoggedAtDebugOnly() {
        registry.register(new TestErrors.ThrowingCodec<>(HandlerBug.class));

        registry.decode(WireError.text("x"), List.of(HandlerBug.class), codec);

        List<Event> events = CapturedLog.containing("threw on");
        assertThat(events).extracting(Event::level).containsOnly(Level.DEBUG);
        assertThat(events).isNotEmpty();
    }
}
