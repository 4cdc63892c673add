package io.occams.rpc.benchmarks.load;

import io.netty.buffer.ByteBuf;
import io.occams.rpc.api.ClientConfig;
import io.occams.rpc.api.RpcAddress;
import io.occams.rpc.api.RpcException;
import io.occams.rpc.api.spi.Runtime;
import io.occams.rpc.pool.FailoverPool;
import io.occams.rpc.stream.ClientTask;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import javax.imageio.ImageIO;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * {@code benchmarks/run soak [--minutes N]}: for each runtime (netty and vthreads, at the same time), two
 * {@link SoakServer} JVMs (A and B, {@code -Xmx256m}) whose {@link BenchService} provider is hot-swapped
 * every 2 s, and in this JVM a {@link FailoverPool} over both with {@code --chains} (default 32) calls always
 * in flight (idempotent echo calls, 10 s timeout). Every {@code minutes/4} server B is restarted on its port,
 * alternately stopped gracefully (SIGTERM) and killed (SIGKILL); every 5 s a garbage peer connects to A and
 * to B and writes 64 KiB of random bytes. Reports calls, failures by code, and each server's RSS and heap
 * over time: {@code soak.md}, {@code soak.csv} and the plot {@code soak.png} in {@code --out} (default
 * benchmarks/target/soak).
 */
public final class SoakHarness {
    private static final String ACTION = "BenchService.echo";

    private SoakHarness() {}

    public static void main(String[] args) throws Exception {
        System.setProperty("java.awt.headless", "true");
        double minutes = Double.parseDouble(Measure.opt(args, "minutes", "10"));
        int chains = Integer.parseInt(Measure.opt(args, "chains", "32"));
        List<String> runtimes =
                List.of(Measure.opt(args, "runtimes", "netty,vthreads").split(","));
        Path out = Paths.get(Measure.opt(
                args,
                "out",
                Paths.get(SoakHarness.class
                                .getProtectionDomain()
                                .getCodeSource()
                                .getLocation()
                                .toURI())
                        .getParent()
                        .resolve("soak")
                        .toString()));
        Files.createDirectories(out);
        long totalMillis = (long) (minutes * 60_000);
        long restartEvery = Math.max(20_000, totalMillis / 4);
        long garbageEvery = 5_000;
        long t0 = System.currentTimeMillis();

        List<Side> sides = new ArrayList<>();
        for (String rt : runtimes) {
            sides.add(new Side(rt, out, chains, t0));
        }
        for (Side s : sides) {
            s.start();
        }
        System.out.printf(
                Locale.ROOT,
                "soak: %s, %.1f min, %d chains per runtime; B restarts every %d s, a garbage peer every %d s%n",
                runtimes,
                minutes,
                chains,
                restartEvery / 1000,
                garbageEvery / 1000);
        long end = t0 + totalMillis;
        long nextRestart = t0 + restartEvery;
        long nextGarbage = t0 + garbageEvery;
        int restarts = 0;
        while (System.currentTimeMillis() < end) {
            Thread.sleep(1_000);
            long now = System.currentTimeMillis();
            for (Side s : sides) {
                s.sample(now);
            }
            if (now >= nextGarbage) {
                for (Side s : sides) {
                    s.garbage();
                }
                nextGarbage += garbageEvery;
            }
            if (now >= nextRestart && now + 10_000 < end) {
                boolean graceful = restarts % 2 == 0;
                for (Side s : sides) {
                    Thread.ofPlatform().name(s.runtime + " restart").start(() -> s.restartB(graceful));
                }
                restarts++;
                nextRestart += restartEvery;
            }
            if ((now - t0) / 1000 % 30 == 0) {
                for (Side s : sides) {
                    System.out.println("  " + (now - t0) / 1000 + " s " + s.line());
                }
            }
        }
        for (Side s : sides) {
            s.stop();
        }
        report(out, sides, minutes, chains, restartEvery, garbageEvery, t0);
    }

    /** One runtime: two servers, a pool over both, the load, and what was seen. */
    static final class Side {
        final String runtime;
        final Path out;
        final int chains;
        final long t0;
        final Proc a;
        volatile Proc b;
        /** Every incarnation of B, the current one last. */
        final List<Proc> bs = new CopyOnWriteArrayList<>();

