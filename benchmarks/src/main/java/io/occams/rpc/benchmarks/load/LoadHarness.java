package io.occams.rpc.benchmarks.load;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The side-by-side load harness. In one invocation it starts one server JVM per contender (on
 * 127.0.0.1), then for every shape runs a fresh client JVM per contender, alternating
 * {@code A B C ... A B C ...} for {@code --reps} rounds so that machine drift hits every contender
 * alike, and writes the medians and ratios as Markdown and CSV.
 *
 * <p>Contenders: {@code occams-netty} and {@code occams-vthreads} (stream-level pipelined client and
 * echo server on each runtime), {@code occams-api-netty} (an {@code RpcClient} proxy, async, msgpack, against an
 * {@code RpcServer} with its {@code ServiceDispatcher}: {@link ApiServer}; small shapes only; its method returns a
 * future, answered on the reader), {@code occams-api-sync-netty} and {@code occams-api-sync-vthreads} (the same
 * with a plain synchronous method, {@link SyncBenchService}, run off the reader), {@code grpc} (grpc-java 1.79 unary, AsyncServer/AsyncClient as
 * published, defaults), {@code grpc-tuned} (the same with {@code --directexecutor
 * --transport=netty_epoll}), {@code raw} (the plain java.nio ceiling: selector loops, two threads a side,
 * one read then one write per readiness event, every reply checked; {@link RawNioServer}, {@link RawNioClient})
 * and {@code raw-blocking} (the ceiling before issue 21, one blocking platform thread per connection,
 * {@link RawServer}; not run unless named), and {@code iperf3} (the blob shape only, if iperf3 is installed: one TCP
 * stream of 64 KiB writes on loopback, its receiver's rate; not run unless named).
 *
 * <p>Warm-up: every server first serves an unrecorded 4x100 load ({@code --server-warmup S}, default 5 s),
 * then each client run warms up before it measures. gRPC-java's client JVM needs far longer than ours
 * to reach its steady state on 2 cores (its JIT work competes with the load: 3 s of warm-up measured
 * 8-20 k calls/s at 1x10 and 4x100 where 8 s measured 28-54 k), so gRPC clients get
 * {@code --grpc-warmup S} (default 8 s; its own AsyncClient defaults to 10) and ours {@code --warmup S}.
 * Shortening gRPC's warm-up would flatter occams, so the figures are taken with the longer one. The remote-API
 * contenders ({@code occams-api-*}) get {@code --api-warmup S} (default 10 s): their client compiles far more
 * code than the stream client (proxy, codec, {@code CompletableFuture}), and with 3 s C2 was still compiling
 * and deoptimizing it in the measured window (rounds of one build 1.6x apart; benchmarks/README.md, issue 21).
 *
 * <p>Options: {@code --quick} (1 round, 2+2 s per run, gRPC 4 s and API 5 s warm-up; default 2 rounds, 3+3 s, gRPC 8+3 s, API 10+3 s), {@code --reps N}, {@code --warmup S}, {@code --api-warmup S},
 * {@code --duration S}, {@code --out DIR} (default {@code benchmarks/target/load}),
 * {@code --contenders a,b,..}, {@code --shapes 1x1,1x10,4x100,blob1x16}, {@code --grpc-lib DIR},
 * {@code --jfr} (a JFR recording of every occams and raw JVM into {@code DIR/jfr}, with the CPU-time sampler on JDK 25+),
 * {@code --perf} ({@code perf stat} of the client and server JVM over each measured window: syscalls and context
 * switches per call, printed per run; raw files in {@code DIR/perf}),
 * {@code --baseline-cp CP} (a class path of another build, e.g. main's: a contender named
 * {@code occams-netty@base} runs as {@code occams-netty} on that class path, side by side in the same run).
 */
public final class LoadHarness {
    private static final int SMALL = 8;
    private static final int BLOB = 64 * 1024;

    record Shape(String name, int conns, int inflight, int payload, int blob) {}

    static final List<Shape> SHAPES = List.of(
            new Shape("1x1", 1, 1, SMALL, 0),
            new Shape("1x10", 1, 10, SMALL, 0),
            new Shape("4x100", 4, 100, SMALL, 0),
            new Shape("blob1x16", 1, 16, 0, BLOB));

    /** A contender name ending so runs on the {@code --baseline-cp} class path (occams-netty@base). */
    static final String BASE = "@base";

    /** The contender {@code c} names, without {@link #BASE}. */
    static String kind(String c) {
        String k = c.endsWith(BASE) ? c.substring(0, c.length() - BASE.length()) : c;
        int v = k.indexOf(VARIANT);
        return v < 0 ? k : k.substring(0, v);
    }

    /**
     * Marks a variant: {@code occams-vthreads~pm1} runs as {@code occams-vthreads} with the extra JVM flags of
     * {@code --jvm~pm1 "-Djdk.pollerMode=1 ..."} (split at spaces) on both its JVMs, side by side with the plain one.
     */
    static final String VARIANT = "~";

    /** A contender name ending so runs with the OpenTelemetry interceptor on both ends (occams-api-netty-metrics). */
    static final String METRICS = "-metrics";

    static final List<String> CONTENDERS = List.of(
            "occams-netty",
            "occams-vthreads",
            "occams-api-netty",
            "occams-api-sync-netty",
            "grpc",
            "grpc-tuned",
            "raw",
            "occams-tls-netty",
            "occams-tls-vthreads",
            "grpc-tls");

    /** The remote API never carries a blob: its contenders sit the blob shape out. */
    static boolean runs(String contender, Shape s) {
        if (contender.equals("iperf3")) {
            return s.blob > 0; // a byte stream: only the blob shape has a comparable figure (MB/s)
        }
        return s.blob == 0 || !contender.startsWith("occams-api");
    }

    /** The TLS contenders' certificates: a CA, a server and a client certificate (mutual TLS), made once per run. */
    private Path tlsDir;

    private Path tlsDir() throws IOException {
        if (tlsDir == null) {
            tlsDir = Files.createDirectories(out.resolve("tls"));
            TlsBench.makeCertificates(tlsDir);
        }
        return tlsDir;
    }

    static String runtimeOf(String contender) {
        String c =
                contender.endsWith(METRICS) ? contender.substring(0, contender.length() - METRICS.length()) : contender;
        return c.substring(c.lastIndexOf('-') + 1);
    }

    record Run(String contender, Shape shape, int rep, double callsPerSec, double p50us, double p99us, long errors) {
        double mbPerSec() {
            return shape.blob == 0 ? 0 : callsPerSec * shape.blob / 1e6;
        }
    }

    private final String javaBin =
            Paths.get(System.getProperty("java.home"), "bin", "java").toString();
    private final String classpath = System.getProperty("java.class.path");
    private final Path out;
    private final Path grpcLib;
    private final boolean jfr;
    /** {@code --perf}: {@code perf stat} of the client and the server JVM over each measured window. */
    private final boolean perf;
    /** The command line, for the variants' {@code --jvm~tag} flags. */
    private final String[] args;

    private final double warmup;
    private final double grpcWarmup;
    /** The warm-up of the remote-API clients ({@code occams-api-*}). */
    private final double apiWarmup;

    private final double serverWarmup;
    private final double duration;
    private final int reps;
    private final List<String> contenders;
    /** The class path of the {@link #BASE} contenders; null when not given. */
    private final String baselineClasspath;

    private final List<Shape> shapes;
    private final Map<String, Process> servers = new LinkedHashMap<>();
    private final Map<String, Integer> ports = new LinkedHashMap<>();
    private final List<Run> runs = new ArrayList<>();
    private final String startLoad = loadAverage();
    private final ZonedDateTime started = ZonedDateTime.now(ZoneId.systemDefault());

    private LoadHarness(String[] args) {
        this.args = args;
        List<String> a = Arrays.asList(args);
        boolean quick = a.contains("--quick");
        this.jfr = a.contains("--jfr");
        this.perf = a.contains("--perf");
        this.reps = Integer.parseInt(Measure.opt(args, "reps", quick ? "1" : "2"));
        this.warmup = Double.parseDouble(Measure.opt(args, "warmup", quick ? "2" : "3"));
        this.grpcWarmup = Double.parseDouble(Measure.opt(args, "grpc-warmup", quick ? "4" : "8"));
        this.apiWarmup = Double.parseDouble(Measure.opt(args, "api-warmup", quick ? "5" : "10"));
        this.serverWarmup = Double.parseDouble(Measure.opt(args, "server-warmup", quick ? "3" : "5"));
        this.duration = Double.parseDouble(Measure.opt(args, "duration", quick ? "2" : "3"));
        this.out =
                Paths.get(Measure.opt(args, "out", defaultDir().resolve("load").toString()));
        this.grpcLib = Paths.get(
                Measure.opt(args, "grpc-lib", defaultDir().resolve("grpc-lib").toString()));
        this.contenders = List.of(
                Measure.opt(args, "contenders", String.join(",", CONTENDERS)).split(","));
        String baseline = Measure.opt(args, "baseline-cp", "");
        this.baselineClasspath = baseline.isEmpty() ? null : baseline;
        List<String> wanted =
                List.of(Measure.opt(args, "shapes", "1x1,1x10,4x100,blob1x16").split(","));
        this.shapes = SHAPES.stream().filter(s -> wanted.contains(s.name)).toList();
    }

    /** benchmarks/target, found from where our classes were loaded (target/classes). */
    private static Path defaultDir() {
        try {
            Path p = Paths.get(LoadHarness.class
                    .getProtectionDomain()
                    .getCodeSource()
                    .getLocation()
                    .toURI());
            return p.getParent();
        } catch (Exception e) {
            return Paths.get("benchmarks", "target");
        }
    }

    public static void main(String[] args) throws Exception {
        new LoadHarness(args).run();
    }

    private void run() throws Exception {
        Files.createDirectories(out.resolve("logs"));
        if (jfr) {
            Files.createDirectories(out.resolve("jfr"));
        }
        if (perf) {
            Files.createDirectories(out.resolve("perf"));
        }
        for (String c : contenders) {
            if (c.startsWith("grpc") && !Files.isDirectory(grpcLib)) {
                throw new IllegalStateException(
                        "no gRPC class path at " + grpcLib + ": build benchmarks/grpc first (benchmarks/run does)");
            }
        }
        int total = 0;
        for (Shape s : shapes) {
            for (String c : contenders) {
                total += runs(c, s) ? reps : 0;
            }
        }
        System.out.printf(
                Locale.ROOT,
                "load harness: %d contenders x %d shapes x %d rounds, %.0f+%.0f s per run (gRPC %.0f+%.0f s, API %.0f+%.0f s), "
                        + "%d runs after a %.0f s warm-up of each server; load %s%n",
                contenders.size(),
                shapes.size(),
                reps,
                warmup,
                duration,
                grpcWarmup,
                duration,
                apiWarmup,
                duration,
                total,
                serverWarmup,
                startLoad);
        System.out.flush();
        try {
            for (String c : contenders) {
                startServer(c);
            }
            // Every server gets the same unrecorded 4x100 warm-up first, so no contender's first round
            // pays for its server's JIT.
            Shape warm = new Shape("warm-up", 4, 100, SMALL, 0);
            for (String c : contenders) {
                if (!c.equals("iperf3")) {
                    client(c, warm, 0, 1, serverWarmup);
                }
            }
            int i = 0;
            for (Shape s : shapes) {
                for (int rep = 1; rep <= reps; rep++) {
                    for (String c : contenders) {
                        if (!runs(c, s)) {
                            continue;
                        }
                        Run r = client(c, s, rep, warmupOf(c), duration);
                        runs.add(r);
                        i++;
                        System.out.printf(
                                Locale.ROOT,
                                "[%3d/%d] %-8s %-16s round %d: %,12.0f calls/s  p50 %8.1f us  p99 %9.1f us%s%s%n",
                                i,
                                total,
                                s.name,
                                c,
                                rep,
                                r.callsPerSec,
                                r.p50us,
                                r.p99us,
                                s.blob > 0 ? String.format(Locale.ROOT, "  %,8.0f MB/s", r.mbPerSec()) : "",
                                r.errors > 0 ? "  errors " + r.errors : "");
                        double[] cpu = cpuUs.get(r);
                        if (cpu != null) {
                            System.out.printf(
                                    Locale.ROOT,
                                    "          CPU per call: client %,.2f us + server %,.2f us%n",
                                    cpu[0],
                                    cpu[1]);
                        }
                        double[] sys = perCall.get(r);
                        if (sys != null) {
                            System.out.printf(
                                    Locale.ROOT,
                                    "          per call: syscalls client %.3f + server %.3f, context switches client %.3f + server %.3f%n",
                                    sys[0],
                                    sys[1],
                                    sys[2],
                                    sys[3]);
                        }
                    }
                }
            }
        } finally {
            for (Process p : servers.values()) {
                p.getOutputStream().close();
                p.destroy();
            }
            for (Process p : servers.values()) {
                if (!p.waitFor(5, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            }
        }
        write();
    }

    private List<String> jvm(String role, String contender) {
        List<String> cmd = new ArrayList<>(List.of(
                javaBin,
                "-Xms1g",
                "-Xmx1g",
                "--enable-native-access=ALL-UNNAMED",
                "--sun-misc-unsafe-memory-access=allow",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"));
        if (contender.startsWith("occams-tls")) {
            // the one INFO line each runtime logs for its first TLS session: engine, protocol, cipher suite
            cmd.add("-Dorg.slf4j.simpleLogger.log.io.occams.rpc.runtime.netty.internal.NettyTls=info");
            cmd.add("-Dorg.slf4j.simpleLogger.log.io.occams.rpc.runtime.vthreads.internal.TlsHandshake=info");
        }
        String named =
                contender.endsWith(BASE) ? contender.substring(0, contender.length() - BASE.length()) : contender;
        int v = named.indexOf(VARIANT);
        if (v >= 0) {
            String flags = Measure.opt(args, "jvm" + named.substring(v), "");
            for (String f : flags.trim().split(" +")) {
                if (!f.isEmpty()) {
                    cmd.add(f.replace("{role}", role));
                }
            }
        }
        if (jfr && (contender.startsWith("occams") || contender.startsWith("raw"))) {
            cmd.add(jfrOption(out.resolve("jfr").resolve(contender + "-" + role + "-" + System.nanoTime() + ".jfr")));
        }
        cmd.add("-cp");
        cmd.add(
                contender.startsWith("grpc")
                        ? grpcLib.resolve("*").toString()
                        : contender.endsWith(BASE)
                                ? Objects.requireNonNull(baselineClasspath, "--baseline-cp")
                                : classpath);
        return cmd;
    }

    /**
     * The JFR option of a profiled JVM: the {@code profile} settings, and on JDK 25+ also the CPU-time
     * sampler ({@code jdk.CPUTimeSample}, every 1 ms of a thread's CPU time). It samples CPU time, not wall
     * time, so other processes on the machine do not starve it the way they starve {@code jdk.ExecutionSample}
     * (1-4 samples per JVM in a 4 s window at load average 30-60). Read with {@code jfr view
     * cpu-time-hot-methods FILE} or {@code jfr print --events jdk.CPUTimeSample FILE}.
     */
    static String jfrOption(Path file) {
        String cpuTime = Runtime.version().feature() >= 25
                ? "jdk.CPUTimeSample#enabled=true,jdk.CPUTimeSample#throttle=1ms,"
                : "";
        return "-XX:StartFlightRecording=settings=profile," + cpuTime + "filename=" + file;
    }

    private void startServer(String named) throws IOException {
        String c = kind(named);
        int port = freePort();
        List<String> cmd = jvm("server", named);
        boolean tuned = c.equals("grpc-tuned");
        switch (c) {
            case "occams-netty", "occams-vthreads" ->
                cmd.addAll(List.of(
                        OccamsServer.class.getName(), "--runtime", runtimeOf(c), "--port", String.valueOf(port)));
            case "occams-tls-netty", "occams-tls-vthreads" ->
                cmd.addAll(List.of(
                        OccamsServer.class.getName(),
                        "--runtime",
                        runtimeOf(c),
                        "--port",
                        String.valueOf(port),
                        "--tls",
                        tlsDir().toString()));
            case "occams-api-netty",
                    "occams-api-vthreads",
                    "occams-api-sync-netty",
                    "occams-api-sync-vthreads",
                    "occams-api-netty-metrics",
                    "occams-api-vthreads-metrics" ->
                cmd.addAll(List.of(
                        ApiServer.class.getName(),
                        "--runtime",
                        runtimeOf(c),
                        "--port",
                        String.valueOf(port),
                        "--metrics",
                        c.endsWith(METRICS) ? "on" : "off"));
            case "raw" -> cmd.addAll(List.of(RawNioServer.class.getName(), "--port", String.valueOf(port)));
            case "raw-blocking" -> cmd.addAll(List.of(RawServer.class.getName(), "--port", String.valueOf(port)));
            case "iperf3" -> {
                cmd.clear();
                cmd.addAll(List.of("iperf3", "-s", "--forceflush", "-B", "127.0.0.1", "-p", String.valueOf(port)));
            }
            case "grpc", "grpc-tuned", "grpc-tls" -> {
                cmd.addAll(List.of("io.grpc.benchmarks.qps.AsyncServer", "--address=127.0.0.1:" + port));
                if (c.equals("grpc-tls")) {
                    cmd.add("--tls"); // grpc-java's own test certificates
                }
                if (tuned) {
                    cmd.addAll(List.of("--directexecutor", "--transport=netty_epoll"));
                }
            }
            default -> throw new IllegalArgumentException("unknown contender " + c);
        }
        Process p = new ProcessBuilder(cmd)
                .redirectError(
                        out.resolve("logs").resolve(named + "-server.err").toFile())
                .start();
        servers.put(named, p);
        ports.put(named, port);
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = r.readLine()) != null) {
            if (line.startsWith("READY") || line.contains("Server started") || line.startsWith("Server listening")) {
                break;
            }
        }
        if (line == null) {
            throw new IllegalStateException(named + " server did not start; see " + out.resolve("logs"));
        }
        // Keep draining its stdout so it never blocks on a full pipe.
        Thread drain = new Thread(() -> {
            try {
                while (r.readLine() != null) {
                    // discard
                }
            } catch (IOException e) {
                // gone
            }
        });
        drain.setDaemon(true);
        drain.start();
    }

    /** The client warm-up of contender {@code named}: gRPC's and the remote API's are longer (see the class doc). */
    private double warmupOf(String named) {
        String c = kind(named);
        return c.startsWith("grpc") ? grpcWarmup : c.startsWith("occams-api") ? apiWarmup : warmup;
    }

    private Run client(String named, Shape s, int rep, double warmup, double duration) throws Exception {
        String c = kind(named);
        List<String> cmd = jvm("client", named);
        int port = ports.get(named);
        if (c.equals("iperf3")) {
            // One TCP stream of 64 KiB writes for the same warm-up (omitted from the result) and duration.
            cmd.clear();
            cmd.addAll(List.of(
                    "iperf3",
                    "-c",
                    "127.0.0.1",
                    "-p",
                    String.valueOf(port),
                    "-l",
                    String.valueOf(s.blob),
                    "-f",
                    "m",
                    "-O",
                    String.valueOf(Math.max(1, Math.round(warmup))),
                    "-t",
                    String.valueOf(Math.max(1, Math.round(duration)))));
        } else if (c.startsWith("grpc")) {
            cmd.addAll(List.of(
                    "io.grpc.benchmarks.qps.AsyncClient",
                    "--address=127.0.0.1:" + port,
                    "--channels=" + s.conns,
                    "--outstanding_rpcs=" + s.inflight,
                    "--client_payload=" + (s.blob > 0 ? s.blob : s.payload),
                    "--server_payload=" + (s.blob > 0 ? 0 : s.payload),
                    "--warmup_duration=" + Math.max(1, Math.round(warmup)),
                    "--duration=" + Math.max(1, Math.round(duration))));
            if (c.equals("grpc-tuned")) {
                cmd.addAll(List.of("--directexecutor", "--transport=netty_epoll"));
            }
            if (c.equals("grpc-tls")) {
                cmd.addAll(
                        List.of("--tls", "--testca")); // grpc-java's test CA; the client overrides the authority itself
            }
        } else {
            cmd.add(
                    c.equals("raw")
                            ? RawNioClient.class.getName()
                            : c.equals("raw-blocking")
                                    ? RawClient.class.getName()
                                    : c.startsWith("occams-api")
                                            ? ApiClient.class.getName()
                                            : OccamsClient.class.getName());
            if (c.startsWith("occams-")) {
                cmd.addAll(List.of("--runtime", runtimeOf(c)));
            }
            if (c.startsWith("occams-api-sync")) {
                cmd.addAll(List.of("--sync", "true"));
            }
            if (c.startsWith("occams-tls-")) {
                cmd.addAll(List.of("--tls", tlsDir().toString()));
            }
            if (c.startsWith("occams-api")) {
                cmd.addAll(List.of("--metrics", c.endsWith(METRICS) ? "on" : "off"));
            }
            cmd.addAll(List.of(
                    "--port",
                    String.valueOf(port),
                    "--conns",
                    String.valueOf(s.conns),
                    "--inflight",
                    String.valueOf(s.inflight),
                    "--payload",
                    String.valueOf(s.payload),
                    "--blob",
                    String.valueOf(s.blob),
                    "--warmup",
                    String.valueOf(warmup),
                    "--duration",
                    String.valueOf(duration)));
        }
        Path err = out.resolve("logs").resolve(named + "-" + s.name + "-" + rep + ".err");
        Process p = new ProcessBuilder(cmd).redirectError(err.toFile()).start();
        List<String> lines = new ArrayList<>();
        Process server = servers.get(named);
        long[] serverCpu = {-1, -1}; // the server JVM's CPU time at the client's WINDOW and RESULT lines
        Path[] perfFiles = new Path[2]; // perf stat of the client [0] and the server [1] over the window
        Process[] perfs = new Process[2];
        Thread reader = new Thread(() -> {
            try (BufferedReader r =
                    new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String l;
                while ((l = r.readLine()) != null) {
                    if (l.startsWith("WINDOW") || l.startsWith("RESULT")) {
                        serverCpu[l.startsWith("WINDOW") ? 0 : 1] = cpuNanos(server);
                    }
                    if (perf && l.startsWith("WINDOW") && server != null) {
                        for (int side = 0; side < 2; side++) {
                            perfFiles[side] = out.resolve("perf")
                                    .resolve(named + "-" + s.name + "-" + rep + (side == 0 ? "-client" : "-server")
                                            + ".csv");
                            perfs[side] = perfStat(side == 0 ? p.pid() : server.pid(), duration, perfFiles[side]);
                        }
                    }
                    synchronized (lines) {
                        lines.add(l);
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        reader.start();
        if (!p.waitFor((long) (warmup + duration + 40), TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
        reader.join(5000);
        for (Process pp : perfs) {
            if (pp != null && !pp.waitFor(10, TimeUnit.SECONDS)) {
                pp.destroyForcibly();
            }
        }
        String all;
        synchronized (lines) {
            all = String.join("\n", lines);
        }
        if (c.startsWith("occams-tls") && tlsReported.add(named)) {
            System.out.printf(
                    "          %s TLS: client: %s; server: %s%n",
                    named, tlsLine(err), tlsLine(out.resolve("logs").resolve(named + "-server.err")));
        }
        Run run = c.equals("iperf3")
                ? parseIperf(named, s, rep, all)
                : c.startsWith("grpc") ? parseGrpc(named, s, rep, all) : parseOurs(named, s, rep, all);
        Matcher cpu = CPU.matcher(all);
        if (cpu.find() && serverCpu[0] >= 0 && serverCpu[1] >= 0 && run.callsPerSec > 0) {
            double calls = run.callsPerSec
                    * Double.parseDouble(all.replaceAll("(?s).*RESULT calls=\\d+ secs=([\\d.]+).*", "$1"));
            double clientMs = Double.parseDouble(cpu.group(1));
            double serverMs = (serverCpu[1] - serverCpu[0]) / 1e6;
            if (clientMs >= 0) {
                cpuUs.put(run, new double[] {clientMs * 1e3 / calls, serverMs * 1e3 / calls});
            }
        }
        if (perfs[0] != null && perfs[1] != null && run.callsPerSec > 0) {
            double calls = run.callsPerSec * duration;
            double[] c0 = perfCounts(perfFiles[0]);
            double[] c1 = perfCounts(perfFiles[1]);
            perCall.put(run, new double[] {c0[0] / calls, c1[0] / calls, c0[1] / calls, c1[1] / calls});
        }
        return run;
    }

    /** Syscalls and context switches per call (client, server, client, server), per run; {@code --perf} only. */
    private final java.util.IdentityHashMap<Run, double[]> perCall = new java.util.IdentityHashMap<>();

    /**
     * {@code perf stat} of every thread of {@code pid} for {@code seconds}: syscalls entered and context
     * switches, as CSV into {@code file}. Needs perf and permission to attach (root, or
     * {@code kernel.perf_event_paranoid} at most 1 for one's own processes).
     */
    private static Process perfStat(long pid, double seconds, Path file) throws IOException {
        return new ProcessBuilder(
                        "perf",
                        "stat",
                        "-x,",
                        "-e",
                        "raw_syscalls:sys_enter,context-switches",
                        "-p",
                        String.valueOf(pid),
                        "-o",
                        file.toString(),
                        "--",
                        "sleep",
                        String.format(Locale.ROOT, "%.3f", seconds))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
    }

    /** [syscalls, context switches] from a {@code perf stat -x,} file; NaN where missing. */
    private static double[] perfCounts(Path file) {
        double[] r = {Double.NaN, Double.NaN};
        try {
            for (String l : Files.readAllLines(file)) {
                String[] f = l.split(",");
                if (f.length > 2 && !f[0].isEmpty() && Character.isDigit(f[0].charAt(0))) {
                    int i = f[2].startsWith("raw_syscalls") ? 0 : f[2].startsWith("context-switches") ? 1 : -1;
                    if (i >= 0) {
                        r[i] = Double.parseDouble(f[0]);
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            // no figures
        }
        return r;
    }

    /** The TLS contenders whose engine and cipher suite were printed. */
    private final java.util.Set<String> tlsReported = new java.util.HashSet<>();

    /** What a TLS JVM logged about its first session (engine, protocol, cipher suite), from its stderr. */
    private static String tlsLine(Path err) {
        try (var lines = Files.lines(err)) {
            return lines.filter(l -> l.contains("TLS on the") && l.contains("first session"))
                    .map(l -> l.substring(l.indexOf("TLS on the")))
                    .findFirst()
                    .orElse("(not logged)");
        } catch (IOException | UncheckedIOException e) {
            return "(no log)";
        }
    }

    /** The client's own CPU time over the measured window, at the end of its RESULT line ({@link Measure#run}). */
    private static final Pattern CPU = Pattern.compile("RESULT .* cpums=([\\d.-]+)");

    /** CPU microseconds per call over the measured window, client JVM [0] and server JVM [1], per run (occams and raw only). */
    private final java.util.IdentityHashMap<Run, double[]> cpuUs = new java.util.IdentityHashMap<>();

    /** A process's CPU time so far (user + system, all threads), or -1 when the platform does not tell. */
    private static long cpuNanos(Process p) {
        return p == null
                ? -1
                : p.info().totalCpuDuration().map(java.time.Duration::toNanos).orElse(-1L);
    }

    private static final Pattern RESULT =
            Pattern.compile("RESULT calls=(\\d+) secs=([\\d.]+) p50us=([\\d.]+) p99us=([\\d.]+) errors=(\\d+)");

    private static Run parseOurs(String c, Shape s, int rep, String output) {
        Matcher m = RESULT.matcher(output);
        if (!m.find()) {
            return new Run(c, s, rep, Double.NaN, Double.NaN, Double.NaN, -1);
        }
        return new Run(
                c,
                s,
                rep,
                Long.parseLong(m.group(1)) / Double.parseDouble(m.group(2)),
                Double.parseDouble(m.group(3)),
                Double.parseDouble(m.group(4)),
                Long.parseLong(m.group(5)));
    }

    private static final Pattern IPERF = Pattern.compile("([\\d.]+) Mbits/sec.*receiver");

    /** iperf3's receiver line, as the 64 KiB "calls" per second that carry the same bytes (no latency). */
    private static Run parseIperf(String c, Shape s, int rep, String output) {
        Matcher m = IPERF.matcher(output);
        if (!m.find()) {
            return new Run(c, s, rep, Double.NaN, Double.NaN, Double.NaN, -1);
        }
        double bytesPerSec = Double.parseDouble(m.group(1)) * 1e6 / 8;
        return new Run(c, s, rep, bytesPerSec / s.blob, Double.NaN, Double.NaN, 0);
    }

    private static Run parseGrpc(String c, Shape s, int rep, String output) {
        return new Run(
                c,
                s,
                rep,
                grpcNumber(output, "QPS:"),
                grpcNumber(output, "50%ile Latency (in micros):"),
                grpcNumber(output, "99%ile Latency (in micros):"),
                0);
    }

    private static double grpcNumber(String output, String label) {
        for (String line : output.split("\n")) {
            if (line.startsWith(label)) {
                return Double.parseDouble(line.substring(label.length()).trim());
            }
        }
        return Double.NaN;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    static String loadAverage() {
        try {
            String[] f = Files.readString(Paths.get("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "?";
        }
    }

    static double median(List<Double> xs) {
        double[] v = xs.stream()
                .filter(d -> !d.isNaN())
                .mapToDouble(Double::doubleValue)
                .sorted()
                .toArray();
        if (v.length == 0) {
            return Double.NaN;
        }
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    record Row(String contender, Shape shape, double calls, double p50, double p99, double mb, long errors, int n) {}

    private Row row(String c, Shape s) {
        List<Run> rs = runs.stream()
                .filter(r -> r.contender.equals(c) && r.shape.equals(s))
                .toList();
        return new Row(
                c,
                s,
                median(rs.stream().map(Run::callsPerSec).toList()),
                median(rs.stream().map(Run::p50us).toList()),
                median(rs.stream().map(Run::p99us).toList()),
                median(rs.stream().map(Run::mbPerSec).toList()),
                rs.stream().mapToLong(Run::errors).sum(),
                (int) rs.stream().filter(r -> !Double.isNaN(r.callsPerSec)).count());
    }

    /**
     * The ceiling of a shape: the faster of the raw echoes run ({@code raw}, {@code raw-blocking}), by calls/s
     * (MB/s for blobs). On a quiet machine that is the selector echo; on one loaded by other processes the
     * blocking echo, whose four threads a side get more of the CPU than two, can be faster.
     */
    private Row ceiling(Shape s) {
        Row best = null;
        for (String c : List.of("raw", "raw-blocking")) {
            if (contenders.contains(c)) {
                Row r = row(c, s);
                double v = s.blob > 0 ? r.mb : r.calls;
                if (best == null
                        || Double.isNaN(s.blob > 0 ? best.mb : best.calls)
                        || v > (s.blob > 0 ? best.mb : best.calls)) {
                    best = r;
                }
            }
        }
        return best;
    }

    private void write() throws IOException {
        String endLoad = loadAverage();
        StringBuilder csvRuns = new StringBuilder("contender,shape,round,calls_per_s,p50_us,p99_us,mb_per_s,errors\n");
        for (Run r : runs) {
            csvRuns.append(String.format(
                    Locale.ROOT,
                    "%s,%s,%d,%.0f,%.1f,%.1f,%.1f,%d%n",
                    r.contender,
                    r.shape.name,
                    r.rep,
                    r.callsPerSec,
                    r.p50us,
                    r.p99us,
                    r.mbPerSec(),
                    r.errors));
        }
        StringBuilder csv = new StringBuilder(
                "shape,contender,calls_per_s,p50_us,p99_us,mb_per_s,x_grpc_tuned,of_ceiling,runs,errors\n");
        StringBuilder md = new StringBuilder();
        md.append(String.format(
                Locale.ROOT,
                "Load harness, %s. Machine: %d cores, %s, JDK %s (%s). Load average at start %s, at end %s. "
                        + "%d round(s) alternating, %.0f s warm-up (gRPC clients %.0f s, remote-API clients %.0f s) + %.0f s measured per run, after a %.0f s "
                        + "warm-up of each server; medians over rounds; client and server in separate JVMs on 127.0.0.1. "
                        + "Of ceiling: against the faster of raw and raw-blocking in this run.%n%n",
                started.format(DateTimeFormatter.ISO_OFFSET_DATE_TIME)
                        .substring(0, 16)
                        .replace('T', ' '),
                Runtime.getRuntime().availableProcessors(),
                osName(),
                System.getProperty("java.version"),
                System.getProperty("java.vm.name"),
                startLoad,
                endLoad,
                reps,
                warmup,
                grpcWarmup,
                apiWarmup,
                duration,
                serverWarmup));
        md.append("| shape | contender | calls/s | p50 us | p99 us | MB/s | x gRPC tuned | of ceiling |\n");
        md.append("|---|---|---:|---:|---:|---:|---:|---:|\n");
        for (Shape s : shapes) {
            Row tuned = contenders.contains("grpc-tuned") ? row("grpc-tuned", s) : null;
            Row raw = ceiling(s);
            for (String c : contenders) {
                if (!runs(c, s)) {
                    continue;
                }
                Row r = row(c, s);
                double metric = s.blob > 0 ? r.mb : r.calls;
                double vsGrpc = tuned == null ? Double.NaN : metric / (s.blob > 0 ? tuned.mb : tuned.calls);
                double vsRaw = raw == null ? Double.NaN : metric / (s.blob > 0 ? raw.mb : raw.calls);
                csv.append(String.format(
                        Locale.ROOT,
                        "%s,%s,%.0f,%.1f,%.1f,%.1f,%.3f,%.3f,%d,%d%n",
                        s.name,
                        c,
                        r.calls,
                        r.p50,
                        r.p99,
                        r.mb,
                        vsGrpc,
                        vsRaw,
                        r.n,
                        r.errors));
                md.append(String.format(
                        Locale.ROOT,
                        "| %s | %s | %,.0f | %,.1f | %,.1f | %s | %s | %s |%n",
                        s.name,
                        c,
                        r.calls,
                        r.p50,
                        r.p99,
                        s.blob > 0 ? String.format(Locale.ROOT, "%,.0f", r.mb) : "",
                        Double.isNaN(vsGrpc) ? "" : String.format(Locale.ROOT, "%.2fx", vsGrpc),
                        Double.isNaN(vsRaw) ? "" : String.format(Locale.ROOT, "%.0f%%", 100 * vsRaw)));
            }
        }
        md.append(cpuTable());
        Files.writeString(out.resolve("results.md"), md);
        Files.writeString(out.resolve("results.csv"), csv);
        Files.writeString(out.resolve("runs.csv"), csvRuns);
        System.out.println();
        System.out.print(md);
        System.out.println();
        System.out.println("written: " + out.resolve("results.md") + ", results.csv, runs.csv");
    }

    /**
     * CPU per call, client and server JVM, medians over rounds: what a call costs whatever the load
     * on the machine, and (for blobs) the throughput it allows when the client and the server have
     * every core of this machine to themselves: cores / (CPU seconds per byte).
     */
    private String cpuTable() {
        if (cpuUs.isEmpty()) {
            return "";
        }
        int cores = Runtime.getRuntime().availableProcessors();
        StringBuilder md = new StringBuilder(String.format(
                Locale.ROOT,
                "%nCPU per call over the measured windows (client JVM + server JVM, "
                        + "user + system time, medians over rounds). The ceiling is what that cost allows on %d idle cores: "
                        + "%d x 1 s of CPU / (CPU per call).%n%n| shape | contender | client CPU us/call | server CPU us/call | "
                        + "total us/call | ceiling calls/s | ceiling MB/s |%n|---|---|---:|---:|---:|---:|---:|%n",
                cores,
                cores));
        for (Shape s : shapes) {
            for (String c : contenders) {
                List<double[]> xs = runs.stream()
                        .filter(r -> r.contender.equals(c) && r.shape.equals(s) && cpuUs.containsKey(r))
                        .map(cpuUs::get)
                        .toList();
                if (xs.isEmpty()) {
                    continue;
                }
                double client = median(xs.stream().map(x -> x[0]).toList());
                double server = median(xs.stream().map(x -> x[1]).toList());
                double total = median(xs.stream().map(x -> x[0] + x[1]).toList());
                double calls = cores * 1e6 / total;
                md.append(String.format(
                        Locale.ROOT,
                        "| %s | %s | %,.2f | %,.2f | %,.2f | %,.0f | %s |%n",
                        s.name,
                        c,
                        client,
                        server,
                        total,
                        calls,
                        s.blob > 0 ? String.format(Locale.ROOT, "%,.0f", calls * s.blob / 1e6) : ""));
            }
        }
        return md.toString();
    }

    private static String osName() {
        return System.getProperty("os.name") + " " + System.getProperty("os.arch");
    }
}
