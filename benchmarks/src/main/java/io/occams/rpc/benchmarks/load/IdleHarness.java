package io.occams.rpc.benchmarks.load;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * {@code benchmarks/run idle}: for each runtime, a server JVM and a client JVM (both {@code -Xmx1g}, on
 * 127.0.0.1) run {@link IdleConnections} with {@code --conns} connections (default 10,000); prints the
 * client's and the server's MEASURE lines and writes them as {@code idle.md} into {@code --out}
 * (default benchmarks/target/idle). Needs a file-descriptor limit above the connection count.
 *
 * <p>{@code --blocked}: each connection's one call goes to a synchronous method that blocks in the server
 * until the harness releases it; the server is measured with all of them blocked (its heap must stay
 * under the 1 GiB it has), then released, and the client reports how many calls completed (all must).
 */
public final class IdleHarness {
    private IdleHarness() {}

    public static void main(String[] args) throws Exception {
        int conns = Integer.parseInt(Measure.opt(args, "conns", "10000"));
        String quiet = Measure.opt(args, "quiet", "5");
        List<String> runtimes =
                List.of(Measure.opt(args, "runtimes", "netty,vthreads").split(","));
        boolean blocked = List.of(args).contains("--blocked");
        String blockedArg = String.valueOf(blocked);
        Path out = Paths.get(Measure.opt(
                args,
                "out",
                Paths.get(IdleHarness.class
                                .getProtectionDomain()
                                .getCodeSource()
                                .getLocation()
                                .toURI())
                        .getParent()
                        .resolve("idle")
                        .toString()));
        Files.createDirectories(out);
        StringBuilder md = new StringBuilder();
        md.append(String.format(
                Locale.ROOT,
                "`benchmarks/run idle%s`, %s. Machine: %d cores, JDK %s. %,d connections, quiet %s s, "
                        + "-Xmx1g on each side; heap in use after two full GCs, and the pooled allocator's used memory.%s%n%n",
                blocked ? " --blocked" : "",
                LocalDateTime.now(ZoneId.systemDefault()).format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm")),
                java.lang.Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.version"),
                conns,
                quiet,
                blocked
                        ? " Each connection has one call to a synchronous method blocked in the server while measured."
                        : ""));
        md.append("| runtime | side | connections open | heap MiB | allocator direct MiB | allocator heap MiB |\n");
        md.append("|---|---|---:|---:|---:|---:|\n");
        List<String> completions = new ArrayList<>();
        for (String rt : runtimes) {
            Process server = jvm(
                    out,
                    rt + "-server",
                    IdleConnections.class.getName(),
                    "server",
                    "--runtime",
                    rt,
                    "--blocked",
                    blockedArg);
            try {
                BufferedReader sr = reader(server);
                String ready = await(sr, "READY");
                String port = ready.substring(ready.lastIndexOf(':') + 1).trim();
                Process client = jvm(
                        out,
                        rt + "-client",
                        IdleConnections.class.getName(),
                        "client",
                        "--runtime",
                        rt,
                        "--port",
                        port,
                        "--conns",
                        String.valueOf(conns),
                        "--quiet",
                        quiet,
                        "--blocked",
                        blockedArg);
                BufferedReader cr = reader(client);
                String connected = await(cr, "CONNECTED");
                System.out.println(rt + " client: " + connected);
                String clientLine = await(cr, "MEASURE");
                // The client measures while its connections are still open: measure the server now too.
                OutputStream sin = server.getOutputStream();
                sin.write('\n');
                sin.flush();
                String serverLine = await(sr, "MEASURE");
                System.out.println(rt + " client: " + clientLine);
                System.out.println(rt + " server: " + serverLine);
                row(md, rt, "client", clientLine);
                row(md, rt, "server", serverLine);
                if (blocked) {
                    sin.write("release\n".getBytes(StandardCharsets.US_ASCII));
                    sin.flush();
                    OutputStream cin = client.getOutputStream();
                    cin.write('\n');
                    cin.flush();
                    String completed = await(cr, "COMPLETED");
                    System.out.println(rt + " client: " + completed);
                    completions.add(String.format(
                            Locale.ROOT,
                            "%s: server held %s calls while measured, client saw %s answered before the release; "
                                    + "after it: %s.",
                            rt,
                            field(serverLine, "held"),
                            field(clientLine, "answeredBeforeRelease"),
                            completed.substring("COMPLETED ".length())));
                }
                client.getOutputStream().close(); // the client closes its connections now
                if (!client.waitFor(60, TimeUnit.SECONDS)) {
                    client.destroyForcibly();
                }
            } finally {
                server.getOutputStream().close();
                if (!server.waitFor(30, TimeUnit.SECONDS)) {
                    server.destroyForcibly();
                }
            }
        }
        for (String c : completions) {
            md.append('\n').append(c).append('\n');
        }
        Files.writeString(out.resolve(blocked ? "idle-blocked.md" : "idle.md"), md.toString());
        System.out.println();
        System.out.print(md);
        System.out.println("\nwritten to " + out.resolve(blocked ? "idle-blocked.md" : "idle.md"));
    }

    private static void row(StringBuilder md, String rt, String side, String line) {
        md.append(String.format(
                Locale.ROOT,
                "| %s | %s | %s | %s | %s | %s |%n",
                rt,
                side,
                field(line, "conns"),
                field(line, "heapMiB"),
                field(line, "allocatorDirectMiB"),
                field(line, "allocatorHeapMiB")));
    }

    private static String field(String line, String name) {
        for (String part : line.split(" ")) {
            if (part.startsWith(name + "=")) {
                return part.substring(name.length() + 1);
            }
        }
        return "?";
    }

    private static Process jvm(Path out, String name, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(
                Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g",
                "--enable-native-access=ALL-UNNAMED",
                "--sun-misc-unsafe-memory-access=allow",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                "-cp",
                System.getProperty("java.class.path")));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd)
                .redirectError(out.resolve(name + ".err").toFile())
                .start();
    }

    private static BufferedReader reader(Process p) {
        return new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    }

    private static String await(BufferedReader r, String prefix) throws IOException {
        String line;
        while ((line = r.readLine()) != null) {
            if (line.startsWith(prefix)) {
                return line;
            }
        }
        throw new IOException("the process ended before printing " + prefix + " (see its .err file)");
    }
}
