package io.occams.rpc.api;

import io.occams.rpc.api.spi.ConfigProperties;
import java.time.Duration;
import java.util.Objects;

/**
 * The values of one {@link ClientConfig} or {@link ServerConfig}: the settings both have (the read, write
 * and idle timeouts, the frame limit, the connection bound, TLS) with their checks and their property
 * names, here once; each config adds its own settings in a subclass of its own.
 *
 * <p>A builder fills one of these, {@code build()} gives the config a {@link #copy() copy}, and
 * {@code toBuilder()} gives a new builder a copy of that: every field goes across in one step, so a
 * setting added later cannot be left out of either copy (as four limits once were, when both configs
 * and their builders listed every field again). Every field holds an immutable value, so the shallow
 * copy is a whole one.
 *
 * <p>Package-private: not API. Not thread-safe; a config's copy is never written after {@code build()}.
 */
abstract class ConfigValues implements Cloneable {
    Duration readTimeout = Duration.ofSeconds(5);
    Duration writeTimeout = Duration.ofSeconds(5);
    Duration idleTimeout = Duration.ofSeconds(120);
    int maxFrameBytes = ClientConfig.DEFAULT_MAX_FRAME_BYTES;
    int maxConnections;
    TlsConfig tls;

    /** @param maxConnections the side's default connection bound (a client's per address, a server's in all) */
    ConfigValues(int maxConnections) {
        this.maxConnections = maxConnections;
    }

    final void readTimeout(Duration d) {
        this.readTimeout = positive(d, ClientConfig.READ_TIMEOUT);
    }

    final void writeTimeout(Duration d) {
        this.writeTimeout = positive(d, ClientConfig.WRITE_TIMEOUT);
    }

    final void idleTimeout(Duration d) {
        this.idleTimeout = positive(d, ClientConfig.IDLE_TIMEOUT);
    }

    final void maxFrameBytes(int n) {
        if (n < 64) {
            throw new IllegalArgumentException("maxFrameBytes must be >= 64: " + n);
        }
        this.maxFrameBytes = n;
    }

    final void maxConnections(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("maxConnections must be >= 1: " + n);
        }
        this.maxConnections = n;
    }

    /** Sets each shared setting whose property is present in {@code p} (same name, same parsing on both sides). */
    final void readShared(ConfigProperties p) {
        p.ifDuration(ClientConfig.READ_TIMEOUT, this::readTimeout);
        p.ifDuration(ClientConfig.WRITE_TIMEOUT, this::writeTimeout);
        p.ifDuration(ClientConfig.IDLE_TIMEOUT, this::idleTimeout);
        p.ifInteger(ClientConfig.MAX_FRAME_BYTES, this::maxFrameBytes);
        p.ifInteger(ClientConfig.MAX_CONNECTIONS, this::maxConnections);
    }

    /** A copy of every field, this class's and the subclass's. */
    final ConfigValues copy() {
        try {
            return (ConfigValues) clone();
        } catch (CloneNotSupportedException e) {
            throw new AssertionError("ConfigValues is Cloneable", e);
        }
    }

    static Duration positive(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive: " + d);
        }
        return d;
    }
}
