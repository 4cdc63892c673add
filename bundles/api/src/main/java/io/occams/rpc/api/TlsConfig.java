package io.occams.rpc.api;

import io.occams.rpc.api.spi.ConfigProperties;
import io.occams.rpc.api.spi.TlsContext;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * TLS settings of a server or client: where the key material is, whom to trust, and how strict to be.
 * Given to {@link ServerConfig.Builder#tls} or {@link ClientConfig.Builder#tls}; a config without it
 * speaks plaintext.
 *
 * <p><b>Key material</b>: either PEM files ({@link Builder#certificateChain} and {@link Builder#privateKey},
 * an unencrypted or encrypted PKCS#8 key) or a PKCS#12 keystore ({@link Builder#keyStore}). A server
 * needs one; a client needs one only for mutual TLS. <b>Trust</b>: a PEM file of CA certificates
 * ({@link Builder#trustedCertificates}), or the JDK's system CAs ({@link Builder#trustSystemCertificates}).
 * A server that trusts CAs requires client certificates (mutual TLS) unless {@link Builder#clientAuth}
 * says otherwise. Only TLS 1.3 and TLS 1.2 are spoken.
 *
 * <p><b>Hostname verification</b> is on for clients: the server's certificate must name the host the
 * client dialled (a DNS or IP SAN). To dial an address the certificate does not name (an IP, a Unix
 * socket, a load balancer), name the expected peer with {@link Builder#peerName}; it is also sent as
 * SNI. {@link Builder#hostnameVerification(boolean) hostnameVerification(false)} turns it off (the
 * chain is still verified).
 *
 * <p><b>Rotation</b>: the files are read when the first connection needs them and read again when they
 * change (checked at most once per {@link Builder#reloadInterval}, on the next handshake). New
 * connections use the new material; open ones keep theirs. A change that does not load (a key that no
 * longer matches the certificate while the files are being replaced) is logged and the old material
 * stays in use until the files load again.
 *
 * <p>Immutable and thread-safe; one instance shares its loaded material between all connections that
 * use it ({@link #context()}).
 *
 * <pre>{@code
 * TlsConfig server = TlsConfig.builder()
 *         .certificateChain(Path.of("server.pem")).privateKey(Path.of("server.key"))
 *         .trustedCertificates(Path.of("ca.pem"))             // and require client certificates
 *         .build();
 * TlsConfig client = TlsConfig.builder()
 *         .certificateChain(Path.of("client.pem")).privateKey(Path.of("client.key"))
 *         .trustedCertificates(Path.of("ca.pem"))
 *         .peerName("rpc.example.com")                        // the name in the server's certificate
 *         .build();
 * }</pre>
 */
public final class TlsConfig {
    /** TLS 1.3. */
    public static final String TLS_1_3 = "TLSv1.3";
    /** TLS 1.2. */
    public static final String TLS_1_2 = "TLSv1.2";

    /** Whether a server asks for client certificates. */
    public enum ClientAuth {
        /** Does not ask: every client is {@link PeerIdentity#ANONYMOUS}. */
        NONE,
        /** Asks; a client without one is anonymous, one with an untrusted one is refused. */
        OPTIONAL,
        /** Requires a trusted client certificate (mutual TLS). */
        REQUIRE
    }

    /** Which TLS implementation the Netty runtime uses; the virtual-thread runtime always uses the JDK's. */
    public enum Provider {
        /** OpenSSL (netty-tcnative) when it is present and loads, else the JDK's. */
        AUTO,
        /** The JDK's {@code SSLEngine}. */
        JDK,
        /** OpenSSL through netty-tcnative; fails when it does not load. */
        OPENSSL
    }

    private final Path certificateChain;
    private final Path privateKey;
    private final String privateKeyPassword;
    private final Path keyStore;
    private final String keyStorePassword;
    private final Path trustedCertificates;
    private final boolean trustSystemCertificates;
    private final ClientAuth clientAuth;
    private final boolean hostnameVerification;
    private final String peerName;
    private final List<String> protocols;
    private final Duration handshakeTimeout;
    private final Duration reloadInterval;
    private final Provider provider;
    /** Made on first use; see {@link #context()}. */
    private volatile TlsContext context;

    private TlsConfig(Builder b) {
        this.certificateChain = b.certificateChain;
        this.privateKey = b.privateKey;
        this.privateKeyPassword = b.privateKeyPassword;
        this.keyStore = b.keyStore;
        this.keyStorePassword = b.keyStorePassword;
        this.trustedCertificates = b.trustedCertificates;
        this.trustSystemCertificates = b.trustSystemCertificates;
        this.clientAuth = b.clientAuth;
        this.hostnameVerification = b.hostnameVerification;
        this.peerName = b.peerName;
        this.protocols = b.protocols;
        this.handshakeTimeout = b.handshakeTimeout;
        this.reloadInterval = b.reloadInterval;
        this.provider = b.provider;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from this configuration. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.certificateChain = certificateChain;
        b.privateKey = privateKey;
        b.privateKeyPassword = privateKeyPassword;
        b.keyStore = keyStore;
        b.keyStorePassword = keyStorePassword;
        b.trustedCertificates = trustedCertificates;
        b.trustSystemCertificates = trustSystemCertificates;
        b.clientAuth = clientAuth;
        b.hostnameVerification = hostnameVerification;
        b.peerName = peerName;
        b.protocols = protocols;
        b.handshakeTimeout = handshakeTimeout;
        b.reloadInterval = reloadInterval;
        b.provider = provider;
        return b;
    }

    /** Property {@value}: TLS trusting the system CAs (a boolean) when no {@link #CA} is given. */
    public static final String ENABLED = "tls";
    /** Property {@value}: the PEM certificate chain. */
    public static final String CERT = "tls.cert";
    /** Property {@value}: the PEM PKCS#8 private key. */
    public static final String KEY = "tls.key";
    /** Property {@value}: the private key's password. */
    public static final String KEY_PASSWORD = "tls.key.password";
    /** Property {@value}: a PKCS#12 keystore. */
    public static final String KEYSTORE = "tls.keystore";
    /** Property {@value}: the keystore's password. */
    public static final String KEYSTORE_PASSWORD = "tls.keystore.password";
    /** Property {@value}: the PEM CAs to trust. */
    public static final String CA = "tls.ca";
    /** Property {@value}: none, optional or require. */
    public static final String CLIENT_AUTH = "tls.clientAuth";
    /** Property {@value}: the name expected in the peer's certificate. */
    public static final String PEER_NAME = "tls.peerName";
    /** Property {@value}: a boolean. */
    public static final String HOSTNAME_VERIFICATION = "tls.hostnameVerification";
    /** Property {@value}: comma-separated. */
    public static final String PROTOCOLS = "tls.protocols";
    /** Property {@value}: a duration. */
    public static final String HANDSHAKE_TIMEOUT = "tls.handshakeTimeout";
    /** Property {@value}: a duration. */
    public static final String RELOAD_INTERVAL = "tls.reloadInterval";
    /** Property {@value}: auto, jdk or openssl. */
    public static final String PROVIDER = "tls.provider";

    /**
     * Reads the {@code tls.*} properties of a Configuration Admin table (or any map); null when none of
     * them asks for TLS. Keys: {@code tls.cert} (PEM chain), {@code tls.key} (PEM PKCS#8 key),
     * {@code tls.key.password}, {@code tls.keystore} (PKCS#12), {@code tls.keystore.password},
     * {@code tls.ca} (PEM CAs), {@code tls} ({@code true}: TLS trusting the system CAs when no
     * {@code tls.ca} is given), {@code tls.clientAuth} ({@code none}, {@code optional}, {@code require}),
     * {@code tls.peerName}, {@code tls.hostnameVerification}, {@code tls.protocols} (comma-separated),
     * {@code tls.handshakeTimeout}, {@code tls.reloadInterval} (durations), {@code tls.provider}
     * ({@code auto}, {@code jdk}, {@code openssl}).
     *
     * @throws IllegalArgumentException naming the property when a value is malformed
     */
    public static TlsConfig fromProperties(Map<String, ?> properties) {
        ConfigProperties p = new ConfigProperties(properties);
        String cert = p.string(CERT, null);
        String key = p.string(KEY, null);
        String ks = p.string(KEYSTORE, null);
        String ca = p.string(CA, null);
        boolean on = p.bool(ENABLED, false);
        if (cert == null && key == null && ks == null && ca == null && !on) {
            return null;
        }
        Builder b = builder();
        if (cert != null) {
            b.certificateChain(Path.of(cert));
        }
        if (key != null) {
            b.privateKey(Path.of(key));
        }
        b.privateKeyPassword(p.string(KEY_PASSWORD, null));
        if (ks != null) {
            b.keyStore(Path.of(ks), p.string(KEYSTORE_PASSWORD, ""));
        }
        if (ca != null) {
            b.trustedCertificates(Path.of(ca));
        } else {
            b.trustSystemCertificates(true);
        }
        String auth = p.string(CLIENT_AUTH, null);
        if (auth != null) {
            b.clientAuth(parseEnum(ClientAuth.class, CLIENT_AUTH, auth));
        }
        String prov = p.string(PROVIDER, null);
        if (prov != null) {
            b.provider(parseEnum(Provider.class, PROVIDER, prov));
        }
        b.peerName(p.string(PEER_NAME, null));
        b.hostnameVerification(p.bool(HOSTNAME_VERIFICATION, true));
        List<String> protos = p.strings(PROTOCOLS);
        if (!protos.isEmpty()) {
            b.protocols(protos.toArray(new String[0]));
        }
        p.ifDuration(HANDSHAKE_TIMEOUT, b::handshakeTimeout);
        p.ifDuration(RELOAD_INTERVAL, b::reloadInterval);
        try {
            return b.build();
        } catch (IllegalStateException e) {
            throw new IllegalArgumentException("tls.* properties: " + e.getMessage(), e);
        }
    }

    private static <E extends Enum<E>> E parseEnum(Class<E> type, String key, String value) {
        try {
            return Enum.valueOf(type, value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "property " + key + " must be one of "
                            + java.util.Arrays.toString(type.getEnumConstants()).toLowerCase(Locale.ROOT) + ": "
                            + value,
                    e);
        }
    }

    /** The PEM certificate chain (leaf first), or null. */
    public Path certificateChain() {
        return certificateChain;
    }

    /** The PEM private key (PKCS#8), or null. */
    public Path privateKey() {
        return privateKey;
    }

    /** The password of an encrypted PKCS#8 key, or null. */
    public String privateKeyPassword() {
        return privateKeyPassword;
    }

    /** The PKCS#12 keystore, or null. */
    public Path keyStore() {
        return keyStore;
    }

    /** The PKCS#12 keystore's password (also the key's), or null. */
    public String keyStorePassword() {
        return keyStorePassword;
    }

    /** The PEM file of trusted CA certificates, or null. */
    public Path trustedCertificates() {
        return trustedCertificates;
    }

    /** Whether the JDK's system CAs are trusted (when no {@link #trustedCertificates()} file is given). */
    public boolean trustSystemCertificates() {
        return trustSystemCertificates;
    }

    /** Whether this side has key material (a certificate to present). */
    public boolean hasKeyMaterial() {
        return keyStore != null || certificateChain != null;
    }

    /**
     * Whether a server asks for client certificates: as set, else {@link ClientAuth#REQUIRE} when a CA
     * file is trusted and {@link ClientAuth#NONE} otherwise.
     */
    public ClientAuth clientAuth() {
        if (clientAuth != null) {
            return clientAuth;
        }
        return trustedCertificates != null ? ClientAuth.REQUIRE : ClientAuth.NONE;
    }

    /** Whether a client checks that the server's certificate names the peer it dialled. Default true. */
    public boolean hostnameVerification() {
        return hostnameVerification;
    }

    /** The name a client expects in the server's certificate (and sends as SNI), or null: the dialled host. */
    public String peerName() {
        return peerName;
    }

    /** The enabled protocols, a non-empty subset of TLS 1.3 and TLS 1.2, in preference order. */
    public List<String> protocols() {
        return protocols;
    }

    /** How long a handshake may take before the connection is closed. Default 10 s. */
    public Duration handshakeTimeout() {
        return handshakeTimeout;
    }

    /** How often, at most, the files are checked for changes (on a handshake). Default 5 s; zero: every handshake. */
    public Duration reloadInterval() {
        return reloadInterval;
    }

    /** The TLS implementation for the Netty runtime. Default {@link Provider#AUTO}. */
    public Provider provider() {
        return provider;
    }

    /**
     * The loaded key material of this configuration, shared by every connection that uses it: what a
     * runtime makes its TLS engines from. Made (without reading any file yet) on first call.
     */
    public TlsContext context() {
        TlsContext c = context;
        if (c == null) {
            synchronized (this) {
                c = context;
                if (c == null) {
                    context = c = new TlsContext(this);
                }
            }
        }
        return c;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("TlsConfig{");
        if (certificateChain != null) {
            sb.append("cert=")
                    .append(certificateChain)
                    .append(", key=")
                    .append(privateKey)
                    .append(", ");
        }
        if (keyStore != null) {
            sb.append("keyStore=").append(keyStore).append(", ");
        }
        sb.append("trust=")
                .append(trustedCertificates != null ? trustedCertificates : trustSystemCertificates ? "system" : "none")
                .append(", clientAuth=")
                .append(clientAuth())
                .append(", protocols=")
                .append(protocols);
        if (peerName != null) {
            sb.append(", peerName=").append(peerName);
        }
        if (!hostnameVerification) {
            sb.append(", hostnameVerification=false");
        }
        return sb.append(", provider=").append(provider).append('}').toString();
    }

    /** Builds a {@link TlsConfig}; not thread-safe. */
    public static final class Builder {
        private Path certificateChain;
        private Path privateKey;
        private String privateKeyPassword;
        private Path keyStore;
        private String keyStorePassword;
        private Path trustedCertificates;
        private boolean trustSystemCertificates;
        private ClientAuth clientAuth;
        private boolean hostnameVerification = true;
        private String peerName;
        private List<String> protocols = List.of(TLS_1_3, TLS_1_2);
        private Duration handshakeTimeout = Duration.ofSeconds(10);
        private Duration reloadInterval = Duration.ofSeconds(5);
        private Provider provider = Provider.AUTO;

        private Builder() {}

        /** The PEM file with this side's certificate chain, leaf first. Needs {@link #privateKey}. */
        public Builder certificateChain(Path pem) {
            this.certificateChain = pem;
            return this;
        }

        /** The PEM file with this side's PKCS#8 private key ({@code BEGIN PRIVATE KEY} or {@code BEGIN ENCRYPTED PRIVATE KEY}). */
        public Builder privateKey(Path pem) {
            this.privateKey = pem;
            return this;
        }

        /** The password of an encrypted private key; null for none. */
        public Builder privateKeyPassword(String password) {
            this.privateKeyPassword = password;
            return this;
        }

        /** A PKCS#12 keystore with this side's key and chain (instead of PEM files); the password opens the key too. */
        public Builder keyStore(Path pkcs12, String password) {
            this.keyStore = pkcs12;
            this.keyStorePassword = password;
            return this;
        }

        /** The PEM file of the CA certificates to trust (for a server: the client CAs of mutual TLS). */
        public Builder trustedCertificates(Path pem) {
            this.trustedCertificates = pem;
            return this;
        }

        /** Trusts the JDK's system CAs (used when no {@link #trustedCertificates} file is given). */
        public Builder trustSystemCertificates(boolean trust) {
            this.trustSystemCertificates = trust;
            return this;
        }

        /** Whether a server asks for client certificates; default: REQUIRE with a CA file, else NONE. */
        public Builder clientAuth(ClientAuth auth) {
            this.clientAuth = auth;
            return this;
        }

        /** Client: check that the server's certificate names the expected peer; default true. */
        public Builder hostnameVerification(boolean verify) {
            this.hostnameVerification = verify;
            return this;
        }

        /** Client: the name expected in the server's certificate and sent as SNI; default the dialled host. */
        public Builder peerName(String name) {
            this.peerName = name == null || name.isBlank() ? null : name.trim();
            return this;
        }

        /** The protocols to enable, a subset of {@code TLSv1.3} and {@code TLSv1.2}; default both. */
        public Builder protocols(String... protocols) {
            if (protocols.length == 0) {
                throw new IllegalArgumentException("at least one protocol is needed");
            }
            for (String p : protocols) {
                if (!TLS_1_3.equals(p) && !TLS_1_2.equals(p)) {
                    throw new IllegalArgumentException("only TLSv1.3 and TLSv1.2 are supported: " + p);
                }
            }
            this.protocols = List.of(protocols);
            return this;
        }

        /** How long a handshake may take; positive; default 10 s. */
        public Builder handshakeTimeout(Duration timeout) {
            this.handshakeTimeout = ConfigValues.positive(timeout, "handshakeTimeout");
            return this;
        }

        /** How often, at most, the key files are checked for changes; zero checks on every handshake. Default 5 s. */
        public Builder reloadInterval(Duration interval) {
            Objects.requireNonNull(interval, "reloadInterval");
            if (interval.isNegative()) {
                throw new IllegalArgumentException("reloadInterval must not be negative: " + interval);
            }
            this.reloadInterval = interval;
            return this;
        }

        /** The Netty runtime's TLS implementation; default {@link Provider#AUTO}. */
        public Builder provider(Provider provider) {
            this.provider = Objects.requireNonNull(provider, "provider");
            return this;
        }

        /**
         * @throws IllegalStateException when a certificate chain comes without its key (or the reverse),
         *         or both PEM files and a keystore are given
         */
        public TlsConfig build() {
            if ((certificateChain == null) != (privateKey == null)) {
                throw new IllegalStateException("a certificate chain needs its private key and the reverse");
            }
            if (certificateChain != null && keyStore != null) {
                throw new IllegalStateException("give either PEM files or a PKCS#12 keystore, not both");
            }
            return new TlsConfig(this);
        }
    }
}
