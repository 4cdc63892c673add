package io.occams.rpc.benchmarks.load;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetric;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.buffer.Unpooled;
import io.occams.rpc.api.ClientConfig;
import io.occams.rpc.api.RpcAddress;
import io.occams.rpc.api.ServerConfig;
import io.occams.rpc.api.spi.Dispatch;
import io.occams.rpc.api.spi.Runtime;
import io.occams.rpc.client.RpcClient;
import io.occams.rpc.codec.MsgpackCodec;
import io.occams.rpc.server.RpcServer;
import io.occams.rpc.stream.ClientStream;
import io.occams.rpc.stream.StreamServer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The memory figure of DESIGN.md: N idle connections to one server, held in under 1 GiB of heap on each
 * side, with a connection's buffers given back to the pool once it goes quiet. Both JVMs run with
 * {@code -Xmx1g}; each connection first carries one 8-byte echo call (so its read and write paths have
 * been through their buffers), then every connection stays quiet for {@code --quiet} seconds, and each
 * side prints, after two full collections, the heap in use and the direct and heap memory its pooled
 * allocator has reserved ({@code used*Memory}: the pool chunks in use, a bound on what connections hold).
 *
 * <p>Modes: {@code server --runtime R} (prints {@code READY address}; on each line read from stdin prints
 * one {@code MEASURE} line; exits when stdin closes) and {@code client --runtime R --port P --conns N
 * --quiet S} (prints {@code MEASURE} once the connections are quiet, keeps them open until its stdin closes,
 * then exits).
 *
 * <p>{@code --blocked true} (both modes; {@code benchmarks/run idle --blocked}): instead of an echo, each
 * connection makes one call to a synchronous method ({@link HeldService.Sync}) of an {@code RpcServer} that
 * blocks in the handler until released, so the measure is taken with N calls blocked at once. The server's
 * MEASURE line then says how many are held; a stdin line {@code release} opens the gate, and the client,
 * on its next stdin line, waits for every call and prints {@code COMPLETED ok=N failed=M}.
 * {@link LoadHarness} runs both with {@code benchmarks/run idle}.
 */
public final class IdleConnections {
    private IdleConnections() {}

    public static void main(String[] args) throws Exception {
        String mode = args.length > 0 ? args[0] : "";
        switch (mode) {
            case "server" -> server(args);
            case "client" -> client(args);
            default -> throw new IllegalArgumentException("mode server|client, not '" + mode + "'");
        }
    }

    private static void server(String[] args) throws Exception {
        String rt = Measure.opt(args, "runtime", null);
        if (Boolean.parseBoolean(Measure.opt(args, "blocked", "false"))) {
            blockedServer(rt);
            return;
        }
        Dispatch echo = call -> call.reply(call.msg().isReadable() ? call.msg().retain() : null, null);
        // Idle and read timeouts well beyond the measurement: quiet connections must stay open.
        // Quiet connections, all from 127.0.0.1, beyond the default connection limits (and slow frames on a
        // loaded machine when LargeMessages sends 16 MiB ones).
        ServerConfig config = ServerConfig.builder()
                .idleTimeout(Duration.ofMinutes(30))
                .readTimeout(Duration.ofMinutes(5))
                .firstFrameTimeout(Duration.ofMinutes(30))
                .maxConnections(1 << 20)
                .maxConnectionsPerAddress(1 << 20)
                .build();
        try (Runtime runtime = OccamsServer.runtime(rt)) {
            StreamServer server = new StreamServer(runtime, config, echo);
            RpcAddress bound = server.listen(RpcAddress.parse("127.0.0.1:0"));
            System.out.println("READY " + bound);
            System.out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            while (in.readLine() != null) {
                System.out.println(measure(runtime.allocator(), server.connectionCount()));
                System.out.flush();
            }
            server.shutdownNow();
        }
    }

    private static void blockedServer(String rt) throws Exception {
        // All from 127.0.0.1, beyond the default connection limits (1,024 per address since the hardening
        // of issue 16, which refused all but 1,024 of the blocked mode's connections).
        ServerConfig config = ServerConfig.builder()
                .idleTimeout(Duration.ofMinutes(30))
                .firstFrameTimeout(Duration.ofMinutes(30))
                .maxConnections(1 << 20)
                .maxConnectionsPerAddress(1 << 20)
                .build();
        CountDownLatch gate = new CountDownLatch(1);
        AtomicInteger held = new AtomicInteger();
        HeldService.Sync impl = x -> {
            held.incrementAndGet();
            try {
                gate.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            held.decrementAndGet();
            return x;
        };
        try (Runtime runtime = OccamsServer.runtime(rt)) {
            RpcServer server = RpcServer.builder()
                    .runtime(runtime)
                    .config(config)
                    .codec(new MsgpackCodec())
                    .build();
            server.register(HeldService.Sync.class, impl);
            RpcAddress bound = server.listen(RpcAddress.parse("127.0.0.1:0"));
            System.out.println("READY " + bound);
            System.out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null) {
                if (line.equals("release")) {
                    gate.countDown();
                    continue;
                }
                System.out.println(measure(runtime.allocator(), server.connectionCount()) + " held=" + held.get());
                System.out.flush();
            }
            server.shutdownNow();
        }
    }

