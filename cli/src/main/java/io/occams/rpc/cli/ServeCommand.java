package io.occams.rpc.cli;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code occams serve}: the distribution's server in the foreground. It boots the embedded Felix of
 * {@link FelixServer} on the distribution folder ({@code -Doccams.home}, which {@code bin/occams}
 * sets): the bundles of {@code bundle/}, then Felix FileInstall on {@code etc/} (configurations, the
 * server's among them) and {@code deploy/} (service bundles, hot-swapped when replaced).
 *
 * <p>The options do not configure the server directly: they become framework properties
 * ({@code occams.port}, {@code occams.host}, {@code occams.unix}, {@code occams.runtime}) that
 * {@code etc/io.occams.rpc.server-default.cfg} substitutes, so what runs is always what etc/ says.
 * SIGTERM or Ctrl-C stops the framework, which shuts the server down gracefully, and the command exits 0.
 */
@Command(name = "serve", mixinStandardHelpOptions = true, description = {
        "Run the occams-rpc server (embedded Felix) in the foreground, serving the example services and "
                + "whatever is dropped into deploy/. SIGTERM or Ctrl-C stops it gracefully."})
final class ServeCommand implements Callable<Integer> {
    @Option(names = {"-p", "--port"}, description = "TCP port (default: " + Target.DEFAULT_PORT + "; 0 picks a free one).")
    int port = Target.DEFAULT_PORT;

    @Option(names = "--host", description = "Address to bind (default: 127.0.0.1).")
    String host = "127.0.0.1";

    @Option(names = "--unix", paramLabel = "PATH", description = "Also listen on this Unix socket.")
    File unix;

    @Option(names = "--runtime", paramLabel = "netty|vthreads", description = "Server runtime (default: netty).")
    Target.RuntimeName runtime = Target.RuntimeName.netty;

    @Option(names = "--deploy", paramLabel = "DIR", description = "Watched folder for service bundles (default: <home>/deploy).")
    File deploy;

    @Option(names = "--etc", paramLabel = "DIR", description = "Configuration folder (default: <home>/etc).")
    File etc;

    @Option(names = "--home", paramLabel = "DIR", description = "The distribution folder (default: -Doccams.home, set by bin/occams).")
    File home;

    @Option(names = "--no-examples", description = "Do not start the example services bundle.")
    boolean noExamples;

    @Option(names = "--tls-cert", paramLabel = "PEM", description = "Serve TLS with this certificate chain (PEM); needs --tls-key.")
    File tlsCert;

    @Option(names = "--tls-key", paramLabel = "PEM", description = "The server's private key (PEM, PKCS#8).")
    File tlsKey;

    @Option(names = "--tls-ca", paramLabel = "PEM",
            description = "Trust these CAs (PEM) for client certificates and require one: mutual TLS.")
    File tlsCa;

    @Option(names = "--ready-timeout", paramLabel = "SECONDS", description = "How long to wait for the server to listen (default: 60).")
    int readyTimeout = 60;

    @Option(names = "--stop-timeout", paramLabel = "SECONDS", description = "How long a graceful stop may take (default: 120).")
    int stopTimeout = 120;

    @Override
    public Integer call() throws IOException {
        File h = home != null ? home : System.getProperty("occams.home") != null ? new File(System.getProperty("occams.home")) : null;
        if (h == null || !new File(h, "bundle").isDirectory()) {
            System.err.println("error: no distribution folder with a bundle/ folder in it"
                    + (h == null ? " (run through bin/occams, or give --home)" : ": " + h));
            return 64;
        }
        if (port < 0 || port > 65535) {
            System.err.println("error: --port must be 0-65535");
            return 64;
        }
        Path homeDir = h.toPath().toAbsolutePath().normalize();
        Path deployDir = (deploy != null ? deploy.toPath() : homeDir.resolve("deploy")).toAbsolutePath().normalize();
        Path etcDir = (etc != null ? etc.toPath() : homeDir.resolve("etc")).toAbsolutePath().normalize();
        Files.createDirectories(deployDir);
        if (!Files.isDirectory(etcDir)) {
            System.err.println("error: no configuration folder " + etcDir);
            return 64;
        }
        if ((tlsCert == null) != (tlsKey == null) || tlsCa != null && tlsCert == null) {
            System.err.println("error: --tls-cert and --tls-key go together (and --tls-ca needs them)");
            return 64;
        }
        Map<String, String> vars = new LinkedHashMap<>();
        vars.put("occams.tls.cert", absolute(tlsCert));
        vars.put("occams.tls.key", absolute(tlsKey));
        vars.put("occams.tls.ca", absolute(tlsCa));
        vars.put("occams.host", host);
        vars.put("occams.port", Integer.toString(port));
        vars.put("occams.unix", unix == null ? "" : unix.toPath().toAbsolutePath().normalize().toString());
        vars.put("occams.runtime", runtime.name());
        List<String> skip = noExamples ? List.of("io.occams.rpc.examples") : List.of();
        FelixServer server = new FelixServer(homeDir.resolve("bundle"), etcDir, deployDir, vars, skip);
        return server.run(Duration.ofSeconds(readyTimeout), Duration.ofSeconds(stopTimeout), unix != null ? 2 : 1);
    }

    private static String absolute(File f) {
        return f == null ? "" : f.toPath().toAbsolutePath().normalize().toString();
    }
}
