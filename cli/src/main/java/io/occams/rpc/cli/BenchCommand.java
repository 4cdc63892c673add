package io.occams.rpc.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.netty.buffer.ByteBuf;
import io.occams.rpc.api.RpcException;
import io.occams.rpc.api.spi.Runtime;
import io.occams.rpc.discovery.zookeeper.ServiceCaller;
import io.occams.rpc.discovery.zookeeper.ZooKeeperDiscovery;
import io.occams.rpc.stream.Caller;
import io.occams.rpc.stream.ClientStream;
import io.occams.rpc.stream.ClientTask;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;
import org.HdrHistogram.Recorder;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code occams bench}: closed-loop load. Each of {@code --connections} connections keeps
 * {@code --inflight} calls outstanding for {@code --duration} seconds (after a warm-up); every answer
 * sends the next call. The latencies of successful calls go into an HdrHistogram, and calls/s counts
 * them alone; failed calls are counted apart, by error. A progress line every second; then a summary
 * (calls/s, percentiles, errors by code), optionally as JSON and as a latency-by-percentile chart (PNG,
 * logarithmic latency axis). Every option and output path is checked before the first call (a usage
 * error, exit 64); a run whose first second brings errors and no success stops there and says why.
 * Exit code: 0 without errors, else 2 when any was an {@code rpc_*} error, 1 when all were the service's.
 */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        description = "Closed-loop load against a server; prints calls/s, latency percentiles and errors.")
final class BenchCommand implements Callable<Integer> {
    @Mixin
    Target target;

    @Mixin
    ZooKeeperOption zk;

    @Option(
            names = {"-c", "--connections"},
            description = "Connections (default: 4).")
    int connections = 4;

    @Option(
            names = {"-w", "--inflight"},
            description = "Calls in flight per connection (default: 100).")
    int inflight = 100;

    @Option(
            names = {"-d", "--duration"},
            description = "Measured seconds (default: 10).")
    int duration = 10;

    @Option(names = "--warmup", description = "Warm-up seconds, not measured (default: 2).")
    int warmup = 2;

    @Option(
            names = {"-p", "--payload"},
            description = "Size in bytes of the string argument sent, 0 or more (default: 8).")
    int payload = 8;

    @Option(
            names = {"-m", "--method"},
            description = "Service.method to call with the payload string (default: EchoService.repeat).")
    String method = "EchoService.repeat";

    @Option(
            names = "--arg",
            description = "JSON argument(s) to send instead of the payload string; repeat for several.")
    List<String> args = new ArrayList<>();

    @Option(names = "--json", paramLabel = "FILE", description = "Write the summary as JSON.")
    File json;

    @Option(names = "--plot", paramLabel = "FILE", description = "Write a latency-by-percentile chart (PNG).")
    File plot;

    private final Recorder recorder = new Recorder(TimeUnit.MINUTES.toNanos(1), 3);
    private final Map<String, LongAdder> errors = new ConcurrentHashMap<>();
    private final LongAdder okCalls = new LongAdder();
    /** Never reset (the warm-up included): what the first second brought. */
    private final LongAdder okSinceStart = new LongAdder();

    private final LongAdder errorsSinceStart = new LongAdder();
    private final java.util.concurrent.atomic.AtomicBoolean rpcErrors = new java.util.concurrent.atomic.AtomicBoolean();
    private final AtomicInteger outstanding = new AtomicInteger();
    private volatile boolean measuring;
    private volatile boolean stopping;
    private byte[] msg;

