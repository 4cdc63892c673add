package io.occams.rpc.cli;

import io.occams.rpc.api.ServerConfig;
import io.occams.rpc.api.TlsConfig;
import io.occams.rpc.api.spi.RuntimePreference;
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
 *
 * <p>A listener that cannot be had fails the command at once, before the framework starts: a TCP port
 * already taken (or a host that is not this machine's) exits 69, a Unix socket path whose folder does not
 * exist exits 64. Should a listener still not come up, the command stops and exits 69 rather than
 * report "ready" without it.
 */
@Command(
        name = "serve",
        mixinStandardHelpOptions = true,
        description = {
            "Run the occams-rpc server (embedded Felix) in the foreground, serving the example services and "
                    + "whatever is dropped into deploy/. SIGTERM or Ctrl-C stops it gracefully."
        })
final class ServeCommand implements Callable<Integer> {
    /**
     * The prefix of the framework properties that etc/ substitutes: {@code occams.} + the configuration's own
     * property name ({@link ServerConfig}, {@link TlsConfig}), so an option and its property are named once.
     */
    private static final String VAR = "occams.";

    @Option(
            names = {"-p", "--port"},
            description = "TCP port (default: " + Target.DEFAULT_PORT + "; 0 picks a free one).")
    int port = Target.DEFAULT_PORT;

    @Option(names = "--host", description = "Address to bind (default: 127.0.0.1).")
    String host = "127.0.0.1";

    @Option(names = "--unix", paramLabel = "PATH", description = "Also listen on this Unix socket.")
    File unix;

    @Option(names = "--runtime", paramLabel = "netty|vthreads", description = "Server runtime (default: netty).")
    Target.RuntimeName runtime = Target.RuntimeName.netty;

    @Option(
            names = "--deploy",
            paramLabel = "DIR",
            description = "Watched folder for service bundles (default: <home>/deploy).")
    File deploy;

    @Option(names = "--etc", paramLabel = "DIR", description = "Configuration folder (default: <home>/etc).")
    File etc;

    @Option(
            names = "--home",
            paramLabel = "DIR",
            description = "The distribution folder (default: -Doccams.home, set by bin/occams).")
    File home;

    @Option(names = "--no-examples", description = "Do not start the example services bundle.")
    boolean noExamples;

    @Option(
            names = "--stream-fixture",
            paramLabel = "PORT",
            description =
                    "Also serve the seed's stream fixture "
                            + "(numeric actions Open=1, Read=2, Write=3 with blobs) on this TCP port (0 picks a free one; default: off).")
    Integer fixturePort;

    @Option(
            names = "--max-calls-per-connection",
            paramLabel = "N",
            description =
                    "Calls of one connection accepted and not yet answered before the server stops reading it until some complete (default: 4096).")
    Integer maxCallsPerConnection;

    @Option(
            names = "--max-calls",
            paramLabel = "N",
            description =
                    "Calls of all connections accepted and not yet answered before the server stops reading each connection that brings more (default: 65536). No call is ever refused.")
    Integer maxCallsPerServer;

    @Option(
            names = "--zookeeper",
            paramLabel = "HOST:PORT[,HOST:PORT...]",
            description = "Register the served services in this ZooKeeper (one entry per service and endpoint).")
    String zookeeper;

    @Option(
            names = "--zookeeper-session",
            paramLabel = "SECONDS",
            description = "ZooKeeper session timeout: how long after this process dies its entries go (default: 15).")
    double zookeeperSession = 15;

    @Option(
            names = "--tls-cert",
            paramLabel = "PEM",
            description = "Serve TLS with this certificate chain (PEM); needs --tls-key.")
    File tlsCert;

    @Option(names = "--tls-key", paramLabel = "PEM", description = "The server's private key (PEM, PKCS#8).")
    File tlsKey;

    @Option(
            names = "--tls-ca",
            paramLabel = "PEM",
            description = "Trust these CAs (PEM) for client certificates and require one: mutual TLS.")
    File tlsCa;

    @Option(
            names = "--ready-timeout",
            paramLabel = "SECONDS",
            description = "How long to wait for the server to listen (default: 60).")
    int readyTimeout = 60;

    @Option(
            names = "--stop-timeout",
            paramLabel = "SECONDS",
            description = "How long a graceful stop may take (default: 120).")
    int stopTimeout = 120;

    @Override
    public Integer call() throws IOException {
        File h = home != null
                ? home
                : System.getProperty("occams.home") != null ? new File(System.getProperty("occams.home")) : null;
        if (h == null || !new File(h, "bundle").isDirectory()) {
            throw new Main.UsageError("no distribution folder with a bundle/ folder in it"
                    + (h == null ? " (run through bin/occams, or give --home)" : ": " + h));
        }
        if (port < 0 || port > 65535) {
            throw new Main.UsageError("--port must be 0-65535 (0 picks a free one), got " + port);
        }
        if (readyTimeout < 1 || stopTimeout < 1) {
            throw new Main.UsageError("--ready-timeout and --stop-timeout must be 1 or more seconds");
        }
        if (unix != null) {
            Path u = unix.toPath().toAbsolutePath().normalize();
            if (u.getParent() == null || !Files.isDirectory(u.getParent())) {
                throw new Main.UsageError("--unix " + unix + ": the folder " + u.getParent() + " does not exist");
            }
            if (Files.isDirectory(u)) {
                throw new Main.UsageError(
                        "--unix " + unix + " is a folder; give the path of the socket file to create");
            }
        }
        if (fixturePort != null && (fixturePort < 0 || fixturePort > 65535)) {
            throw new Main.UsageError(
                    "--stream-fixture must be a port 0-65535 (0 picks a free one), got " + fixturePort);
        }
        if (fixturePort != null && noExamples) {
            throw new Main.UsageError("--stream-fixture needs the examples bundle: drop --no-examples");
        }
        String taken = tcpBindProblem(host, port);
        if (taken == null && fixturePort != null) {
            taken = tcpBindProblem(host, fixturePort);
            if (taken != null) {
                System.err.println(
                        "occams serve: cannot listen on " + host + ":" + fixturePort + " (--stream-fixture): " + taken);
                return Main.UNAVAILABLE;
            }
        }
        if (taken != null) {
            System.err.println("occams serve: cannot listen on " + host + ":" + port + ": " + taken);
            return Main.UNAVAILABLE;
        }
        Path homeDir = h.toPath().toAbsolutePath().normalize();
        Path deployDir = (deploy != null ? deploy.toPath() : homeDir.resolve("deploy"))
                .toAbsolutePath()
                .normalize();
        Path etcDir = (etc != null ? etc.toPath() : homeDir.resolve("etc"))
                .toAbsolutePath()
                .normalize();
        Files.createDirectories(deployDir);
        if (!Files.isDirectory(etcDir)) {
            throw new Main.UsageError("no configuration folder " + etcDir);
        }
        if ((tlsCert == null) != (tlsKey == null) || tlsCa != null && tlsCert == null) {
            throw new Main.UsageError("--tls-cert and --tls-key go together (and --tls-ca needs them)");
        }
        Map<String, String> vars = new LinkedHashMap<>();
        vars.put(VAR + TlsConfig.CERT, absolute(tlsCert));
        vars.put(VAR + TlsConfig.KEY, absolute(tlsKey));
        vars.put(VAR + TlsConfig.CA, absolute(tlsCa));
        vars.put("occams.host", host);
        vars.put("occams.port", Integer.toString(port));
        vars.put(
                "occams.unix",
                unix == null ? "" : unix.toPath().toAbsolutePath().normalize().toString());
        vars.put(VAR + RuntimePreference.PROPERTY, runtime.name());
        vars.put("occams.fixture.port", fixturePort == null ? "-1" : fixturePort.toString());
        if ((maxCallsPerConnection != null && maxCallsPerConnection < 1)
                || (maxCallsPerServer != null && maxCallsPerServer < 1)) {
            throw new Main.UsageError("--max-calls-per-connection and --max-calls must be at least 1");
        }
        vars.put(
                VAR + ServerConfig.MAX_CALLS_PER_CONNECTION,
                maxCallsPerConnection == null ? "" : maxCallsPerConnection.toString());
        vars.put(
                VAR + ServerConfig.MAX_CALLS_PER_SERVER, maxCallsPerServer == null ? "" : maxCallsPerServer.toString());
        // etc/io.occams.rpc.discovery.zookeeper-default.cfg: an empty connect string registers nothing.
        vars.put("occams.zookeeper", zookeeper == null ? "" : zookeeper.trim());
        vars.put("occams.zookeeper.session", Math.max(1, Math.round(zookeeperSession * 1000)) + "ms");
        List<String> skip = noExamples ? List.of("io.occams.rpc.examples") : List.of();
        FelixServer server = new FelixServer(homeDir.resolve("bundle"), etcDir, deployDir, vars, skip);
        return server.run(
                Duration.ofSeconds(readyTimeout),
                Duration.ofSeconds(stopTimeout),
                1 + (unix != null ? 1 : 0) + (fixturePort != null ? 1 : 0));
    }

    /**
     * Why the server could not bind {@code host:port}, found by binding it for a moment (null when it can):
     * a port in use would otherwise only show as a component failing inside the framework. Port 0 always binds.
     */
    static String tcpBindProblem(String host, int port) {
        if (port == 0) {
            return null;
        }
        try (java.net.ServerSocket probe = new java.net.ServerSocket()) {
            probe.bind(new java.net.InetSocketAddress(host, port));
            return null;
        } catch (java.net.BindException e) {
            return e.getMessage() != null && e.getMessage().contains("in use")
                    ? "the port is already in use (another server? pick another with --port, or --port 0)"
                    : e.getMessage() + " (is " + host + " an address of this machine?)";
        } catch (IOException | IllegalArgumentException | SecurityException e) {
            return e.getMessage();
        }
    }

    private static String absolute(File f) {
        return f == null ? "" : f.toPath().toAbsolutePath().normalize().toString();
    }
}
