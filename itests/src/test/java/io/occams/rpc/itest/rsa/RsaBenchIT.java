package io.occams.rpc.itest.rsa;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;

import io.occams.rpc.itest.rsa.api.Greeter;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Hashtable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.junit.Assume;
import org.junit.Test;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.ServiceRegistration;
import org.osgi.framework.launch.Framework;
import org.osgi.service.remoteserviceadmin.RemoteConstants;
import org.osgi.util.tracker.ServiceTracker;

/**
 * Not a test: the Remote Services benchmark ({@code benchmarks/run rsa}), skipped unless {@code -Drsa.bench=true}.
 * Two Felix frameworks in this JVM (as {@link RemoteServicesIT}); one service, {@code long echo(long)}, is exported
 * twice, through the occams provider ({@code occams.tcp}) and through Aries' own {@code aries.tcp}; the importing
 * framework calls each imported proxy from blocking threads, {@code conns x inflight} of them (1x1: one thread;
 * 4x100: 400), for alternating rounds. Prints and writes {@code target/rsa-bench.md}. Client and server share
 * the machine's cores (and this JVM), as in {@code benchmarks/run load}.
 */
public class RsaBenchIT {
    @Test
    public void benchmark() throws Exception {
        Assume.assumeTrue("run by benchmarks/run rsa", Boolean.getBoolean("rsa.bench"));
        double warmup = Double.parseDouble(System.getProperty("rsa.bench.warmup", "3"));
        double duration = Double.parseDouble(System.getProperty("rsa.bench.duration", "5"));
        int reps = Integer.getInteger("rsa.bench.reps", 2);
        String[] shapes = System.getProperty("rsa.bench.shapes", "1x1,4x100").split(",");
        Framework exporter = RemoteServicesIT.start("bench-exporter", "rsa-bench");
        Framework importer = RemoteServicesIT.start("bench-importer", "rsa-bench");
        TestDiscovery discovery = new TestDiscovery(exporter.getBundleContext(), importer.getBundleContext());
        try {
            Hashtable<String, Object> occams = RemoteServicesIT.exportProps("bench-occams");
            Hashtable<String, Object> aries = RemoteServicesIT.exportProps("bench-aries");
            aries.remove("occams.tcp.host");
            aries.put(RemoteConstants.SERVICE_EXPORTED_CONFIGS, "aries.tcp");
            aries.put("aries.rsa.hostname", "127.0.0.1");
            aries.put("aries.rsa.port", freePort());
            aries.put(
                    "aries.rsa.numThreads",
                    100); // its server's pool: as many as the 4x100 shape's threads per connection
            ServiceRegistration<?> r1 =
                    exporter.getBundleContext().registerService(Greeter.class, new RemoteServicesIT.Impl("o"), occams);
            ServiceRegistration<?> r2 =
                    exporter.getBundleContext().registerService(Greeter.class, new RemoteServicesIT.Impl("a"), aries);
            Map<String, Greeter> proxies = new LinkedHashMap<>();
            List<ServiceTracker<?, ?>> trackers = new ArrayList<>();
            for (String c : new String[] {"occams", "aries"}) {
                ServiceTracker<Greeter, Greeter> t = new ServiceTracker<>(
                        importer.getBundleContext(),
                        FrameworkUtil.createFilter(
                                "(&(objectClass=" + Greeter.class.getName() + ")(test.case=bench-" + c + "))"),
                        null);
                t.open();
                trackers.add(t);
                Greeter g = t.waitForService(60_000);
                assertNotNull(c + " proxy", g);
                assertEquals(7L, g.echo(7L));
                proxies.put(c.equals("occams") ? "occams.tcp" : "aries.tcp", g);
            }
            StringBuilder md = new StringBuilder(
                    "| shape | provider | calls/s (median of " + reps + ") | errors |\n|---|---|---|---|\n");
            for (String shape : shapes) {
                String[] nm = shape.split("x");
                int threads = Integer.parseInt(nm[0]) * Integer.parseInt(nm[1]);
                Map<String, List<Double>> rates = new LinkedHashMap<>();
                Map<String, Long> errors = new LinkedHashMap<>();
                for (int rep = 0; rep < reps; rep++) {
                    for (Map.Entry<String, Greeter> e : proxies.entrySet()) {
                        long[] err = new long[1];
                        double rate = run(e.getValue(), threads, warmup, duration, err);
                        rates.computeIfAbsent(e.getKey(), k -> new ArrayList<>())
                                .add(rate);
                        errors.merge(e.getKey(), err[0], Long::sum);
                        System.out.printf(
                                Locale.ROOT,
                                "RSA BENCH %s %s round %d: %.0f calls/s, %d errors%n",
                                shape,
                                e.getKey(),
                                rep,
                                rate,
                                err[0]);
                    }
                }
                for (String p : rates.keySet()) {
                    md.append(String.format(
                            Locale.ROOT, "| %s | %s | %.0f | %d |%n", shape, p, median(rates.get(p)), errors.get(p)));
                }
            }
            System.out.println(md);
            String fw = exporter.getBundleContext().getBundle(0).getSymbolicName();
            md.insert(
                    0,
                    "Framework " + fw + ", Java " + System.getProperty("java.version") + ", " + warmup + " s warm-up + "
                            + duration + " s per round\n\n");
            Path out = Path.of(System.getProperty("occams.itest.dir")).resolveSibling("rsa-bench-" + fw + ".md");
            Files.writeString(out, md.toString());
            for (ServiceTracker<?, ?> t : trackers) {
                t.close();
            }
            r1.unregister();
            r2.unregister();
        } finally {
            discovery.close();
            importer.stop();
            exporter.stop();
            importer.waitForStop(30_000);
            exporter.waitForStop(30_000);
        }
    }

    private static double run(Greeter g, int threads, double warmup, double duration, long[] errors)
            throws InterruptedException {
        LongAdder calls = new LongAdder();
        LongAdder errs = new LongAdder();
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> ts = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            long x = 0x0102030405060708L + i;
            Thread t = new Thread(() -> {
                while (!stop.get()) {
                    try {
                        if (g.echo(x) == x) {
                            calls.increment();
                        } else {
                            errs.increment();
                        }
                    } catch (RuntimeException e) {
                        errs.increment();
                    }
                }
            });
            t.setDaemon(true);
            t.start();
            ts.add(t);
        }
        TimeUnit.MILLISECONDS.sleep((long) (warmup * 1000)); // a benchmark's warm-up period, not a wait for an event
        long c0 = calls.sum();
        long e0 = errs.sum();
        long t0 = System.nanoTime();
        TimeUnit.MILLISECONDS.sleep((long) (duration * 1000));
        long c1 = calls.sum();
        long t1 = System.nanoTime();
        errors[0] = errs.sum() - e0;
        stop.set(true);
        for (Thread t : ts) {
            t.join(30_000);
        }
        return (c1 - c0) / ((t1 - t0) / 1e9);
    }

    private static double median(List<Double> xs) {
        double[] v = xs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