    private static void client(String[] args) throws Exception {
        String rt = Measure.opt(args, "runtime", null);
        boolean blocked = Boolean.parseBoolean(Measure.opt(args, "blocked", "false"));
        int port = Integer.parseInt(Measure.opt(args, "port", null));
        int conns = Integer.parseInt(Measure.opt(args, "conns", "10000"));
        double quiet = Double.parseDouble(Measure.opt(args, "quiet", "5"));
        // Held calls wait for the harness's measures and release: far longer than the 20 s default task timeout.
        ClientConfig config = ClientConfig.builder()
                .idleTimeout(Duration.ofMinutes(30))
                .taskTimeout(
                        blocked
                                ? Duration.ofMinutes(10)
                                : ClientConfig.defaults().taskTimeout())
                .build();
        RpcAddress address = RpcAddress.parse("127.0.0.1:" + port);
        try (Runtime runtime = OccamsServer.runtime(rt)) {
            List<ClientStream> streams = new ArrayList<>(conns);
            Semaphore connecting = new Semaphore(256); // connects in flight (the listen backlog)
            List<CompletableFuture<ClientStream>> pending = new ArrayList<>(conns);
            long t0 = System.nanoTime();
            for (int i = 0; i < conns; i++) {
                connecting.acquire();
                CompletableFuture<ClientStream> f = ClientStream.connect(runtime, address, config);
                var unused = f.whenComplete((s, e) -> connecting.release()); // f itself is awaited below
                pending.add(f);
            }
            for (CompletableFuture<ClientStream> f : pending) {
                streams.add(f.get(60, TimeUnit.SECONDS));
            }
            long connected = System.nanoTime();
            if (blocked) {
                blockedCalls(runtime, streams, quiet, t0, connected);
                return;
            }
            // One echo call on each connection, 256 at a time.
            List<CompletableFuture<?>> calls = new ArrayList<>(256);
            for (int i = 0; i < streams.size(); i++) {
                calls.add(streams.get(i)
                        .call(1, Unpooled.wrappedBuffer(new byte[8]), null)
                        .thenAccept(reply -> reply.close()));
                if (calls.size() == 256 || i == streams.size() - 1) {
                    CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new))
                            .get(60, TimeUnit.SECONDS);
                    calls.clear();
                }
            }
            System.out.printf(
                    Locale.ROOT,
                    "CONNECTED conns=%d connectSecs=%.2f callSecs=%.2f%n",
                    streams.size(),
                    (connected - t0) / 1e9,
                    (System.nanoTime() - connected) / 1e9);
            Thread.sleep((long) (quiet * 1000));
            int open = 0;
            for (ClientStream s : streams) {
                open += s.isClosed() ? 0 : 1;
            }
            System.out.println(measure(runtime.allocator(), open));
            System.out.flush();
            // Keep every connection open until the harness has measured the server too (it closes our stdin).
            while (System.in.read() >= 0) {
                // wait
            }
            for (ClientStream s : streams) {
                s.abort();
            }
        }
        System.exit(0);
    }

    /** One held call per connection; MEASURE while they are blocked; COMPLETED once released. */
    private static void blockedCalls(Runtime runtime, List<ClientStream> streams, double quiet, long t0, long connected)
            throws Exception {
        RpcClient client = RpcClient.builder().codec(new MsgpackCodec()).build();
        List<CompletableFuture<Long>> calls = new ArrayList<>(streams.size());
        for (int i = 0; i < streams.size(); i++) {
            calls.add(client.proxy(HeldService.class, streams.get(i)).hold(i));
        }
        System.out.printf(
                Locale.ROOT,
                "CONNECTED conns=%d connectSecs=%.2f callsSent=%d%n",
                streams.size(),
                (connected - t0) / 1e9,
                calls.size());
        Thread.sleep((long) (quiet * 1000));
        int open = 0;
        for (ClientStream s : streams) {
            open += s.isClosed() ? 0 : 1;
        }
        int early = 0;
        for (CompletableFuture<Long> f : calls) {
            early += f.isDone() ? 1 : 0;
        }
        System.out.println(measure(runtime.allocator(), open) + " answeredBeforeRelease=" + early);
        System.out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        in.readLine(); // the harness released the server's calls
        long released = System.nanoTime();
        int ok = 0;
        int failed = 0;
        for (int i = 0; i < calls.size(); i++) {
            try {
                ok += calls.get(i).get(120, TimeUnit.SECONDS) == i ? 1 : 0;
            } catch (Exception e) {
                if (failed++ == 0) {
                    System.err.println("first failed call: " + e);
                }
            }
        }
        System.out.printf(
                Locale.ROOT, "COMPLETED ok=%d failed=%d secs=%.2f%n", ok, failed, (System.nanoTime() - released) / 1e9);
        System.out.flush();
        while (in.readLine() != null) {
            // keep the connections open until the harness closes our stdin
        }
        for (ClientStream s : streams) {
            s.abort();
        }
        System.exit(0);
    }

    /** One MEASURE line: heap in use after two full collections, and what the pooled allocator has out. */
    static String measure(ByteBufAllocator allocator, int connections) {
        System.gc();
        System.gc();
        long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        long direct = -1;
        long pooledHeap = -1;
        if (allocator instanceof ByteBufAllocatorMetricProvider p) {
            ByteBufAllocatorMetric metric = p.metric();
            direct = metric.usedDirectMemory();
            pooledHeap = metric.usedHeapMemory();
        }
        return String.format(
                Locale.ROOT,
                "MEASURE conns=%d heapMiB=%.1f allocatorDirectMiB=%.1f allocatorHeapMiB=%.1f",
                connections,
                heap / 1048576.0,
                direct / 1048576.0,
                pooledHeap / 1048576.0);
    }
}
