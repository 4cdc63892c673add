package io.occams.rpc.api;

import java.security.cert.Certificate;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import javax.security.auth.x500.X500Principal;

/**
 * Who is at the other end of a connection: the subject and subject alternative names of the
 * certificate the peer presented in a TLS handshake, or {@link #ANONYMOUS} (plaintext, or TLS without a
 * client certificate). The server learns it once per connection, after the handshake; an authorizer
 * decides on it per call.
 *
 * <p>{@link #name()} is the subject as an RFC 2253 string ({@code CN=billing,O=Example}), or
 * {@code "anonymous"}. {@link #alternativeNames()} lists the SANs with a type prefix: {@code dns:},
 * {@code ip:}, {@code uri:}, {@code email:}. Immutable and thread-safe.
 */
public final class PeerIdentity {
    /** The name of a peer that presented no certificate. */
    public static final String ANONYMOUS_NAME = "anonymous";
    /** A peer that presented no certificate. */
    public static final PeerIdentity ANONYMOUS = new PeerIdentity(ANONYMOUS_NAME, List.of(), false);

    private final String name;
    private final List<String> alternativeNames;
    private final boolean authenticated;

    private PeerIdentity(String name, List<String> alternativeNames, boolean authenticated) {
        this.name = name;
        this.alternativeNames = alternativeNames;
        this.authenticated = authenticated;
    }

    /** An authenticated identity with this subject and these SANs (each {@code type:value}). */
    public static PeerIdentity of(String subject, List<String> alternativeNames) {
        return new PeerIdentity(Objects.requireNonNull(subject, "subject"), List.copyOf(alternativeNames), true);
    }

    /** The identity of the peer's certificate in {@code session}; {@link #ANONYMOUS} when it sent none. */
    public static PeerIdentity of(SSLSession session) {
        if (session == null) {
            return ANONYMOUS;
        }
        Certificate[] chain;
        try {
            chain = session.getPeerCertificates();
        } catch (SSLPeerUnverifiedException e) {
            return ANONYMOUS;
        }
        if (chain == null || chain.length == 0 || !(chain[0] instanceof X509Certificate)) {
            return ANONYMOUS;
        }
        return of((X509Certificate) chain[0]);
    }

    /** The identity a certificate carries. */
    public static PeerIdentity of(X509Certificate cert) {
        String subject = cert.getSubjectX500Principal().getName(X500Principal.RFC2253);
        List<String> sans = new ArrayList<>();
        try {
            Collection<List<?>> alt = cert.getSubjectAlternativeNames();
            if (alt != null) {
                for (List<?> entry : alt) {
                    String prefix = switch ((Integer) entry.get(0)) {
                        case 1 -> "email:";
                        case 2 -> "dns:";
                        case 6 -> "uri:";
                        case 7 -> "ip:";
                        default -> null;
                    };
                    if (prefix != null && entry.get(1) instanceof String s) {
                        sans.add(prefix + s);
                    }
                }
            }
        } catch (CertificateParsingException e) {
            // a malformed SAN extension: the subject alone identifies the peer
        }
        return of(subject, sans);
    }

    /** The subject (RFC 2253), or {@code "anonymous"}. */
    public String name() {
        return name;
    }

    /** The subject alternative names, each {@code type:value} ({@code dns:}, {@code ip:}, {@code uri:}, {@code email:}). */
    public List<String> alternativeNames() {
        return alternativeNames;
    }

    /** Whether the peer proved this identity with a certificate (false for {@link #ANONYMOUS}). */
    public boolean isAuthenticated() {
        return authenticated;
    }

    /** The common name ({@code CN=}) of the subject, or null. */
    public String commonName() {
        for (String part : name.split(",")) {
            String p = part.trim();
            if (p.regionMatches(true, 0, "CN=", 0, 3)) {
                return p.substring(3);
            }
        }
        return null;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PeerIdentity p
                && p.name.equals(name)
                && p.alternativeNames.equals(alternativeNames)
                && p.authenticated == authenticated;
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + alternativeNames.hashCode();
    }

    @Override
    public String toString() {
        return alternativeNames.isEmpty() ? name : name + " " + alternativeNames;
    }
}
