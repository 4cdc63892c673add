package io.occams.rpc.cli;

import io.occams.rpc.api.TlsConfig;
import java.io.File;
import picocli.CommandLine.Option;

/**
 * The TLS options of the client commands ({@code call}, {@code ping}, {@code bench}): {@code --tls-ca}
 * alone is TLS trusting that CA; with {@code --tls-cert} and {@code --tls-key} too it is mutual TLS;
 * {@code --tls} alone trusts the system CAs. None of them: plaintext.
 */
final class TlsOptions {
    @Option(names = "--tls", description = "Speak TLS, trusting the system CAs (unless --tls-ca is given).")
    boolean tls;

    @Option(names = "--tls-cert", paramLabel = "PEM", description = "Client certificate chain (PEM), for mutual TLS; needs --tls-key.")
    File cert;

    @Option(names = "--tls-key", paramLabel = "PEM", description = "Client private key (PEM, PKCS#8).")
    File key;

    @Option(names = "--tls-ca", paramLabel = "PEM", description = "CA certificates to trust (PEM); implies TLS.")
    File ca;

    @Option(names = "--tls-server-name", paramLabel = "NAME",
            description = "The name expected in the server's certificate (and sent as SNI); default: the host dialled.")
    String serverName;

    /** The client's TLS, or null for plaintext. */
    TlsConfig client() {
        if (!tls && cert == null && key == null && ca == null) {
            return null;
        }
        if ((cert == null) != (key == null)) {
            throw new IllegalArgumentException("--tls-cert and --tls-key go together");
        }
        TlsConfig.Builder b = TlsConfig.builder().peerName(serverName);
        if (cert != null) {
            b.certificateChain(cert.toPath()).privateKey(key.toPath());
        }
        if (ca != null) {
            b.trustedCertificates(ca.toPath());
        } else {
            b.trustSystemCertificates(true);
        }
        return b.build();
    }
}