        Runtime clientRuntime;
        FailoverPool pool;
        final AtomicLong ok = new AtomicLong();
        final Map<String, LongAdder> failures = new ConcurrentHashMap<>();
        final List<long[]> callsPerSecond =
                new CopyOnWriteArrayList<>(); // {t, ok in that second, failed in that second}
        final List<String> events = new CopyOnWriteArrayList<>();
        final AtomicInteger garbagePeers = new AtomicInteger();
        final AtomicInteger garbageClosedByServer = new AtomicInteger();
        final List<Thread> garbageThreads = new CopyOnWriteArrayList<>();
        private long lastOk;
        private long lastFailed;
        private long lastSample;
        private final java.util.concurrent.atomic.AtomicBoolean restarting =
                new java.util.concurrent.atomic.AtomicBoolean();
        private volatile boolean stopping;
        private CountDownLatch drained;

        Side(String runtime, Path out, int chains, long t0) throws IOException {
            this.runtime = runtime;
            this.out = out;
            this.chains = chains;
            this.t0 = t0;
            this.a = new Proc(runtime + " A", out, runtime, 0, t0);
            this.b = new Proc(runtime + " B", out, runtime, 0, t0);
            bs.add(b);
        }

        List<double[]> bSamples() {
            List<double[]> all = new ArrayList<>();
            for (Proc p : bs) {
                all.addAll(p.samples);
            }
            return all;
        }

        double bMaxSeen() {
            return rssStats(bSamples())[1];
        }

        void start() {
            clientRuntime = OccamsServer.runtime(runtime);
            pool = new FailoverPool(
                    clientRuntime,
                    List.of(a.address, b.address),
                    ClientConfig.builder().maxConnections(2).build(),
                    FailoverPool.Selection.ROUND_ROBIN,
                    3);
            drained = new CountDownLatch(chains);
            for (int i = 0; i < chains; i++) {
                next();
            }
        }

        /** Submits until a call is still out (its completion goes on), looping over calls that completed at once. */
        void next() {
            while (!stopping) {
                Echo e = new Echo(this);
                pool.submit(e);
                if (e.handoff.compareAndSet(false, true)) {
                    return; // not complete yet: its completion calls next()
                }
            }
            drained.countDown();
        }

        long failedTotal() {
            long n = 0;
            for (LongAdder f : failures.values()) {
                n += f.sum();
            }
            return n;
        }

        void sample(long now) {
            long o = ok.get();
            long f = failedTotal();
            long since = lastSample == 0 ? now - t0 : now - lastSample;
            long ms = Math.max(1, since);
            callsPerSecond.add(new long[] {now - t0, (o - lastOk) * 1000 / ms, (f - lastFailed) * 1000 / ms});
            lastOk = o;
            lastFailed = f;
            lastSample = now;
        }

        void garbage() {
            for (Proc p : new Proc[] {a, b}) {
                RpcAddress addr = p.address;
                garbageThreads.add(Thread.ofVirtual().start(() -> {
                    garbagePeers.incrementAndGet();
                    try (Socket s = new Socket()) {
                        s.connect(new InetSocketAddress(addr.host(), addr.port()), 5_000);
                        s.setSoTimeout(10_000);
                        byte[] junk = new byte[64 * 1024];
                        ThreadLocalRandom.current().nextBytes(junk);
                        OutputStream o = s.getOutputStream();
                        o.write(junk);
                        o.flush();
                        InputStream in = s.getInputStream();
                        byte[] buf = new byte[4096];
                        while (in.read(buf) >= 0) {
                            // until the server closes us
                        }
                        garbageClosedByServer.incrementAndGet();
                    } catch (SocketTimeoutException e) {
                        // the server kept the connection open for 10 s: not counted as closed
                    } catch (IOException e) {
                        garbageClosedByServer.incrementAndGet(); // a reset is a close too
                    }
                }));
            }
        }

        /** Stops B and starts it again on its port; on its own thread, the load and the sampling go on. */
        void restartB(boolean graceful) {
            if (!restarting.compareAndSet(false, true)) {
                return;
            }
            try {
                restart(graceful);
            } catch (IOException | InterruptedException e) {
                events.add("restart failed: " + e);
            } finally {
                restarting.set(false);
            }
        }

