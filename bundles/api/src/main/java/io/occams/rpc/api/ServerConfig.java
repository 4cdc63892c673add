package io.occams.rpc.api;

import io.occams.rpc.api.spi.ConfigProperties;
import java.time.Duration;
import java.util.Map;

/**
 * Settings of a server and its connections. Defaults follow the Rust seed (spec §6.1) where it has
 * them. Immutable; build with {@link #builder()}, or from Configuration Admin style properties with
 * {@link #fromProperties}: the property names are the constants below (those a client has too are the
 * same constants as {@link ClientConfig}'s) and the {@code tls.*} keys of {@link TlsConfig#fromProperties}.
 */
public final class ServerConfig {
    /** Property {@value}: {@link #readTimeout()}, a duration. */
    public static final String READ_TIMEOUT = ClientConfig.READ_TIMEOUT;
    /** Property {@value}: {@link #writeTimeout()}, a duration. */
    public static final String WRITE_TIMEOUT = ClientConfig.WRITE_TIMEOUT;
    /** Property {@value}: {@link #idleTimeout()}, a duration. */
    public static final String IDLE_TIMEOUT = ClientConfig.IDLE_TIMEOUT;
    /** Property {@value}: {@link #serverCloseWait()}, a duration. */
    public static final String SERVER_CLOSE_WAIT = "serverCloseWait";
    /** Property {@value}: {@link #swapGrace()}, a duration. */
    public static final String SWAP_GRACE = "swapGrace";
    /** Property {@value}: {@link #maxFrameBytes()}, an int. */
    public static final String MAX_FRAME_BYTES = ClientConfig.MAX_FRAME_BYTES;
    /** Property {@value}: {@link #maxActionBytes()}, an int. */
    public static final String MAX_ACTION_BYTES = "maxActionBytes";
    /** Property {@value}: {@link #maxCallsPerConnection()}, an int. */
    public static final String MAX_CALLS_PER_CONNECTION = "maxCallsPerConnection";
    /** Property {@value}: {@link #maxCallsPerServer()}, an int. */
    public static final String MAX_CALLS_PER_SERVER = "maxCallsPerServer";
    /** Property {@value}: {@link #maxConnections()}, an int. */
    public static final String MAX_CONNECTIONS = ClientConfig.MAX_CONNECTIONS;
    /** Property {@value}: {@link #maxConnectionsPerAddress()}, an int. */
    public static final String MAX_CONNECTIONS_PER_ADDRESS = "maxConnectionsPerAddress";
    /** Property {@value}: {@link #firstFrameTimeout()}, a duration. */
    public static final String FIRST_FRAME_TIMEOUT = "firstFrameTimeout";

    /** Every setting, in one object (see {@link ConfigValues}). */
    private final Values v;

    private ServerConfig(Values v) {
        this.v = v;
    }

