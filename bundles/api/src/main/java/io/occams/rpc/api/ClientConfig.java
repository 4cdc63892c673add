package io.occams.rpc.api;

import io.occams.rpc.api.spi.ConfigProperties;
import java.time.Duration;
import java.util.Map;

/**
 * Settings of a client connection ({@code ClientStream}) and of the pools built on it. Defaults follow
 * the Rust seed (spec §5.6). Immutable; build with {@link #builder()}.
 *
 * <pre>{@code
 * ClientConfig cfg = ClientConfig.builder().taskTimeout(Duration.ofSeconds(5)).thresholds(256).build();
 * ClientConfig same = ClientConfig.fromProperties(Map.of(ClientConfig.TASK_TIMEOUT, "5s", ClientConfig.THRESHOLDS, 256));
 * }</pre>
 *
 * <p>The property names (the constants below, and the {@code tls.*} keys of
 * {@link TlsConfig#fromProperties}) are those of the pool bundle's Configuration Admin table; the
 * component there and the command line both read them through {@link #fromProperties}, the one place
 * they are parsed.
 */
public final class ClientConfig {
    /** 16 MiB: the default bound on any one frame's msg, blob or error body. */
    public static final int DEFAULT_MAX_FRAME_BYTES = 16 << 20;

    /** Property {@value}: {@link #taskTimeout()}, a duration. */
    public static final String TASK_TIMEOUT = "taskTimeout";
    /** Property {@value}: {@link #readTimeout()}, a duration; the same name for servers. */
    public static final String READ_TIMEOUT = "readTimeout";
    /** Property {@value}: {@link #writeTimeout()}, a duration; the same name for servers. */
    public static final String WRITE_TIMEOUT = "writeTimeout";
    /** Property {@value}: {@link #idleTimeout()}, a duration; the same name for servers. */
    public static final String IDLE_TIMEOUT = "idleTimeout";
    /** Property {@value}: {@link #connectTimeout()}, a duration. */
    public static final String CONNECT_TIMEOUT = "connectTimeout";
    /** Property {@value}: {@link #thresholds()}, an int. */
    public static final String THRESHOLDS = "thresholds";
    /** Property {@value}: {@link #maxFrameBytes()}, an int; the same name for servers. */
    public static final String MAX_FRAME_BYTES = "maxFrameBytes";
    /** Property {@value}: {@link #clientId()}, a long. */
    public static final String CLIENT_ID = "clientId";
    /** Property {@value}: {@link #maxConnections()}, an int; the same name for servers. */
    public static final String MAX_CONNECTIONS = "maxConnections";

    /** Every setting, in one object (see {@link ConfigValues}). */
    private final Values v;

    private ClientConfig(Values v) {
        this.v = v;
    }