        private void restart(boolean graceful) throws IOException, InterruptedException {
            Proc old = b;
            long at = System.currentTimeMillis() - t0;
            old.stop(graceful);
            long stoppedAfter = System.currentTimeMillis() - t0 - at;
            b = new Proc(runtime + " B", out, runtime, old.address.port(), t0);
            bs.add(b);
            events.add(String.format(
                    Locale.ROOT,
                    "%d s: B %s in %d ms, listening again after %d ms",
                    at / 1000,
                    graceful ? "stopped (SIGTERM)" : "killed (SIGKILL)",
                    stoppedAfter,
                    System.currentTimeMillis() - t0 - at));
        }

        void stop() throws InterruptedException, IOException {
            stopping = true;
            if (!drained.await(60, TimeUnit.SECONDS)) {
                System.err.println(runtime + ": calls still in flight 60 s after the load stopped");
            }
            pool.close();
            try {
                pool.closeFuture().get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                System.err.println(runtime + ": pool close: " + e);
            }
            clientRuntime.close();
            while (restarting.get()) {
                Thread.sleep(100);
            }
            for (Thread g : garbageThreads) {
                g.join(15_000); // each gives up after 10 s: count every peer's outcome
            }
            for (Proc p : List.of(a, b)) {
                long t = System.nanoTime();
                p.stop(true);
                events.add(String.format(
                        Locale.ROOT,
                        "end: %s stopped (SIGTERM) in %d ms",
                        p.label,
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t)));
            }
        }

        String line() {
            return String.format(
                    Locale.ROOT,
                    "%-8s calls %,d failed %s; A rss %d MiB heap %d MiB; B rss %d MiB heap %d MiB",
                    runtime,
                    ok.get(),
                    failuresText(),
                    a.lastRssKiB / 1024,
                    a.lastHeap >> 20,
                    b.lastRssKiB / 1024,
                    b.lastHeap >> 20);
        }

