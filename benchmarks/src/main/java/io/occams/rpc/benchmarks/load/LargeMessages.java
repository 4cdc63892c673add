package io.occams.rpc.benchmarks.load;

import io.netty.buffer.ByteBuf;
import io.occams.rpc.api.ClientConfig;
import io.occams.rpc.api.RpcAddress;
import io.occams.rpc.api.spi.Runtime;
import io.occams.rpc.stream.ClientStream;
import io.occams.rpc.stream.Reply;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * <pre>
 * java -cp benchmarks/target/classes:benchmarks/target/lib/* io.occams.rpc.benchmarks.load.LargeMessages --runtime netty
 * </pre>
 */
public final class LargeMessages {
    private LargeMessages() {
    }

    public static void main(String[] args) throws Exception {
        String rt = Measure.opt(args, "runtime", "netty");
        int conns = Integer.parseInt(Measure.opt(args, "conns", "2"));
        int rounds = Integer.parseInt(Measure.opt(args, "rounds", "5"));
        int size = Integer.parseInt(Measure.opt(args, "mib", "16")) * 1024 * 1024 - 1024;
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process server = new ProcessBuilder(java, "-Xmx1g", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                "-cp", System.getProperty("java.class.path"), IdleConnections.class.getName(), "server", "--runtime", rt)
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
            PrintStream in = new PrintStream(server.getOutputStream(), true, StandardCharsets.UTF_8);
            String ready = out.readLine();
            RpcAddress address = RpcAddress.parse(ready.substring("READY ".length()));
            try (Runtime runtime = OccamsServer.runtime(rt)) {
                List<ClientStream> streams = new ArrayList<>();
                ClientConfig config = ClientConfig.builder().maxFrameBytes(size + 1024).build();
                for (int i = 0; i < conns; i++) {
                    streams.add(ClientStream.connect(runtime, address, config).get(30, TimeUnit.SECONDS));
                }
                echo(streams, 1024, 1, runtime); // warm: classes loaded, pools made
                in.println();
                String warm = out.readLine();
                long before = kib(server.pid(), "VmRSS");
                echo(streams, size, rounds, runtime);
                long peak = kib(server.pid(), "VmHWM");
                in.println();
                String after = out.readLine();
                long live = (long) conns * size / 1024;
                System.out.printf(Locale.ROOT, "runtime=%s conns=%d rounds=%d msgMiB=%.1f rssBeforeMiB=%.0f rssPeakMiB=%.0f "
                        + "growthMiB=%.0f growthPerLiveByte=%.1f%n  warm:  %s%n  after: %s%n", rt, conns, rounds, size / 1048576.0,
                        before / 1024.0, peak / 1024.0, (peak - before) / 1024.0, (peak - before) / (double) live, warm, after);
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

    /** Each stream echoes {@code rounds} messages of {@code size} bytes in a row; the streams at the same time. */
    private static void echo(List<ClientStream> streams, int size, int rounds, Runtime runtime) throws Exception {
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (ClientStream s : streams) {
            all.add(CompletableFuture.runAsync(() -> {
                for (int r = 0; r < rounds; r++) {
                    ByteBuf msg = runtime.allocator().heapBuffer(size);
                    msg.writerIndex(size);
                    try (Reply reply = s.call(1, msg, null).join()) {
                        if (reply.msg().readableBytes() != size) {
                            throw new IllegalStateException("echo of " + reply.msg().readableBytes() + " bytes, not " + size);
                        }
                    }
                }
            }));
        }
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(300, TimeUnit.SECONDS);
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