    public static ClientConfig defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder(new Values());
    }

    /**
     * The configuration that {@code properties} describe, as Configuration Admin delivers them (typed
     * values or strings; durations as {@link ConfigProperties} reads them): the keys named by this class's
     * constants and the {@code tls.*} keys of {@link TlsConfig#fromProperties}. Absent keys keep the
     * defaults; other keys are ignored (a component's own, such as {@code addresses}).
     *
     * @throws IllegalArgumentException naming the property when a value is malformed or out of range
     * @since 0.3
     */
    public static ClientConfig fromProperties(Map<String, ?> properties) {
        ConfigProperties p = new ConfigProperties(properties);
        Builder b = builder();
        p.ifDuration(TASK_TIMEOUT, b::taskTimeout);
        p.ifDuration(CONNECT_TIMEOUT, b::connectTimeout);
        p.ifInteger(THRESHOLDS, b::thresholds);
        String id = p.string(CLIENT_ID, null);
        if (id != null) {
            b.clientId(Long.parseLong(id));
        }
        b.v.readShared(p);
        b.tls(TlsConfig.fromProperties(properties));
        return b.build();
    }

    /** A builder starting from this configuration. */
    public Builder toBuilder() {
        return new Builder((Values) v.copy());
    }

    /** How long a call may wait for its reply before it fails with {@code rpc_timeout}; swept once a second. Default 20 s. */
    public Duration taskTimeout() {
        return v.taskTimeout;
    }

    /** How long the rest of a frame may take once its header arrived. Default 5 s. */
    public Duration readTimeout() {
        return v.readTimeout;
    }

    /** How long a write may stay blocked. Default 5 s. */
    public Duration writeTimeout() {
        return v.writeTimeout;
    }

    /** How long a pooled connection may stay unused before the pool closes it. Default 120 s. */
    public Duration idleTimeout() {
        return v.idleTimeout;
    }

    /** How long a connect may take. Default 10 s. */
    public Duration connectTimeout() {
        return v.connectTimeout;
    }

    /** The sliding window: how many calls one connection keeps in flight before the sender waits. Default 128. */
    public int thresholds() {
        return v.thresholds;
    }

    /** The largest msg, blob or error body accepted in one frame. Default 16 MiB. */
    public int maxFrameBytes() {
        return v.maxFrameBytes;
    }

    /** The client id written into every request header. Default 0. */
    public long clientId() {
        return v.clientId;
    }

    /** The most connections a pool opens to one address. Default 8. */
    public int maxConnections() {
        return v.maxConnections;
    }

    /**
     * TLS for every connection, or null (the default) for plaintext.
     *
     * @since 0.2
     */
    public TlsConfig tls() {
        return v.tls;
    }

    @Override
    public String toString() {
        return "ClientConfig{taskTimeout=" + v.taskTimeout + ", readTimeout=" + v.readTimeout + ", writeTimeout="
                + v.writeTimeout
                + ", idleTimeout=" + v.idleTimeout + ", connectTimeout=" + v.connectTimeout + ", thresholds="
                + v.thresholds
                + ", maxFrameBytes=" + v.maxFrameBytes + ", clientId=" + v.clientId + ", maxConnections="
                + v.maxConnections
                + (v.tls == null ? "" : ", tls=" + v.tls) + "}";
    }

    /** The client's own settings beside the shared ones, with their defaults. */
    private static final class Values extends ConfigValues {
        Duration taskTimeout = Duration.ofSeconds(20);
        Duration connectTimeout = Duration.ofSeconds(10);
        int thresholds = 128;
        long clientId;

        Values() {
            super(8);
        }
    }

    /** Builds a {@link ClientConfig}; not thread-safe. */
    public static final class Builder {
        private final Values v;

        private Builder(Values v) {
            this.v = v;
        }

        /** TLS for the connections; null for plaintext (the default). */
        public Builder tls(TlsConfig tls) {
            v.tls = tls;
            return this;
        }

        public Builder taskTimeout(Duration d) {
            v.taskTimeout = ConfigValues.positive(d, TASK_TIMEOUT);
            return this;
        }

        public Builder readTimeout(Duration d) {
            v.readTimeout(d);
            return this;
        }

        public Builder writeTimeout(Duration d) {
            v.writeTimeout(d);
            return this;
        }

        public Builder idleTimeout(Duration d) {
            v.idleTimeout(d);
            return this;
        }

        public Builder connectTimeout(Duration d) {
            v.connectTimeout = ConfigValues.positive(d, CONNECT_TIMEOUT);
            return this;
        }

        /** The in-flight window; 0 means the default 128, as in the seed. */
        public Builder thresholds(int n) {
            if (n < 0) {
                throw new IllegalArgumentException("thresholds must be >= 0: " + n);
            }
            v.thresholds = n == 0 ? 128 : n;
            return this;
        }

        public Builder maxFrameBytes(int n) {
            v.maxFrameBytes(n);
            return this;
        }

        public Builder clientId(long id) {
            v.clientId = id;
            return this;
        }

        public Builder maxConnections(int n) {
            v.maxConnections(n);
            return this;
        }

        public ClientConfig build() {
            return new ClientConfig((Values) v.copy());
        }
    }
}