        String failuresText() {
            if (failures.isEmpty()) {
                return "none";
            }
            Map<String, Long> m = new TreeMap<>();
            failures.forEach((k, v) -> m.put(k, v.sum()));
            return m.toString();
        }
    }

    /** One idempotent echo call; counts itself on its side and starts the next one. */
    static final class Echo extends ClientTask {
        private final Side side;
        private final int x = ThreadLocalRandom.current().nextInt(128);
        /** Whoever of the submitting loop and the completion comes second goes on with the chain. */
        final java.util.concurrent.atomic.AtomicBoolean handoff = new java.util.concurrent.atomic.AtomicBoolean();

        Echo(Side side) {
            super(ACTION);
            this.side = side;
            timeout(Duration.ofSeconds(10));
            idempotent(true);
        }

        @Override
        public void encodeMsg(ByteBuf out) {
            out.writeByte(x); // msgpack positive fixint
        }

        @Override
        public void onReply(ByteBuf msg, ByteBuf blob) {
            if (msg.readableBytes() == 1 && msg.getByte(msg.readerIndex()) == x) {
                side.ok.incrementAndGet();
            } else {
                fail("wrong reply");
            }
            done();
        }

        @Override
        public void onErrno(int errno) {
            fail("errno " + errno);
            done();
        }

        @Override
        public void onErrorString(ByteBuf text) {
            fail("error string");
            done();
        }

        @Override
        public void onFailure(RpcException failure) {
            fail(failure.code().wireName());
            done();
        }

        private void fail(String code) {
            side.failures.computeIfAbsent(code, k -> new LongAdder()).increment();
        }

        private void done() {
            if (!handoff.compareAndSet(false, true)) {
                side.next();
            }
        }

        @Override
        public String toString() {
            return "echo " + x;
        }
    }

    /** A server JVM and its STAT lines. */
    static final class Proc {
        final String label;
        final Process process;
        final RpcAddress address;
        final long t0;
        final List<double[]> samples = new CopyOnWriteArrayList<>(); // {t s, rss MiB, heap MiB}
        volatile long lastRssKiB;
        volatile long lastHeap;

        Proc(String label, Path out, String runtime, int port, long t0) throws IOException {
            this.label = label;
            this.t0 = t0;
            List<String> cmd = new ArrayList<>(List.of(
                    Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx256m",
                    "--enable-native-access=ALL-UNNAMED",
                    "--sun-misc-unsafe-memory-access=allow",
                    "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                    "-cp",
                    System.getProperty("java.class.path"),
                    SoakServer.class.getName(),
                    "--runtime",
                    runtime,
                    "--port",
                    String.valueOf(port)));
            Path err = out.resolve(label.replace(' ', '-') + ".err");
            this.process = new ProcessBuilder(cmd)
                    .redirectError(ProcessBuilder.Redirect.appendTo(err.toFile()))
                    .start();
            BufferedReader r =
                    new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            String ready = null;
            for (String line; (line = r.readLine()) != null; ) {
                if (line.startsWith("READY ")) {
                    ready = line.substring(6).trim();
                    break;
                }
            }
            if (ready == null) {
                throw new IOException(label + " ended before READY (see " + err + ")");
            }
            this.address = RpcAddress.parse(ready);
            Thread pump = new Thread(
                    () -> {
                        try {
                            for (String line; (line = r.readLine()) != null; ) {
                                if (line.startsWith("STAT ")) {
                                    stat(line);
                                }
                            }
                        } catch (IOException e) {
                            // the process ended
                        }
                    },
                    label + " stats");
            pump.setDaemon(true);
            pump.start();
        }

        @SuppressWarnings("UnusedVariable") // t: parsed with the rest of the line, not plotted yet
        private void stat(String line) {
            long t = 0;
            long rss = 0;
            long heap = 0;
            String[] parts = line.split(" ");
            t = Long.parseLong(parts[1]);
            for (String p : parts) {
                if (p.startsWith("rss=")) {
                    rss = Long.parseLong(p.substring(4));
                } else if (p.startsWith("heap=")) {
                    heap = Long.parseLong(p.substring(5));
                }
            }
            lastRssKiB = rss;
            lastHeap = heap;
            samples.add(new double[] {(t - t0) / 1000.0, rss / 1024.0, heap / (1024.0 * 1024.0)});
        }

        void stop(boolean graceful) throws InterruptedException {
            if (graceful) {
                process.destroy();
                if (!process.waitFor(90, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor();
                }
            } else {
                process.destroyForcibly().waitFor();
            }
        }
    }

    @SuppressWarnings("UnusedVariable") // t0: the start, kept in the signature for a time axis
    private static void report(
            Path out, List<Side> sides, double minutes, int chains, long restartEvery, long garbageEvery, long t0)
            throws IOException {
        StringBuilder md = new StringBuilder();
        md.append(String.format(
                Locale.ROOT,
                "`benchmarks/run soak --minutes %s`, %s. Machine: %d cores, JDK %s. Per runtime: servers A and B "
                        + "(-Xmx256m, provider hot-swapped every 2 s), a FailoverPool with %d idempotent echo calls in flight, B restarted every %d s "
                        + "(SIGTERM and SIGKILL alternately), a garbage peer (64 KiB random) to A and B every %d s.%n%n",
                minutes,
                LocalDateTime.now(ZoneId.systemDefault()).format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm")),
                java.lang.Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.version"),
                chains,
                restartEvery / 1000,
                garbageEvery / 1000));
        md.append(
                "| runtime | calls | failed, by code | garbage peers (closed by server) | A RSS MiB first / max / last | A heap MiB max | B RSS MiB max | restarts of B |\n");
        md.append("|---|---:|---|---:|---:|---:|---:|---|\n");
        StringBuilder csv = new StringBuilder("runtime,server,t_s,rss_mib,heap_mib\n");
        for (Side s : sides) {
            double[] ar = rssStats(s.a.samples);
            double bMax = s.bMaxSeen();
            md.append(String.format(
                    Locale.ROOT,
                    "| %s | %,d | %s | %d (%d) | %.0f / %.0f / %.0f | %.0f | %.0f | %s |%n",
                    s.runtime,
                    s.ok.get(),
                    s.failuresText(),
                    s.garbagePeers.get(),
                    s.garbageClosedByServer.get(),
                    ar[0],
                    ar[1],
                    ar[2],
                    heapMax(s.a.samples),
                    bMax,
                    String.join("; ", s.events)));
            for (double[] x : s.a.samples) {
                csv.append(String.format(Locale.ROOT, "%s,A,%.1f,%.1f,%.1f%n", s.runtime, x[0], x[1], x[2]));
            }
            for (double[] x : s.bSamples()) {
                csv.append(String.format(Locale.ROOT, "%s,B,%.1f,%.1f,%.1f%n", s.runtime, x[0], x[1], x[2]));
            }
        }
        md.append("\n![soak](soak.png)\n");
        Files.writeString(out.resolve("soak.md"), md.toString());
        Files.writeString(out.resolve("soak.csv"), csv.toString());
        plot(out.resolve("soak.png"), sides);
        System.out.println();
        System.out.print(md);
        System.out.println("\nwritten to " + out.resolve("soak.md") + ", soak.csv, soak.png");
    }

    /** {first, max, last} RSS in MiB. */
    private static double[] rssStats(List<double[]> samples) {
        if (samples.isEmpty()) {
            return new double[] {0, 0, 0};
        }
        double max = 0;
        for (double[] x : samples) {
            max = Math.max(max, x[1]);
        }
        return new double[] {samples.get(0)[1], max, samples.get(samples.size() - 1)[1]};
    }

    private static double heapMax(List<double[]> samples) {
        double max = 0;
        for (double[] x : samples) {
            max = Math.max(max, x[2]);
        }
        return max;
    }

    private static void plot(Path png, List<Side> sides) throws IOException {
        XYChart calls = new XYChartBuilder()
                .width(1100)
                .height(330)
                .title("calls per second (failed calls: dots)")
                .xAxisTitle("s")
                .yAxisTitle("calls/s")
                .build();
        XYChart rss = new XYChartBuilder()
                .width(1100)
                .height(330)
                .title("server RSS")
                .xAxisTitle("s")
                .yAxisTitle("MiB")
                .build();
        XYChart heap = new XYChartBuilder()
                .width(1100)
                .height(330)
                .title("server heap in use")
                .xAxisTitle("s")
                .yAxisTitle("MiB")
                .build();
        for (XYChart c : List.of(calls, rss, heap)) {
            c.getStyler().setMarkerSize(2);
            c.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideNW);
        }
        for (Side s : sides) {
            List<Double> t = new ArrayList<>();
            List<Double> okv = new ArrayList<>();
            List<Double> failv = new ArrayList<>();
            for (long[] x : s.callsPerSecond) {
                t.add(x[0] / 1000.0);
                okv.add((double) x[1]);
                failv.add((double) x[2]);
            }
            if (!t.isEmpty()) {
                calls.addSeries(s.runtime + " ok", t, okv).setMarker(SeriesMarkers.NONE);
                calls.addSeries(s.runtime + " failed", t, failv).setMarker(SeriesMarkers.CIRCLE);
            }
            series(rss, heap, s.runtime + " A", s.a.samples);
            series(rss, heap, s.runtime + " B", s.bSamples());
        }
        BufferedImage img = new BufferedImage(1100, 990, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            int y = 0;
            for (XYChart c : List.of(calls, rss, heap)) {
                Graphics2D part = (Graphics2D) g.create(0, y, 1100, 330);
                c.paint(part, 1100, 330);
                part.dispose();
                y += 330;
            }
        } finally {
            g.dispose();
        }
        ImageIO.write(img, "png", png.toFile());
    }

    private static void series(XYChart rss, XYChart heap, String name, List<double[]> samples) {
        if (samples.isEmpty()) {
            return;
        }
        List<Double> t = new ArrayList<>();
        List<Double> r = new ArrayList<>();
        List<Double> h = new ArrayList<>();
        for (double[] x : samples) {
            t.add(x[0]);
            r.add(x[1]);
            h.add(x[2]);
        }
        rss.addSeries(name, t, r).setMarker(SeriesMarkers.NONE);
        heap.addSeries(name, t, h).setMarker(SeriesMarkers.NONE);
    }
}
