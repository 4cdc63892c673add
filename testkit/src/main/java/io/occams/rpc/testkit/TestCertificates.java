package io.occams.rpc.testkit;

import io.occams.rpc.api.TlsConfig;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Throwaway certificates for tests: a CA made in the test (EC P-256, valid for a day) that issues
 * server and client certificates, written as PEM files (chain, PKCS#8 key, CA) or a PKCS#12 keystore
 * into a test's temporary directory. Nothing long-lived is checked in; every run makes its own.
 *
 * <pre>{@code
 * TestCertificates.Ca ca = TestCertificates.newCa("test CA");
 * TestCertificates.Issued server = ca.issue("server", "dns:localhost", "ip:127.0.0.1").writePem(dir, "server");
 * TlsConfig serverTls = server.tls(ca.writePem(dir.resolve("ca.pem"))).build();   // mutual TLS
 * }</pre>
 *
 * Made with BouncyCastle's bcpkix (the JDK has no public API to issue certificates). Thread-safe.
 */
public final class TestCertificates {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final AtomicLong SERIALS = new AtomicLong(System.currentTimeMillis());
    /** The SANs every {@link Ca#issue(String, String...)} without SANs gets: loopback by name and IP. */
    @SuppressWarnings("MutablePublicArray") // test support: varargs callers pass it as is
    public static final String[] LOOPBACK = {"dns:localhost", "ip:127.0.0.1", "ip:::1"};

    private TestCertificates() {}

    /** A new self-signed CA, valid from an hour ago for a day. */
    public static Ca newCa(String name) {
        KeyPair kp = ecKeyPair();
        Instant now = Instant.now();
        X500Name subject = new X500Name("CN=" + name + ",O=occams-rpc tests");
        try {
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(
                    subject,
                    serial(),
                    Date.from(now.minus(Duration.ofHours(1))),
                    Date.from(now.plus(Duration.ofDays(1))),
                    subject,
                    kp.getPublic());
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(kp.getPublic()));
            return new Ca(sign(b, kp.getPrivate()), kp);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static KeyPair ecKeyPair() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static BigInteger serial() {
        return BigInteger.valueOf(SERIALS.incrementAndGet());
    }

    private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey key) throws Exception {
        ContentSigner signer = new JcaContentSignerBuilder("SHA256withECDSA").build(key);
        return new JcaX509CertificateConverter().getCertificate(b.build(signer));
    }

    private static String pem(Object o) {
        StringWriter sw = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(sw)) {
            w.writeObject(o);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return sw.toString();
    }

    /** A private key as PEM PKCS#8 ({@code BEGIN PRIVATE KEY}): the JDK encodes private keys as PKCS#8. */
    static String pkcs8Pem(PrivateKey key) {
        String b64 = java.util.Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(key.getEncoded());
        return "-----BEGIN PRIVATE KEY-----\n" + b64 + "\n-----END PRIVATE KEY-----\n";
    }

    /** Writes {@code text} to {@code path} by an atomic rename, as a careful rotation would. */
    static void writeAtomically(Path path, String text) {
        try {
            Path tmp = Files.createTempFile(path.toAbsolutePath().getParent(), ".tmp-", ".pem");
            Files.writeString(tmp, text, StandardCharsets.US_ASCII);
            Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A test CA: its certificate and key. */
    public static final class Ca {
        private final X509Certificate certificate;
        private final KeyPair keys;

        Ca(X509Certificate certificate, KeyPair keys) {
            this.certificate = certificate;
            this.keys = keys;
        }

        public X509Certificate certificate() {
            return certificate;
        }

        /** Writes the CA certificate as PEM; returns {@code path}. */
        public Path writePem(Path path) {
            writeAtomically(path, pem(certificate));
            return path;
        }

        /**
         * A certificate for {@code cn} valid from an hour ago for a day, with the SANs given
         * ({@code dns:name}, {@code ip:addr}, {@code uri:...}, {@code email:...}), or {@link #LOOPBACK} when none.
         */
        public Issued issue(String cn, String... sans) {
            Instant now = Instant.now();
            return issue(cn, now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(1)), sans);
        }

        /** A certificate that expired yesterday (valid the day before). */
        public Issued issueExpired(String cn, String... sans) {
            Instant now = Instant.now();
            return issue(cn, now.minus(Duration.ofDays(2)), now.minus(Duration.ofDays(1)), sans);
        }

        /** A certificate for {@code cn} valid over [{@code from}, {@code until}]. */
        public Issued issue(String cn, Instant from, Instant until, String... sans) {
            KeyPair kp = ecKeyPair();
            try {
                X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(
                        certificate,
                        serial(),
                        Date.from(from),
                        Date.from(until),
                        new X500Name("CN=" + cn + ",O=occams-rpc tests"),
                        kp.getPublic());
                JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
                b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
                b.addExtension(
                        Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyAgreement));
                b.addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(certificate));
                List<GeneralName> names = new ArrayList<>();
                for (String san : sans.length == 0 ? LOOPBACK : sans) {
                    int colon = san.indexOf(':');
                    String type = san.substring(0, colon);
                    String value = san.substring(colon + 1);
                    names.add(
                            switch (type) {
                                case "dns" -> new GeneralName(GeneralName.dNSName, value);
                                case "ip" -> new GeneralName(GeneralName.iPAddress, value);
                                case "uri" -> new GeneralName(GeneralName.uniformResourceIdentifier, value);
                                case "email" -> new GeneralName(GeneralName.rfc822Name, value);
                                default -> throw new IllegalArgumentException("unknown SAN type: " + san);
                            });
                }
                b.addExtension(
                        Extension.subjectAlternativeName, false, new GeneralNames(names.toArray(new GeneralName[0])));
                return new Issued(sign(b, keys.getPrivate()), certificate, kp.getPrivate());
            } catch (IllegalArgumentException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** An issued certificate with its key; {@link #writePem} puts them in files for a {@link TlsConfig}. */
    public static final class Issued {
        private final X509Certificate certificate;
        private final X509Certificate issuer;
        private final PrivateKey key;
        private Path certFile;
        private Path keyFile;

        Issued(X509Certificate certificate, X509Certificate issuer, PrivateKey key) {
            this.certificate = certificate;
            this.issuer = issuer;
            this.key = key;
        }

        public X509Certificate certificate() {
            return certificate;
        }

        public PrivateKey key() {
            return key;
        }

        /**
         * Writes {@code <name>.pem} (the chain: this certificate then the CA's) and {@code <name>.key}
         * (PKCS#8) into {@code dir}, each by an atomic rename (so rewriting them is a rotation).
         */
        public Issued writePem(Path dir, String name) {
            certFile = dir.resolve(name + ".pem");
            keyFile = dir.resolve(name + ".key");
            // the key first: a reader that sees the new chain finds its key already there
            writeAtomically(keyFile, pkcs8Pem(key));
            writeAtomically(certFile, pem(certificate) + pem(issuer));
            return this;
        }

        /** Writes a PKCS#12 keystore with this key and chain; returns its path. */
        public Path writePkcs12(Path path, String password) {
            try {
                KeyStore ks = KeyStore.getInstance("PKCS12");
                ks.load(null, null);
                ks.setKeyEntry("key", key, password.toCharArray(), new Certificate[] {certificate, issuer});
                try (var out = Files.newOutputStream(path)) {
                    ks.store(out, password.toCharArray());
                }
                return path;
            } catch (IOException | GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }

        public Path certFile() {
            return certFile;
        }

        public Path keyFile() {
            return keyFile;
        }

        /** A TLS builder with these files as key material and {@code trusted} as the CAs (null: none). */
        public TlsConfig.Builder tls(Path trusted) {
            if (certFile == null) {
                throw new IllegalStateException("writePem first");
            }
            TlsConfig.Builder b = TlsConfig.builder().certificateChain(certFile).privateKey(keyFile);
            if (trusted != null) {
                b.trustedCertificates(trusted);
            }
            return b;
        }
    }

    /**
     * A ready set for a test: a CA, a server certificate for the loopback names, a client certificate
     * ({@code CN=client}), all written as PEM into a directory, and the TLS configs for plain TLS (the
     * client trusts the CA) or mutual TLS (the server requires a client certificate from the CA).
     */
    public static final class Pki {
        private final Ca ca;
        private final Path caPem;
        private final Issued server;
        private final Issued client;

        private Pki(Path dir) {
            this.ca = newCa("occams test CA");
            this.caPem = ca.writePem(dir.resolve("ca.pem"));
            this.server = ca.issue("server").writePem(dir, "server");
            this.client = ca.issue("client", "dns:client.test").writePem(dir, "client");
        }

        /** Makes the CA and certificates and writes them into {@code dir}. */
        public static Pki create(Path dir) {
            return new Pki(dir);
        }

        public Ca ca() {
            return ca;
        }

        public Path caPem() {
            return caPem;
        }

        public Issued server() {
            return server;
        }

        public Issued client() {
            return client;
        }

        /** The server's TLS; with {@code mutual} it trusts the CA and requires client certificates. */
        public TlsConfig serverTls(boolean mutual) {
            return server.tls(mutual ? caPem : null).build();
        }

        /** The client's TLS: trusts the CA; with {@code mutual} it presents the client certificate. */
        public TlsConfig.Builder clientTls(boolean mutual) {
            return mutual ? client.tls(caPem) : TlsConfig.builder().trustedCertificates(caPem);
        }
    }
}
