package io.occams.rpc.benchmarks.load;

import io.occams.rpc.api.RpcAddress;
import io.occams.rpc.api.spi.Runtime;
import io.occams.rpc.codec.MsgpackCodec;
import io.occams.rpc.server.RpcServer;
import io.occams.rpc.server.ServiceDispatcher;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * One server of {@code benchmarks/run soak}: an {@link RpcServer} serving {@link BenchService} whose
 * provider is swapped every {@code --swap-ms} (default 2,000): on even swaps the new provider is registered
 * before the old one leaves (a ranking change or bundle update), on odd ones the old one leaves first and
 * the new one comes 50 ms later, inside swapGrace (a bundle stopped and started). Prints {@code READY
 * address}, then once a second {@code STAT <epoch ms> rss=<KiB> heap=<bytes> swaps=<n>}. SIGTERM closes it
 * gracefully (stop accepting, answer what was accepted, close), as a service manager would stop it.
 * Arguments: {@code --runtime netty|vthreads --port N [--swap-ms N]}.
 */
public final class SoakServer {
    private SoakServer() {}

    /** A provider of echo; each swap brings a new instance. */
    static final class Echo implements BenchService {
        @Override
        public CompletableFuture<Long> echo(long x) {
            return CompletableFuture.completedFuture(x);
        }
    }

    public static void main(String[] args) throws Exception {
        String rt = Measure.opt(args, "runtime", null);
        int port = Integer.parseInt(Measure.opt(args, "port", "0"));
        long swapMillis = Long.parseLong(Measure.opt(args, "swap-ms", "2000"));
        Runtime runtime = OccamsServer.runtime(rt);
        RpcServer server =
                RpcServer.builder().runtime(runtime).codec(new MsgpackCodec()).build();
        java.lang.Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            server.close();
                            runtime.close();
                        },
                        "soak-server-stop"));
        ServiceDispatcher.Registration[] current = {server.register(BenchService.class, new Echo())};
        RpcAddress bound = server.listen(RpcAddress.parse("127.0.0.1:" + port));
        System.out.println("READY " + bound);
        System.out.flush();

        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long swaps = 0;
        long nextSwap = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(swapMillis);
        long nextStat = System.nanoTime();
        while (true) {
            long now = System.nanoTime();
            if (now - nextStat >= 0) {
                System.out.printf(
                        Locale.ROOT,
                        "STAT %d rss=%d heap=%d swaps=%d%n",
                        System.currentTimeMillis(),
                        rssKiB(),
                        memory.getHeapMemoryUsage().getUsed(),
                        swaps);
                System.out.flush();
                nextStat += TimeUnit.SECONDS.toNanos(1);
            }
            if (now - nextSwap >= 0) {
                ServiceDispatcher.Registration old = current[0];
                if (swaps % 2 == 0) {
                    current[0] = server.register(BenchService.class, new Echo());
                    old.close();
                } else {
                    old.close();
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
                    current[0] = server.register(BenchService.class, new Echo());
                }
                swaps++;
                nextSwap += TimeUnit.MILLISECONDS.toNanos(swapMillis);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
    }

    /** The resident set size from /proc/self/status, in KiB; -1 where there is none. */
    static long rssKiB() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (Exception e) {
            // not Linux
        }
        return -1;
    }
}
