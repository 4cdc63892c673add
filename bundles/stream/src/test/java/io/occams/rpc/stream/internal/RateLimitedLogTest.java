package io.occams.rpc.stream.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.AbstractLogger;
import org.slf4j.helpers.MessageFormatter;

/** The peers' fault log on a manual clock: one line per kind and window, then a count. */
class RateLimitedLogTest {
    private long now = TimeUnit.DAYS.toNanos(1);
    private final Recording logger = new Recording();
    private final RateLimitedLog log = new RateLimitedLog(logger, () -> now);

    private void seconds(double s) {
        now += (long) (s * 1e9);
    }

    @Test
    void aStormIsOneLineAtItsStartAndOneCountPerWindow() {
        for (int i = 0; i < 1000; i++) {
            log.warn("bad frames", "closing connection from {}: {}", "peer" + i, "BAD_MAGIC");
            seconds(0.001);
            log.flush();
        }
        assertThat(logger.lines).containsExactly("closing connection from peer0: BAD_MAGIC");
        seconds(10);
        log.flush();
        assertThat(logger.lines).hasSize(2).last().isEqualTo("bad frames: 999 more like this in the last 10 s");
        log.flush();
        assertThat(logger.lines).as("nothing new to count").hasSize(2);
    }

    @Test
    void kindsAreCountedApartAndAQuietKindIsLoggedInFullAgain() {
        log.warn("a", "first a");
        log.warn("b", "first b");
        log.warn("a", "second a");
        assertThat(logger.lines).containsExactly("first a", "first b");
        seconds(11);
        log.flush(); // a: 1 more; b: quiet, its window closes
        log.flush();
        seconds(11);
        log.flush(); // a's new window counted nothing: it closes too
        log.warn("b", "third b");
        log.warn("a", "fourth a");
        assertThat(logger.lines)
                .containsExactly("first a", "first b", "a: 1 more like this in the last 10 s", "third b", "fourth a");
    }

    @Test
    void aThrowableIsLoggedByItsTextNeverWithAStackTrace() {
        log.warn("io", "connection from {} closed: {}", "peer", new java.io.IOException("reset"));
        assertThat(logger.lines).containsExactly("connection from peer closed: java.io.IOException: reset");
        assertThat(logger.thrown).isEmpty();
    }

    private static final class Recording extends AbstractLogger {
        private static final long serialVersionUID = 1L;
        final List<String> lines = new ArrayList<>();
        final List<Throwable> thrown = new ArrayList<>();

        Recording() {
            this.name = "test";
        }

        @Override
        protected String getFullyQualifiedCallerName() {
            return null;
        }

        @Override
        protected void handleNormalizedLoggingCall(
                Level level, Marker marker, String pattern, Object[] args, Throwable t) {
            lines.add(MessageFormatter.basicArrayFormat(pattern, args));
            if (t != null) {
                thrown.add(t);
            }
        }

        @Override
        public boolean isTraceEnabled() {
            return true;
        }

        @Override
        public boolean isTraceEnabled(Marker m) {
            return true;
        }

        @Override
        public boolean isDebugEnabled() {
            return true;
        }

        @Override
        public boolean isDebugEnabled(Marker m) {
            return true;
        }

        @Override
        public boolean isInfoEnabled() {
            return true;
        }

        @Override
        public boolean isInfoEnabled(Marker m) {
            return true;
        }

        @Override
        public boolean isWarnEnabled() {
            return true;
        }

        @Override
        public boolean isWarnEnabled(Marker m) {
            return true;
        }

        @Override
        public boolean isErrorEnabled() {
            return true;
        }

        @Override
        public boolean isErrorEnabled(Marker m) {
            return true;
        }
    }
}
