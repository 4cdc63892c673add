package io.occams.rpc.cli;

import io.occams.rpc.api.TlsConfig;
import java.io.File;
import java.util.HashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * The TLS options of the client commands ({@code call}, {@code ping}, {@code bench}): {@code --tls-ca}
 * alone is TLS trusting that CA; with {@code --tls-cert} and {@code --tls-key} too it is mutual TLS;
 * {@code --tls} alone trusts the system CAs. None of them: plaintext.
 */
final class TlsOptions {
    @Option(names = "--tls", description = "Speak TLS, trusting the system CAs (unless --tls-ca is given).")
    boolean tls;

    @Option(
            names = "--tls-cert",
            paramLabel = "PEM",
            description = "Client certificate chain (PEM), for mutual TLS; needs --tls-key.")
    File cert;

    @Option(names = "--tls-key", paramLabel = "PEM", description = "Client private key (PEM, PKCS#8).")
    File key;

    @Option(names = "--tls-ca", paramLabel = "PEM", description = "CA certificates to trust (PEM); implies TLS.")
    File ca;

    @Option(
            names = "--tls-server-name",
            paramLabel = "NAME",
            description = "The name expected in the server's certificate (and sent as SNI); default: the host dialled.")
    String serverName;

    /** The client's TLS, or null for plaintext. */
    TlsConfig client() {
        return TlsConfig.fromProperties(properties());
    }

    /**
     * The options as the {@code tls.*} properties of {@link TlsConfig#fromProperties} (empty for
     * plaintext), so the command line reads TLS the way a configuration does.
     */
    Map<String, Object> properties() {
        Map<String, Object> p = new HashMap<>();
        if (!tls && cert == null && key == null && ca == null) {
            return p;
        }
        if ((cert == null) != (key == null)) {
            throw new IllegalArgumentException("--tls-cert and --tls-key go together");
        }
        p.put(TlsConfig.ENABLED, true);
        if (cert != null) {
            p.put(TlsConfig.CERT, cert.getPath());
            p.put(TlsConfig.KEY, key.getPath());
        }
        if (ca != null) {
            p.put(TlsConfig.CA, ca.getPath());
        }
        if (serverName != null) {
            p.put(TlsConfig.PEER_NAME, serverName);
        }
        return p;
    }
}
