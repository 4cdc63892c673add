package io.occams.rpc.benchmarks.jmh;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.ProfilerConfig;

/**
 * What {@code benchmarks/run jmh} runs (issue 21): JMH's own command line, with two things JMH's
 * {@code Main} does not do.
 *
 * <ul>
 * <li><b>Our JVM flags are kept.</b> The forked JVMs always get {@link #JVM_FLAGS} (Unsafe for Netty 4.2 on
 *     JDK 25, native access, quiet logging), and a user's {@code -jvmArgsAppend "..."} is added after them,
 *     as one list we build, not two occurrences of the option whose merging is up to JMH (issue 21 saw
 *     the script's flags missing when the README's {@code -jvmArgsAppend} was added).
 * <li><b>A garbage guard.</b> {@code -prof gc} is always on, and the run fails (exit 1, after JMH's own
 *     report) when a {@code RoundTripBench.pipelined100} result allocates more than
 *     {@value #DEFAULT_LIMIT} bytes per call ({@code gc.alloc.rate.norm}, the median of the measured
 *     iterations; {@code -Dbench.maxBytesPerCall=N}
 *     moves the limit, {@code -Dbench.maxBytesPerCall=off} turns the guard off). Zero garbage per call on
 *     the stream path is a property we keep; a unit test cannot measure it and JMH can.
 * </ul>
 */
public final class JmhRun {
    /** The flags every forked benchmark JVM gets, before any the user appends. */
    static final List<String> JVM_FLAGS = List.of(
            "--enable-native-access=ALL-UNNAMED",
            "--sun-misc-unsafe-memory-access=allow",
            "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn");

    /** Bytes per call above which {@code pipelined100} fails the run. */
    static final double DEFAULT_LIMIT = 4.0;

    private JmhRun() {}

    public static void main(String[] args) throws Exception {
        CommandLineOptions cmd = new CommandLineOptions(args);
        if (cmd.shouldHelp()
                || cmd.shouldList()
                || cmd.shouldListWithParams()
                || cmd.shouldListProfilers()
                || cmd.shouldListResultFormats()) {
            org.openjdk.jmh.Main.main(args);
            return;
        }
        List<String> jvm = new ArrayList<>(JVM_FLAGS);
        jvm.addAll(cmd.getJvmArgsAppend().orElse(List.of()));
        ChainedOptionsBuilder b = new OptionsBuilder().parent(cmd).jvmArgsAppend(jvm.toArray(String[]::new));
        boolean gc = false;
        for (ProfilerConfig p : cmd.getProfilers()) {
            gc |= p.getKlass().equals("gc") || p.getKlass().equals(GCProfiler.class.getName());
        }
        if (!gc) {
            b.addProfiler(GCProfiler.class);
        }
        Collection<RunResult> results = new Runner(b.build()).run();
        String limitProp = System.getProperty("bench.maxBytesPerCall", String.valueOf(DEFAULT_LIMIT));
        if (limitProp.equals("off")) {
            return;
        }
        double limit = Double.parseDouble(limitProp);
        List<String> over = new ArrayList<>();
        for (RunResult r : results) {
            String name = r.getParams().getBenchmark();
            if (!name.endsWith("RoundTripBench.pipelined100")) {
                continue;
            }
            // The median over the measured iterations: a one-off allocation inside one iteration (a timer,
            // a GC's bookkeeping, a sweep) is not garbage per call, and on a loaded machine an iteration
            // makes so few calls that one such event shows as several bytes per call in the mean.
            List<Double> its = new ArrayList<>();
            for (BenchmarkResult br : r.getBenchmarkResults()) {
                for (IterationResult ir : br.getIterationResults()) {
                    Result<?> n = ir.getSecondaryResults().get("gc.alloc.rate.norm");
                    if (n != null) {
                        its.add(n.getScore());
                    }
                }
            }
            if (its.isEmpty()) {
                continue;
            }
            Collections.sort(its);
            int k = its.size();
            double median = k % 2 == 1 ? its.get(k / 2) : (its.get(k / 2 - 1) + its.get(k / 2)) / 2;
            String params = r.getParams().getParamsKeys().stream()
                    .map(p -> p + "=" + r.getParams().getParam(p))
                    .toList()
                    .toString();
            System.out.printf(
                    Locale.ROOT,
                    "garbage guard: %s %s median %.2f B/call over %d iterations %s (limit %.1f)%n",
                    name,
                    params,
                    median,
                    k,
                    its.stream().map(d -> String.format(Locale.ROOT, "%.2f", d)).toList(),
                    limit);
            if (median > limit) {
                over.add(String.format(
                        Locale.ROOT,
                        "%s %s allocates %.2f B per call (median of %d iterations), over the %.1f B limit",
                        name,
                        params,
                        median,
                        k,
                        limit));
            }
        }
        if (!over.isEmpty()) {
            System.err.println(
                    "garbage guard FAILED (zero garbage per call on the stream path is kept; see benchmarks/README.md):");
            over.forEach(o -> System.err.println("  " + o));
            System.exit(1);
        }
    }
}
