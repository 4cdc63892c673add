package io.occams.rpc.benchmarks.load;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.occams.rpc.api.ClientConfig;
import io.occams.rpc.api.RpcAddress;
import io.occams.rpc.api.ServerConfig;
import io.occams.rpc.api.spi.Runtime;
import io.occams.rpc.client.RpcClient;
import io.occams.rpc.codec.MsgpackCodec;
import io.occams.rpc.server.RpcServer;
import io.occams.rpc.stream.ClientStream;
import io.occams.rpc.stream.Reply;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * What large messages cost a server in memory (issue 16): a server JVM of its own (the echo server of
 * {@link IdleConnections}, {@code -Xmx1g}), and from this JVM {@code --conns} connections (default 2) that
 * each echo {@code --rounds} (default 5) messages of {@code --mib} MiB (default 16, less 1 KiB of room
 * for the frame) one after the other, the connections at the same time. Prints the server's resident
 * set before and at its peak ({@code VmHWM}), the growth as a multiple of the data live at once
 * (conns x size), and the server's own view afterwards (heap, allocator memory).
 *
 * <p>{@code --mode stream} (default) echoes raw messages through that stream server; {@code --mode string},
 * {@code --mode blob} and {@code --mode buf} call {@link LargeService#repeat}, {@link LargeService#blob}
 * ({@code byte[]}) or {@link LargeService#buf} ({@code ByteBuf}) through an RpcServer with the msgpack codec
 * instead (the remote-API path; the server is this class, {@code --serve}), which also reports its peak
 * heap (in use, committed) and direct memory during the calls, and its RSS after a GC.
 * {@code --xmx} sets the server's heap (default 1g), {@code --jvm "..."} adds JVM options.
 *
 * <pre>
 * java -cp benchmarks/target/classes:benchmarks/target/lib/* io.occams.rpc.benchmarks.load.LargeMessages --runtime netty
 * </pre>
 */
public final class LargeMessages {
    private LargeMessages() {}

    public static void main(String[] args) throws Exception {
        if (args.length == 2 && args[0].equals("--serve")) {
            serveApi(args[1]);
            return;
        }
        String rt = Measure.opt(args, "runtime", "netty");
        int conns = Integer.parseInt(Measure.opt(args, "conns", "2"));
        int rounds = Integer.parseInt(Measure.opt(args, "rounds", "5"));
        int size = Integer.parseInt(Measure.opt(args, "mib", "16")) * 1024 * 1024 - 1024;
        String mode = Measure.opt(args, "mode", "stream");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(
                java,
                "-Xmx" + Measure.opt(args, "xmx", "1g"),
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                "-cp",
                System.getProperty("java.class.path")));
        String jvm = Measure.opt(args, "jvm", "");
        if (!jvm.isEmpty()) {
            cmd.addAll(List.of(jvm.split(" ")));
        }
        cmd.addAll(
                mode.equals("stream")
                        ? List.of(IdleConnections.class.getName(), "server", "--runtime", rt)
                        : List.of(LargeMessages.class.getName(), "--serve", rt));
        Process server = new ProcessBuilder(cmd)
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        try {
            BufferedReader out =
                    new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
            PrintStream in = new PrintStream(server.getOutputStream(), true, StandardCharsets.UTF_8);
            String ready = out.readLine();
            RpcAddress address = RpcAddress.parse(ready.substring("READY ".length()));
            try (Runtime runtime = OccamsServer.runtime(rt)) {
                List<ClientStream> streams = new ArrayList<>();
                ClientConfig config =
                        ClientConfig.builder().maxFrameBytes(size + 1024).build();
                for (int i = 0; i < conns; i++) {
                    streams.add(ClientStream.connect(runtime, address, config).get(30, TimeUnit.SECONDS));
                }
                // A string of `size` ASCII characters is `size` bytes of UTF-8, 2x that as a Java String is
                // not: compact strings keep Latin-1 in one byte each.
                int payload = mode.equals("stream") ? size : size - 64;
                Call call = switch (mode) {
                    case "stream" -> (s, n) -> streamEcho(s, n, runtime);
                    case "string" ->
                        (s, n) -> {
                            String x = "x".repeat(n);
                            if (!x.equals(RPC.proxy(LargeService.class, s).repeat(x))) {
                                throw new IllegalStateException("repeat returned something else");
                            }
                        };
                    case "blob" ->
                        (s, n) -> {
                            if (RPC.proxy(LargeService.class, s).blob(new byte[n]).length != n) {
                                throw new IllegalStateException("blob returned something else");
                            }
                        };
                    case "buf" ->
                        (s, n) -> {
                            if (RPC.proxy(LargeService.class, s)
                                            .buf(Unpooled.wrappedBuffer(new byte[n]))
                                            .readableBytes()
                                    != n) {
                                throw new IllegalStateException("buf returned something else");
                            }
                        };
                    default -> throw new IllegalArgumentException("--mode stream|string|blob|buf, not " + mode);
                };
                echo(streams, 1024, 1, call); // warm: classes loaded, pools made
                in.println();
                String warm = out.readLine();
                long before = kib(server.pid(), "VmRSS");
                echo(streams, payload, rounds, call);
                long peak = kib(server.pid(), "VmHWM");
                in.println();
                String after = out.readLine();
                long rssAfter = kib(server.pid(), "VmRSS"); // after the server's System.gc() in MEASURE
                long live = (long) conns * size / 1024;
                System.out.printf(
                        Locale.ROOT,
                        "mode=%s runtime=%s conns=%d rounds=%d msgMiB=%.1f rssBeforeMiB=%.0f rssPeakMiB=%.0f "
                                + "growthMiB=%.0f growthPerLiveByte=%.1f rssAfterGcMiB=%.0f%n  warm:  %s%n  after: %s%n",
                        mode,
                        rt,
                        conns,
                        rounds,
                        size / 1048576.0,
                        before / 1024.0,
                        peak / 1024.0,
                        (peak - before) / 1024.0,
                        (peak - before) / (double) live,
                        rssAfter / 1024.0,
                        warm,
                        after);
                for (ClientStream s : streams) {
                    s.close();
                }
            }
            in.close();
            server.waitFor(30, TimeUnit.SECONDS);
        } finally {
            server.destroy();
        }
    }

    private static final RpcClient RPC =
            RpcClient.builder().codec(new MsgpackCodec()).build();

    /** One echo of about {@code size} bytes over a stream. */
    private interface Call {
        void run(ClientStream s, int size) throws Exception;
    }

    private static void streamEcho(ClientStream s, int size, Runtime runtime) {
        ByteBuf msg = runtime.allocator().heapBuffer(size);
        msg.writerIndex(size);
        try (Reply reply = s.call(1, msg, null).join()) {
            if (reply.msg().readableBytes() != size) {
                throw new IllegalStateException("echo of " + reply.msg().readableBytes() + " bytes, not " + size);
            }
        }
    }

    /** Each stream echoes {@code rounds} messages of {@code size} bytes in a row; the streams at the same time. */
    private static void echo(List<ClientStream> streams, int size, int rounds, Call call) throws Exception {
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (ClientStream s : streams) {
            all.add(CompletableFuture.runAsync(() -> {
                for (int r = 0; r < rounds; r++) {
                    try {
                        call.run(s, size);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }
            }));
        }
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(600, TimeUnit.SECONDS);
    }

    /** The API server: an RpcServer (msgpack) serving {@link LargeService}; READY, then MEASURE per stdin line. */
    private static void serveApi(String rt) throws Exception {
        ServerConfig config = ServerConfig.builder()
                .idleTimeout(Duration.ofMinutes(30))
                .readTimeout(Duration.ofMinutes(5))
                .firstFrameTimeout(Duration.ofMinutes(30))
                .build();
        try (Runtime runtime = OccamsServer.runtime(rt)) {
            RpcServer server = RpcServer.builder()
                    .runtime(runtime)
                    .config(config)
                    .codec(new MsgpackCodec())
                    .build();
            server.register(LargeService.class, new LargeService() {
                @Override
                public String repeat(String s) {
                    return s;
                }

                @Override
                public byte[] blob(byte[] b) {
                    return b;
                }

                @Override
                public ByteBuf buf(ByteBuf b) {
                    return b; // the server retains it for the reply (an argument returned as it is)
                }
            });
            RpcAddress bound = server.listen(RpcAddress.parse("127.0.0.1:0"));
            System.out.println("READY " + bound);
            System.out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            Peaks peaks = null;
            while (in.readLine() != null) {
                String m = IdleConnections.measure(runtime.allocator(), -1);
                if (peaks != null) {
                    m += " " + peaks.finish();
                }
                System.out.println(m);
                System.out.flush();
                peaks = peaks == null ? new Peaks() : null; // from the warm measure to the next one
            }
            server.shutdownNow();
        }
    }

    /**
     * Where the server's memory goes while the calls run: the highest heap in use and committed, and the
     * highest direct memory (NIO's count plus Netty's own, which bypasses it), sampled every 2 ms by a
     * thread of the server JVM. Heap in use is the live data plus the garbage not yet collected.
     */
    private static final class Peaks extends Thread {
        private volatile boolean stop;
        private long heapUsed;
        private long heapCommitted;
        private long direct;

        Peaks() {
            super("peaks");
            setDaemon(true);
            start();
        }

        @Override
        public void run() {
            java.lang.management.MemoryMXBean mem = java.lang.management.ManagementFactory.getMemoryMXBean();
            List<java.lang.management.BufferPoolMXBean> pools =
                    java.lang.management.ManagementFactory.getPlatformMXBeans(
                            java.lang.management.BufferPoolMXBean.class);
            while (!stop) {
                java.lang.management.MemoryUsage h = mem.getHeapMemoryUsage();
                heapUsed = Math.max(heapUsed, h.getUsed());
                heapCommitted = Math.max(heapCommitted, h.getCommitted());
                long d = Math.max(0, io.netty.util.internal.PlatformDependent.usedDirectMemory());
                for (java.lang.management.BufferPoolMXBean p : pools) {
                    if (p.getName().equals("direct")) {
                        d += p.getMemoryUsed();
                    }
                }
                direct = Math.max(direct, d);
                try {
                    Thread.sleep(2);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        String finish() {
            stop = true;
            try {
                join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return String.format(
                    Locale.ROOT,
                    "peakHeapUsedMiB=%.0f peakHeapCommittedMiB=%.0f peakDirectMiB=%.0f",
                    heapUsed / 1048576.0,
                    heapCommitted / 1048576.0,
                    direct / 1048576.0);
        }
    }

    /** A line of /proc/PID/status, in KiB. */
    private static long kib(long pid, String field) throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
            if (line.startsWith(field + ":")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IllegalStateException(field + " not in /proc/" + pid + "/status");
    }
}