    public static ServerConfig defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder(new Values());
    }

    /**
     * The configuration that {@code properties} describe, as Configuration Admin delivers them (typed
     * values or strings; durations as {@link ConfigProperties} reads them): the keys named by this class's
     * constants and the {@code tls.*} keys of {@link TlsConfig#fromProperties}. Absent keys keep the
     * defaults; other keys are ignored (a component's own, such as {@code port}).
     *
     * @throws IllegalArgumentException naming the property when a value is malformed or out of range
     * @since 0.3
     */
    public static ServerConfig fromProperties(Map<String, ?> properties) {
        ConfigProperties p = new ConfigProperties(properties);
        Builder b = builder();
        b.v.readShared(p);
        p.ifDuration(SERVER_CLOSE_WAIT, b::serverCloseWait);
        p.ifDuration(SWAP_GRACE, b::swapGrace);
        p.ifInteger(MAX_ACTION_BYTES, b::maxActionBytes);
        p.ifInteger(MAX_CALLS_PER_CONNECTION, b::maxCallsPerConnection);
        p.ifInteger(MAX_CALLS_PER_SERVER, b::maxCallsPerServer);
        p.ifInteger(MAX_CONNECTIONS_PER_ADDRESS, b::maxConnectionsPerAddress);
        p.ifDuration(FIRST_FRAME_TIMEOUT, b::firstFrameTimeout);
        b.tls(TlsConfig.fromProperties(properties));
        return b.build();
    }

    /**
     * A builder starting from this configuration.
     *
     * @since 0.2
     */
    public Builder toBuilder() {
        return new Builder((Values) v.copy());
    }

    /** How long the rest of a request may take once its header arrived. Default 5 s. */
    public Duration readTimeout() {
        return v.readTimeout;
    }

    /** How long a write may stay blocked. Default 5 s. */
    public Duration writeTimeout() {
        return v.writeTimeout;
    }

    /** How long a connection may wait for its next request before the server closes it. Default 120 s. */
    public Duration idleTimeout() {
        return v.idleTimeout;
    }

    /** How long a graceful shutdown waits for accepted calls to be answered. Default 90 s. */
    public Duration serverCloseWait() {
        return v.serverCloseWait;
    }

    /** How long a call waits for a replacement when the last provider of its service left. Default 5 s. */
    public Duration swapGrace() {
        return v.swapGrace;
    }

    /** The largest msg or blob accepted in one request. Default 16 MiB. */
    public int maxFrameBytes() {
        return v.maxFrameBytes;
    }

    /** The longest string action accepted. Default 1024 bytes. */
    public int maxActionBytes() {
        return v.maxActionBytes;
    }

    /**
     * How many calls of one connection may be dispatched and unanswered at once; past it the server
     * stops reading from that connection until some are answered (back-pressure). Default 4096.
     */
    public int maxCallsPerConnection() {
        return v.maxCallsPerConnection;
    }

    /**
     * How many calls of all connections together may be dispatched and unanswered at once; past it the
     * server stops reading from each connection that brings more, until answers bring the total down to
     * three quarters of it (back-pressure: no accepted call is ever refused). Default 65536.
     *
     * @since 0.2
     */
    public int maxCallsPerServer() {
        return v.maxCallsPerServer;
    }

    /**
     * How many connections the server keeps open at once; one accepted beyond it is closed at once.
     * Default 20000.
     *
     * @since 0.2
     */
    public int maxConnections() {
        return v.maxConnections;
    }

    /**
     * How many connections one remote host (one IP address; Unix sockets are not counted) may keep open
     * at once; one accepted beyond it is closed at once. Default 1024.
     *
     * @since 0.2
     */
    public int maxConnectionsPerAddress() {
        return v.maxConnectionsPerAddress;
    }

    /**
     * How long a new connection may take to send its first complete frame (a request or a ping) before
     * the server closes it: a peer that connects and sends nothing holds a connection slot for free.
     * Checked by the server's one-second sweep. Default 30 s.
     *
     * @since 0.2
     */
    public Duration firstFrameTimeout() {
        return v.firstFrameTimeout;
    }

    /**
     * TLS for every listener of the server, or null (the default) for plaintext. With trusted CAs in it,
     * clients must present certificates (mutual TLS).
     *
     * @since 0.2
     */
    public TlsConfig tls() {
        return v.tls;
    }

    /** The server's own settings beside the shared ones, with their defaults. */
    private static final class Values extends ConfigValues {
        Duration serverCloseWait = Duration.ofSeconds(90);
        Duration swapGrace = Duration.ofSeconds(5);
        int maxActionBytes = 1024;
        int maxCallsPerConnection = 4096;
        int maxCallsPerServer = 65536;
        int maxConnectionsPerAddress = 1024;
        Duration firstFrameTimeout = Duration.ofSeconds(30);

        Values() {
            super(20_000);
        }
    }

    /** Builds a {@link ServerConfig}; not thread-safe. */
    public static final class Builder {
        private final Values v;

        private Builder(Values v) {
            this.v = v;
        }

        /** TLS for the listeners; null for plaintext (the default). It needs key material. */
        public Builder tls(TlsConfig tls) {
            if (tls != null && !tls.hasKeyMaterial()) {
                throw new IllegalArgumentException("a TLS server needs a certificate and key (or a keystore)");
            }
            v.tls = tls;
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

        public Builder serverCloseWait(Duration d) {
            v.serverCloseWait = ConfigValues.positive(d, SERVER_CLOSE_WAIT);
            return this;
        }

        public Builder swapGrace(Duration d) {
            if (d.isNegative()) {
                throw new IllegalArgumentException("swapGrace must be >= 0: " + d);
            }
            v.swapGrace = d;
            return this;
        }

        public Builder maxFrameBytes(int n) {
            v.maxFrameBytes(n);
            return this;
        }

        public Builder maxActionBytes(int n) {
            if (n < 1) { // (an int is never above 0x7FFF_FFFF: Error Prone's ComparisonOutOfRange)
                throw new IllegalArgumentException("maxActionBytes out of range: " + n);
            }
            v.maxActionBytes = n;
            return this;
        }

        public Builder maxCallsPerConnection(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("maxCallsPerConnection must be >= 1: " + n);
            }
            v.maxCallsPerConnection = n;
            return this;
        }

        /** @since 0.2 */
        public Builder maxCallsPerServer(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("maxCallsPerServer must be >= 1: " + n);
            }
            v.maxCallsPerServer = n;
            return this;
        }

        /** @since 0.2 */
        public Builder maxConnections(int n) {
            v.maxConnections(n);
            return this;
        }

        public Builder maxConnectionsPerAddress(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("maxConnectionsPerAddress must be >= 1: " + n);
            }
            v.maxConnectionsPerAddress = n;
            return this;
        }

        public Builder firstFrameTimeout(Duration d) {
            v.firstFrameTimeout = ConfigValues.positive(d, FIRST_FRAME_TIMEOUT);
            return this;
        }

        public ServerConfig build() {
            return new ServerConfig((Values) v.copy());
        }
    }
}
