package io.occams.rpc.api.spi;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.occams.rpc.api.RpcAddress;
import io.occams.rpc.api.TlsConfig;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.Certificate;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Enumeration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Cipher;
import javax.crypto.EncryptedPrivateKeyInfo;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The key material of one {@link TlsConfig}, loaded and kept current: what a {@link Runtime} makes TLS
 * engines from. Get it with {@link TlsConfig#context()}; every connection of that config shares it.
 *
 * <p>{@link #material()} reads the files on first use and reads them again when they changed (checked
 * at most once per {@link TlsConfig#reloadInterval()}): certificate rotation. A change that does not
 * load (say, the new certificate is in place and its key is not yet) keeps the old material, so that
 * handshakes go on; the next check tries again. The JDK's {@link SSLContext} is made from it for the
 * virtual-thread runtime and for Netty's JDK provider; Netty's OpenSSL provider takes the
 * {@link Material#keyManagers()} and {@link Material#trustManagers()}.
 *
 * <p>{@link #describe(Throwable)} turns a failed handshake into the short reason a log line gives
 * (plaintext peer, unknown CA, expired certificate, timeout, ...). Thread-safe.
 */
@ProviderType
public final class TlsContext {
    private static final System.Logger LOG = System.getLogger(TlsContext.class.getName());
    private static final Pattern PEM = Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----([^-]*)-----END \\1-----");
    private static final char[] NO_PASSWORD = new char[0];

    private final TlsConfig config;
    private final ReentrantLock lock = new ReentrantLock();
    /** The material in use; replaced under lock, read without it. */
    private volatile Material material;
    /** When the files were last compared with {@link Material#stamp}; written under lock, read without. */
    private volatile long checkedAt;
    /** The stamp of files that failed to load, so that they are reported once, not on every check. */
    @GuardedBy("lock")
    private List<Object> failedStamp;

    /** The context of {@code config}; reads nothing yet. Prefer {@link TlsConfig#context()}, which shares one. */
    public TlsContext(TlsConfig config) {
        this.config = Objects.requireNonNull(config, "config");
    }

    /** The configuration this context loads. */
    public TlsConfig config() {
        return config;
    }

    /**
     * The current key material: loaded on first call, reloaded when the files changed since.
     *
     * @throws SSLException when the files were never loaded and do not load now (the message says why)
     */
    public Material material() throws SSLException {
        Material m = material;
        if (m != null && System.nanoTime() - checkedAt < config.reloadInterval().toNanos()) {
            return m;
        }
        lock.lock();
        try {
            m = material;
            long now = System.nanoTime();
            if (m != null && now - checkedAt < config.reloadInterval().toNanos()) {
                return m;
            }
            List<Object> stamp = stamp();
            checkedAt = now;
            if (m != null && (stamp.equals(m.stamp) || stamp.equals(failedStamp))) {
                return m;
            }
            Material loaded;
            try {
                loaded = load(stamp, m == null ? 1 : m.generation + 1);
            } catch (IOException | GeneralSecurityException | RuntimeException e) {
                if (m == null) {
                    throw new SSLException("cannot load the TLS key material of " + config + ": " + e.getMessage(), e);
                }
                failedStamp = stamp;
                LOG.log(
                        System.Logger.Level.WARNING,
                        "TLS key material changed but does not load ({0}); keeping the previous one",
                        e.toString());
                return m;
            }
            failedStamp = null;
            if (m != null) {
                LOG.log(
                        System.Logger.Level.INFO,
                        "TLS key material reloaded (generation {0}): {1}",
                        loaded.generation,
                        loaded.describe());
            }
            material = loaded;
            return loaded;
        } finally {
            lock.unlock();
        }
    }

    /**
     * A new engine for the client end of a connection to {@code address}: client mode, the configured
     * protocols, hostname verification (against {@link TlsConfig#peerName()} or the dialled host) and SNI.
     */
    public SSLEngine newClientEngine(RpcAddress address) throws SSLException {
        String host = peerHost(address);
        SSLEngine e = material().sslContext().createSSLEngine(host, address.isUnix() ? -1 : address.port());
        e.setUseClientMode(true);
        configureClient(e, host);
        return e;
    }

    /** A new engine for the server end of an accepted connection: server mode, protocols, client auth. */
    public SSLEngine newServerEngine() throws SSLException {
        SSLEngine e = material().sslContext().createSSLEngine();
        e.setUseClientMode(false);
        configureServer(e);
        return e;
    }

    /**
     * Applies protocols, hostname verification and SNI to a client engine (of any provider), and
     * offers AES-128-GCM first ({@link #fastFirst}).
     */
    public void configureClient(SSLEngine e, String host) {
        SSLParameters p = e.getSSLParameters();
        p.setProtocols(config.protocols().toArray(new String[0]));
        p.setCipherSuites(fastFirst(p.getCipherSuites()));
        if (config.hostnameVerification()) {
            p.setEndpointIdentificationAlgorithm("HTTPS");
        }
        if (host != null && !isIpLiteral(host)) {
            try {
                p.setServerNames(List.of(new SNIHostName(host)));
            } catch (IllegalArgumentException notAHostName) {
                // e.g. "localhost." or an odd name: no SNI, verification still uses the name
            }
        }
        e.setSSLParameters(p);
    }

    /**
     * Applies protocols and client auth to a server engine (of any provider), and makes it choose by
     * its own order of cipher suites, AES-128-GCM first ({@link #fastFirst}).
     */
    public void configureServer(SSLEngine e) {
        SSLParameters p = e.getSSLParameters();
        p.setProtocols(config.protocols().toArray(new String[0]));
        p.setCipherSuites(fastFirst(p.getCipherSuites()));
        p.setUseCipherSuitesOrder(true);
        switch (config.clientAuth()) {
            case REQUIRE -> p.setNeedClientAuth(true);
            case OPTIONAL -> p.setWantClientAuth(true);
            default -> {
                p.setNeedClientAuth(false);
                p.setWantClientAuth(false);
            }
        }
        e.setSSLParameters(p);
    }

    /**
     * The AES-128-GCM suites, in the order they are moved to the front of the enabled ones: the JDK
     * offers AES-256 first; AES-128 is as safe for this purpose and, in BoringSSL, about 15% cheaper per
     * byte (10 rounds instead of 14), which bulk transfers (blobs) feel.
     */
    private static final List<String> FAST = List.of(
            "TLS_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");

    /**
     * {@code enabled} with the AES-128-GCM suites it holds moved to the front (per protocol version: the
     * TLS 1.3 suite first, then the TLS 1.2 ones), the rest in their order; nothing added or removed.
     */
    static String[] fastFirst(String[] enabled) {
        if (enabled == null) {
            return null;
        }
        List<String> all = List.of(enabled);
        List<String> out = new ArrayList<>(enabled.length);
        for (String f : FAST) {
            if (all.contains(f)) {
                out.add(f);
            }
        }
        for (String c : enabled) {
            if (!FAST.contains(c)) {
                out.add(c);
            }
        }
        return out.toArray(new String[0]);
    }

    /** The name a client verifies and sends as SNI: {@link TlsConfig#peerName()}, else the dialled host ({@code localhost} for a Unix socket). */
    public String peerHost(RpcAddress address) {
        if (config.peerName() != null) {
            return config.peerName();
        }
        return address.isUnix() ? "localhost" : address.host();
    }

    private static boolean isIpLiteral(String host) {
        return host.indexOf(':') >= 0 || host.matches("[0-9.]+");
    }

    /**
     * The reason a handshake failed, for a log line: {@code "not a TLS peer (plaintext on one side)"},
     * {@code "certificate from an unknown CA"}, {@code "expired certificate"}, {@code "handshake timed out"},
     * {@code "no client certificate"}, {@code "certificate does not name the expected peer"},
     * {@code "peer sent alert <name>"}, {@code "peer closed the connection during the handshake"}, or the
     * exception itself when none of these.
     */
    public static String describe(Throwable failure) {
        String alert = null;
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String msg = String.valueOf(t.getMessage());
            String cls = t.getClass().getSimpleName();
            if (t instanceof CertificateExpiredException
                    || msg.contains("validity check failed") && msg.contains("expired")) {
                return "expired certificate";
            }
            if (t instanceof CertificateNotYetValidException) {
                return "certificate not yet valid";
            }
            if (t instanceof TimeoutException || cls.contains("Timeout") || msg.contains("handshake timed out")) {
                return "handshake timed out";
            }
            if (cls.equals("NotSslRecordException")
                    || msg.contains("Unsupported or unrecognized SSL message")
                    || msg.contains("not an SSL/TLS record")
                    || msg.contains("WRONG_VERSION_NUMBER")
                    || msg.contains("HTTP_REQUEST")
                    || msg.contains("Invalid TLS record")
                    || msg.contains("plaintext connection?")) {
                return "not a TLS peer (plaintext on one side)";
            }
            if (t instanceof CertPathBuilderException
                    || msg.contains("unable to find valid certification path")
                    || msg.contains("unable to get local issuer")
                    || msg.contains("CERTIFICATE_VERIFY_FAILED")) {
                return "certificate from an unknown CA";
            }
            if (t instanceof CertPathValidatorException && msg.contains("expired")) {
                return "expired certificate";
            }
            if (msg.contains("No subject alternative") || msg.contains("No name matching")) {
                return "certificate does not name the expected peer (hostname verification; see tls.peerName)";
            }
            if (msg.contains("Empty client certificate chain")
                    || msg.contains("certificate_required")
                    || msg.contains("PEER_DID_NOT_RETURN_A_CERTIFICATE")) {
                return "no client certificate (mutual TLS required)";
            }
            if (alert == null && msg.contains("Received fatal alert: ")) {
                alert = "peer sent alert "
                        + msg.substring(msg.indexOf("Received fatal alert: ") + 22)
                                .trim();
            }
            if (msg.contains("Remote host terminated the handshake")
                    || msg.contains("closed during the handshake")
                    || cls.equals("ClosedChannelException")
                    || msg.contains("Connection reset")
                    || msg.contains("closed already")
                    || msg.contains("handshake was in progress")) {
                return alert != null ? alert : "peer closed the connection during the handshake";
            }
        }
        return alert != null ? alert : String.valueOf(failure);
    }

    // ------------------------------------------------------------------ loading

    private List<Object> stamp() {
        List<Object> s = new ArrayList<>();
        for (Path p : new Path[] {
            config.certificateChain(), config.privateKey(), config.keyStore(), config.trustedCertificates()
        }) {
            if (p == null) {
                s.add(null);
                continue;
            }
            try {
                BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
                s.add(List.of(String.valueOf(a.fileKey()), a.lastModifiedTime().toMillis(), a.size()));
            } catch (IOException e) {
                s.add("missing");
            }
        }
        return s;
    }

    private Material load(List<Object> stamp, long generation) throws IOException, GeneralSecurityException {
        KeyManagerFactory kmf = null;
        X509Certificate leaf = null;
        if (config.keyStore() != null) {
            char[] pw = config.keyStorePassword() == null
                    ? NO_PASSWORD
                    : config.keyStorePassword().toCharArray();
            KeyStore ks = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(config.keyStore())) {
                ks.load(in, pw);
            }
            for (Enumeration<String> aliases = ks.aliases(); aliases.hasMoreElements(); ) {
                String alias = aliases.nextElement();
                if (ks.isKeyEntry(alias) && ks.getCertificate(alias) instanceof X509Certificate c) {
                    leaf = c;
                    break;
                }
            }
            if (leaf == null) {
                throw new GeneralSecurityException(config.keyStore() + " holds no private key with a certificate");
            }
            kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, pw);
        } else if (config.certificateChain() != null) {
            List<X509Certificate> chain = readCertificates(config.certificateChain());
            if (chain.isEmpty()) {
                throw new GeneralSecurityException(config.certificateChain() + " holds no certificate");
            }
            PrivateKey key = readPrivateKey(config.privateKey(), config.privateKeyPassword());
            leaf = chain.get(0);
            checkKeyMatches(key, leaf.getPublicKey());
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry("key", key, NO_PASSWORD, chain.toArray(new Certificate[0]));
            kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, NO_PASSWORD);
        }
        TrustManagerFactory tmf = null;
        if (config.trustedCertificates() != null) {
            List<X509Certificate> cas = readCertificates(config.trustedCertificates());
            if (cas.isEmpty()) {
                throw new GeneralSecurityException(config.trustedCertificates() + " holds no certificate");
            }
            KeyStore ts = KeyStore.getInstance("PKCS12");
            ts.load(null, null);
            for (int i = 0; i < cas.size(); i++) {
                ts.setCertificateEntry("ca-" + i, cas.get(i));
            }
            tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ts);
        } else if (config.trustSystemCertificates()) {
            tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init((KeyStore) null);
        }
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf == null ? null : tmf.getTrustManagers(), null);
        return new Material(generation, stamp, ctx, kmf, tmf, leaf);
    }

    /** Reads every {@code CERTIFICATE} block of a PEM file (other blocks are skipped). */
    public static List<X509Certificate> readCertificates(Path pem) throws IOException, GeneralSecurityException {
        CertificateFactory cf = CertificateFactory.getInstance("X.509");
        List<X509Certificate> out = new ArrayList<>();
        for (byte[] der : pemBlocks(pem, "CERTIFICATE")) {
            Collection<? extends Certificate> certs = cf.generateCertificates(new ByteArrayInputStream(der));
            for (Certificate c : certs) {
                out.add((X509Certificate) c);
            }
        }
        return out;
    }

    /** Reads a PKCS#8 private key ({@code PRIVATE KEY}, or {@code ENCRYPTED PRIVATE KEY} with a password). */
    public static PrivateKey readPrivateKey(Path pem, String password) throws IOException, GeneralSecurityException {
        String text = Files.readString(pem, StandardCharsets.US_ASCII);
        Matcher m = PEM.matcher(text);
        while (m.find()) {
            String type = m.group(1);
            byte[] der = Base64.getMimeDecoder().decode(m.group(2).trim());
            if (type.equals("PRIVATE KEY")) {
                return pkcs8(new PKCS8EncodedKeySpec(der));
            }
            if (type.equals("ENCRYPTED PRIVATE KEY")) {
                if (password == null) {
                    throw new GeneralSecurityException(pem + " holds an encrypted key and no password was given");
                }
                EncryptedPrivateKeyInfo info = new EncryptedPrivateKeyInfo(der);
                String alg = info.getAlgName();
                if (alg.equals("PBES2") || alg.startsWith("1.2.840.113549.1.5.13")) {
                    alg = info.getAlgParameters().toString();
                }
                SecretKeyFactory skf = SecretKeyFactory.getInstance(alg);
                Key pbe = skf.generateSecret(new PBEKeySpec(password.toCharArray()));
                Cipher cipher = Cipher.getInstance(alg);
                cipher.init(Cipher.DECRYPT_MODE, pbe, info.getAlgParameters());
                return pkcs8(info.getKeySpec(cipher));
            }
            if (type.endsWith("PRIVATE KEY")) {
                throw new GeneralSecurityException(
                        pem + " holds a " + type + " (PKCS#1 or SEC1); convert it to PKCS#8: "
                                + "openssl pkcs8 -topk8 -nocrypt -in old.key -out new.key");
            }
        }
        throw new GeneralSecurityException(pem + " holds no PRIVATE KEY block");
    }

    private static PrivateKey pkcs8(PKCS8EncodedKeySpec spec) throws GeneralSecurityException {
        for (String alg : new String[] {"RSA", "EC", "Ed25519", "Ed448", "RSASSA-PSS", "DSA"}) {
            try {
                return KeyFactory.getInstance(alg).generatePrivate(spec);
            } catch (InvalidKeySpecException | java.security.NoSuchAlgorithmException e) {
                // try the next algorithm
            }
        }
        throw new InvalidKeySpecException("not an RSA, EC, EdDSA or DSA PKCS#8 key");
    }

    /** Signs and verifies a probe: a key that does not belong to the certificate (mid-rotation) fails here, not in handshakes. */
    private static void checkKeyMatches(PrivateKey key, PublicKey pub) throws GeneralSecurityException {
        String alg = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "Ed448", "EdDSA" -> key.getAlgorithm();
            default -> null;
        };
        if (alg == null) {
            return;
        }
        byte[] probe = "occams".getBytes(StandardCharsets.US_ASCII);
        Signature s = Signature.getInstance(alg);
        s.initSign(key);
        s.update(probe);
        byte[] sig = s.sign();
        Signature v = Signature.getInstance(alg);
        v.initVerify(pub);
        v.update(probe);
        if (!v.verify(sig)) {
            throw new GeneralSecurityException("the private key does not belong to the certificate");
        }
    }

    private static List<byte[]> pemBlocks(Path pem, String wanted) throws IOException {
        String text;
        try {
            text = Files.readString(pem, StandardCharsets.US_ASCII);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(pem.toString(), null, "no such file");
        }
        List<byte[]> out = new ArrayList<>();
        Matcher m = PEM.matcher(text);
        while (m.find()) {
            if (m.group(1).equals(wanted)) {
                out.add(Base64.getMimeDecoder().decode(m.group(2).trim()));
            }
        }
        return out;
    }

    /**
     * One loaded generation of key material. Immutable. {@link #generation()} counts loads from 1, so a
     * runtime can cache what it derives (Netty's {@code SslContext}) per generation.
     */
    @ProviderType
    public static final class Material {
        private final long generation;
        private final List<Object> stamp;
        private final SSLContext sslContext;
        private final KeyManagerFactory keyManagers;
        private final TrustManagerFactory trustManagers;
        private final X509Certificate certificate;

        Material(
                long generation,
                List<Object> stamp,
                SSLContext sslContext,
                KeyManagerFactory keyManagers,
                TrustManagerFactory trustManagers,
                X509Certificate certificate) {
            this.generation = generation;
            this.stamp = stamp;
            this.sslContext = sslContext;
            this.keyManagers = keyManagers;
            this.trustManagers = trustManagers;
            this.certificate = certificate;
        }

        /** 1 for the first load, one more for each reload. */
        public long generation() {
            return generation;
        }

        /** The JDK context with this material. */
        public SSLContext sslContext() {
            return sslContext;
        }

        /** This side's key and chain; null when it has none (a client without mutual TLS). */
        public KeyManagerFactory keyManagers() {
            return keyManagers;
        }

        /** Whom to trust; null: the JDK's default (system CAs). */
        public TrustManagerFactory trustManagers() {
            return trustManagers;
        }

        /** This side's certificate, or null. */
        public X509Certificate certificate() {
            return certificate;
        }

        String describe() {
            return certificate == null
                    ? "no certificate"
                    : certificate.getSubjectX500Principal().getName() + " (serial "
                            + certificate.getSerialNumber().toString(16) + ", until "
                            + certificate.getNotAfter().toInstant() + ")";
        }

        @Override
        public String toString() {
            return "TLS material " + generation + ": " + describe();
        }
    }

    @Override
    public String toString() {
        return "TlsContext[" + config + "]";
    }
}