    @Override
    public Integer call() throws Exception {
        check();
        msg = JsonMsgpack.encodeArgs(args.isEmpty() ? List.of(jsonString(payload)) : args);
        if (zk.enabled()) {
            return benchThroughZooKeeper();
        }
        System.out.printf(
                "bench %s at %s: %d connections x %d in flight, %d s (+%d s warm-up), %s runtime%n",
                method, target.address, connections, inflight, duration, warmup, target.runtime);
        try (Runtime rt = target.newRuntime()) {
            List<ClientStream> streams = new ArrayList<>();
            for (int i = 0; i < connections; i++) {
                streams.add(target.connect(rt, inflight));
            }
            for (ClientStream s : streams) {
                for (int i = 0; i < inflight; i++) {
                    outstanding.incrementAndGet();
                    s.submit(new Call(s));
                }
            }
            Histogram total = run();
            stopping = true;
            if (total == null) { // the first second failed entirely: said why
                closeQuietly(streams);
                return rpcErrors.get() ? Main.RPC_ERROR : Main.SERVICE_ERROR;
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos((long) target.timeoutSeconds + 2);
            while (outstanding.get() > 0 && System.nanoTime() < deadline) {
                LockSupport.parkNanos(1_000_000);
            }
            for (ClientStream s : streams) {
                s.close();
            }
            return summarize(total);
        }
    }

    /** Every option and output path, before anything is sent: {@link Main.UsageError} names the first bad one. */
    private void check() {
        target.check();
        range("--connections", connections, 1, 1024);
        range("--inflight", inflight, 1, 65_536);
        range("--duration", duration, 1, 86_400);
        range("--warmup", warmup, 0, 3_600);
        range("--payload", payload, 0, 1 << 30);
        int dot = method.indexOf('.');
        if (dot <= 0 || dot == method.length() - 1) {
            throw new Main.UsageError(
                    "--method must be Service.method (e.g. EchoService.repeat), got '" + method + "'");
        }
        writable("--json", json);
        writable("--plot", plot == null ? null : pngFile());
    }

    private static void range(String option, long value, long min, long max) {
        if (value < min || value > max) {
            throw new Main.UsageError(option + " must be "
                    + (max == Integer.MAX_VALUE ? min + " or more" : min + " to " + max) + ", got " + value);
        }
    }

    /** Whether the file can be written, checked before the run rather than found out after it. */
    private static void writable(String option, File f) {
        if (f == null) {
            return;
        }
        File abs = f.getAbsoluteFile();
        File dir = abs.getParentFile();
        if (abs.isDirectory()) {
            throw new Main.UsageError(option + " " + f + " is a folder; give a file name");
        } else if (dir == null || !dir.isDirectory()) {
            throw new Main.UsageError(option + " " + f + ": the folder " + dir + " does not exist");
        } else if (abs.exists() ? !abs.canWrite() : !canCreate(abs.toPath())) {
            throw new Main.UsageError(option + " " + f + ": "
                    + (abs.exists() ? "the file is not writable" : "cannot create a file in " + dir));
        }
    }

    /** Creates the file and deletes it again: the one sure test (permissions, read-only or special file systems). */
    private static boolean canCreate(java.nio.file.Path p) {
        try {
            java.nio.file.Files.delete(java.nio.file.Files.createFile(p));
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** The chart's file: XChart adds ".png" to a name without it. */
    private File pngFile() {
        return plot.getPath().endsWith(".png") ? plot : new File(plot.getPath() + ".png");
    }

    private static void closeQuietly(List<ClientStream> streams) {
        for (ClientStream s : streams) {
            s.close();
        }
    }

    /**
     * {@code --zookeeper}: the same closed loop, {@code connections x inflight} calls outstanding, through
     * one pool over the endpoints registered for the method's service (up to {@code connections}
     * connections per endpoint), following them as they come and go.
     */
    private int benchThroughZooKeeper() throws Exception {
        String service = ZooKeeperOption.serviceOf(method);
        System.out.printf(
                "bench %s through ZooKeeper at %s: %d x %d in flight, %d s (+%d s warm-up), %s runtime%n",
                method, zk.connect, connections, inflight, duration, warmup, target.runtime);
        try (Runtime rt = target.newRuntime();
                ZooKeeperDiscovery d = zk.open();
                ServiceCaller c = d.callerFor(service)
                        .runtime(rt)
                        .config(io.occams.rpc.api.ClientConfig.builder()
                                .taskTimeout(target.config(inflight).taskTimeout())
                                .connectTimeout(java.time.Duration.ofSeconds(5))
                                .thresholds(inflight)
                                .maxConnections(connections)
                                .build())
                        .build()) {
            for (int i = 0; i < connections * inflight; i++) {
                outstanding.incrementAndGet();
                c.submit(new Call(c));
            }
            Histogram total = run();
            stopping = true;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos((long) target.timeoutSeconds + 2);
            while (outstanding.get() > 0 && System.nanoTime() < deadline) {
                LockSupport.parkNanos(1_000_000);
            }
            return summarize(total);
        }
    }

    private Histogram run() {
        long start = System.nanoTime();
        long warmEnd = start + TimeUnit.SECONDS.toNanos(warmup);
        long end = warmEnd + TimeUnit.SECONDS.toNanos(duration);
        Histogram total = new Histogram(TimeUnit.MINUTES.toNanos(1), 3);
        Histogram interval = null;
        long next = start;
        boolean first = true;
        @SuppressWarnings("SystemConsoleNull") // release 21 has no Console.isTerminal(); on 22+ this is true more often
        boolean tty = System.console() != null;
        measuring = warmup == 0; // else the first tick after the warm-up starts the measurement
        while (true) {
            next += TimeUnit.SECONDS.toNanos(1);
            long now;
            while ((now = System.nanoTime()) < Math.min(next, end)) {
                LockSupport.parkNanos(Math.min(next, end) - now);
            }
            if (first && okSinceStart.sum() == 0 && errorsSinceStart.sum() > 0) {
                // The first second brought only errors: the rest of the run would measure nothing but them.
                if (tty) {
                    System.out.println();
                }
                System.err.printf(
                        Locale.ROOT,
                        "bench: stopped after the first second: every call failed (%,d), none succeeded; %s%n",
                        errorsSinceStart.sum(),
                        mostFrequentError());
                return null;
            }
            // "The first second" is the first one with answers: on a slow machine that may be a later tick.
            first &= okSinceStart.sum() + errorsSinceStart.sum() == 0;
            if (!measuring && now >= warmEnd) {
                recorder.getIntervalHistogram(); // drop what the warm-up recorded
                okCalls.reset();
                errors.clear();
                rpcErrors.set(false);
                measuring = true;
                start = now;
                continue;
            }
            interval = recorder.getIntervalHistogram(interval);
            if (measuring) {
                total.add(interval);
            }

            double secs = (now - start) / 1e9;
            String line = String.format(
                    Locale.ROOT,
                    "%s %5.1fs %,12.0f calls/s  p50 %8.3f ms  p99 %8.3f ms  errors %d",
                    measuring ? "     " : "warm ",
                    secs,
                    interval.getTotalCount() / 1.0,
                    interval.getValueAtPercentile(50) / 1e6,
                    interval.getValueAtPercentile(99) / 1e6,
                    errorCount());
            System.out.print(tty ? "\r" + line : line + "\n");
            System.out.flush();
            if (now >= end) {
                if (tty) {
                    System.out.println();
                }
                return total;
            }
        }
    }

    private String mostFrequentError() {
        Map.Entry<String, LongAdder> top = null;
        for (Map.Entry<String, LongAdder> e : errors.entrySet()) {
            if (top == null || e.getValue().sum() > top.getValue().sum()) {
                top = e;
            }
        }
        return top == null
                ? ""
                : "the most frequent error: " + top.getKey() + " ("
                        + top.getValue().sum() + " times)";
    }

    private long errorCount() {
        long n = 0;
        for (LongAdder a : errors.values()) {
            n += a.sum();
        }
        return n;
    }

    /** Prints (and writes) the summary; the exit code: 0 without errors, 2 with an rpc_* error, else 1. */
    private int summarize(Histogram h) throws IOException {
        double rate = h.getTotalCount() / (double) duration;
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("method", method);
        s.put("address", target.address);
        s.put("runtime", target.runtime.name());
        s.put("connections", connections);
        s.put("inflight", inflight);
        s.put("durationSeconds", duration);
        s.put("payloadBytes", payload);
        s.put("calls", h.getTotalCount());
        s.put("callsPerSecond", Math.round(rate));
        Map<String, Double> lat = new LinkedHashMap<>();
        for (double p : new double[] {50, 90, 99, 99.9}) {
            lat.put(
                    "p" + (p == Math.rint(p) ? String.valueOf((int) p) : String.valueOf(p)),
                    h.getValueAtPercentile(p) / 1e6);
        }
        lat.put("max", h.getMaxValue() / 1e6);
        lat.put("mean", h.getMean() / 1e6);
        s.put("latencyMillis", lat);
        Map<String, Long> errs = new LinkedHashMap<>();
        errors.forEach((k, v) -> errs.put(k, v.sum()));
        s.put("errors", errs);

        long failed = 0;
        for (Long n : errs.values()) {
            failed += n;
        }
        s.put("failedCalls", failed);
        System.out.printf(
                Locale.ROOT,
                "%n%,d successful calls in %d s: %,.0f calls/s%s%n",
                h.getTotalCount(),
                duration,
                rate,
                failed == 0 ? "" : String.format(Locale.ROOT, " (and %,d failed calls, not counted)", failed));
        System.out.printf(
                Locale.ROOT,
                "latency ms: p50 %.3f  p90 %.3f  p99 %.3f  p99.9 %.3f  max %.3f%n",
                lat.get("p50"),
                lat.get("p90"),
                lat.get("p99"),
                lat.get("p99.9"),
                lat.get("max"));
        System.out.println(errs.isEmpty() ? "errors: none" : "errors: " + errs);
        if (h.getTotalCount() == 0 && failed > 0) {
            System.err.printf(
                    Locale.ROOT, "bench: every call failed (%,d), none succeeded; %s%n", failed, mostFrequentError());
        }
        if (json != null) {
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json, s);
            System.out.println("summary written to " + json);
        }
        if (plot != null && h.getTotalCount() == 0) {
            System.out.println("no chart: no call succeeded");
        } else if (plot != null) {
            writePlot(h, rate);
            System.out.println("chart written to " + pngFile());
        }
        return errs.isEmpty() ? Main.OK : rpcErrors.get() ? Main.RPC_ERROR : Main.SERVICE_ERROR;
    }

    private void writePlot(Histogram h, double rate) throws IOException {
        List<Double> xs = new ArrayList<>();
        List<Double> ys = new ArrayList<>();
        for (HistogramIterationValue v : h.percentiles(5)) {
            double p = v.getPercentileLevelIteratedTo();
            if (p >= 100.0) {
                break;
            }
            xs.add(Math.log10(1.0 / (1.0 - p / 100.0))); // 0 = p0, 1 = p90, 2 = p99, 3 = p99.9
            ys.add(Math.max(v.getValueIteratedTo() / 1e6, 0.001)); // a log axis: nothing at or below 0
            if (v.getValueIteratedTo() >= 0.99 * h.getMaxValue()) {
                break; // the max is reached (within 1%): the rest would be a flat line to the right edge
            }
        }
        // The few slowest calls make a flat tail of the same value out to the right edge: the line ends
        // where its last value is first reached.
        while (ys.size() >= 2 && ys.get(ys.size() - 2).equals(ys.get(ys.size() - 1))) {
            xs.remove(xs.size() - 1);
            ys.remove(ys.size() - 1);
        }
        XYChart chart = new XYChartBuilder()
                .width(1000)
                .height(600)
                .title(String.format(
                        Locale.ROOT,
                        "%s: %,.0f calls/s, %d x %d in flight, %s runtime",
                        method,
                        rate,
                        connections,
                        inflight,
                        target.runtime))
                .xAxisTitle("percentile, in nines: 1 = p90, 2 = p99, 3 = p99.9, 4 = p99.99")
                .yAxisTitle("latency (ms, logarithmic)")
                .build();
        // A plain linear axis over log10(1/(1-p)), with XChart's own tick labels: any tick formatting
        // function sends XChart 3.8.8 into its callback tick calculator, which never finishes here.
        chart.getStyler().setLegendVisible(true);
        chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideNW);
        chart.getStyler().setMarkerSize(4);
        chart.getStyler().setXAxisDecimalPattern("0.#");
        // Latency spans decades (p50 near the floor, the max far above): a logarithmic axis shows them all.
        chart.getStyler().setYAxisLogarithmic(true);
        // The percentile axis ends where the data ends.
        chart.getStyler().setXAxisMin(0.0);
        chart.getStyler().setXAxisMax(xs.isEmpty() ? 1.0 : Math.max(xs.get(xs.size() - 1), 0.1));
        XYSeries series = chart.addSeries(
                String.format(
                        Locale.ROOT,
                        "p50 %.3f ms, p99 %.3f ms, p99.9 %.3f ms",
                        h.getValueAtPercentile(50) / 1e6,
                        h.getValueAtPercentile(99) / 1e6,
                        h.getValueAtPercentile(99.9) / 1e6),
                xs,
                ys);
        series.setMarker(org.knowm.xchart.style.markers.SeriesMarkers.CIRCLE);
        String name = plot.getPath();
        BitmapEncoder.saveBitmap(
                chart,
                name.endsWith(".png") ? name.substring(0, name.length() - 4) : name,
                BitmapEncoder.BitmapFormat.PNG);
    }

    private static String jsonString(int n) {
        StringBuilder b = new StringBuilder(n + 2).append('"');
        for (int i = 0; i < n; i++) {
            b.append((char) ('a' + i % 26));
        }
        return b.append('"').toString();
    }

    /** One call; its completion records the latency and sends the next call on the same stream. */
    private final class Call extends ClientTask {
        private final Caller stream;
        private final long started = System.nanoTime();

        Call(Caller stream) {
            super(method);
            this.stream = stream;
        }

        @Override
        public void encodeMsg(ByteBuf out) {
            out.writeBytes(msg);
        }

        @Override
        public void onReply(ByteBuf m, ByteBuf b) {
            done(null);
        }

        @Override
        public void onErrno(int errno) {
            done("errno " + Integer.toUnsignedString(errno));
        }

        @Override
        public void onErrorString(ByteBuf text) {
            done("error \"" + text.toString(StandardCharsets.UTF_8) + "\"");
        }

        @Override
        public void onFailure(RpcException e) {
            rpcErrors.set(true);
            done(e.code() != null ? e.code().wireName() : e.getMessage());
        }

        private void done(String error) {
            if (error != null) {
                errors.computeIfAbsent(error, k -> new LongAdder()).increment();
                errorsSinceStart.increment();
            } else {
                recorder.recordValue(Math.min(System.nanoTime() - started, TimeUnit.MINUTES.toNanos(1)));
                okCalls.increment();
                okSinceStart.increment();
            }
            if (stopping || (stream instanceof ClientStream s ? s.isClosed() : ((ServiceCaller) stream).isClosed())) {
                outstanding.decrementAndGet();
            } else {
                stream.submit(new Call(stream));
            }
        }
    }
}
