package io.occams.rpc.api;

import io.occams.rpc.api.spi.ConfigProperties;
import java.time.Duration;
import java.util.function.Consumer;
import java.util.function.IntConsumer;

/**
 * The properties that {@link ClientConfig} and {@link ServerConfig} share (the same name, the same
 * meaning, the same parsing), read in this one place for both.
 */
final class SharedProperties {
    private SharedProperties() {}

    /** Gives each of the shared properties present in {@code p} to its setter. */
    static void read(
            ConfigProperties p,
            Consumer<Duration> readTimeout,
            Consumer<Duration> writeTimeout,
            Consumer<Duration> idleTimeout,
            IntConsumer maxFrameBytes,
            IntConsumer maxConnections) {
        p.ifDuration(ClientConfig.READ_TIMEOUT, readTimeout);
        p.ifDuration(ClientConfig.WRITE_TIMEOUT, writeTimeout);
        p.ifDuration(ClientConfig.IDLE_TIMEOUT, idleTimeout);
        p.ifInteger(ClientConfig.MAX_FRAME_BYTES, maxFrameBytes);
        p.ifInteger(ClientConfig.MAX_CONNECTIONS, maxConnections);
    }
}
