package io.occams.rpc.cli;

import io.occams.rpc.api.spi.Runtime;
import io.occams.rpc.stream.ClientStream;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.locks.LockSupport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code occams ping}: round-trip times of protocol pings (the pong is awaited and checked). */
@Command(name = "ping", mixinStandardHelpOptions = true, description = "Send pings and print their round-trip times.")
final class PingCommand implements Callable<Integer> {
    @Mixin
    Target target;

    @Option(
            names = {"-c", "--count"},
            description = "How many pings, 1 or more (default: 5).")
    int count = 5;

    @Option(
            names = {"-i", "--interval-ms"},
            description = "Pause between pings in ms, 0 or more (default: 200).")
    long intervalMs = 200;

    @Override
    public Integer call() {
        target.check();
        if (count < 1) {
            throw new Main.UsageError("--count must be 1 or more, got " + count);
        }
        if (intervalMs < 0 || intervalMs > 3_600_000) {
            throw new Main.UsageError("--interval-ms must be 0 to 3600000, got " + intervalMs);
        }
        try (Runtime rt = target.newRuntime()) {
            ClientStream s = target.connect(rt, 1);
            double min = Double.MAX_VALUE, max = 0, sum = 0;
            for (int i = 1; i <= count; i++) {
                Duration d = s.ping().join();
                double us = d.toNanos() / 1000.0;
                min = Math.min(min, us);
                max = Math.max(max, us);
                sum += us;
                System.out.printf("pong from %s: seq=%d time=%.1f us%n", target.address, i, us);
                if (i < count) {
                    LockSupport.parkNanos(intervalMs * 1_000_000L);
                }
            }
            System.out.printf("%d pings: min %.1f us, avg %.1f us, max %.1f us%n", count, min, sum / count, max);
            s.close();
            return Main.OK;
        }
    }
}
