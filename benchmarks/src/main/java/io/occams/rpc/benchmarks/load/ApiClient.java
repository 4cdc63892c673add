package io.occams.rpc.benchmarks.load;

import io.occams.rpc.api.ClientConfig;
import io.occams.rpc.api.RpcAddress;
import io.occams.rpc.api.spi.Runtime;
import io.occams.rpc.client.RpcClient;
import io.occams.rpc.codec.MsgpackCodec;
import io.occams.rpc.stream.ClientStream;
import java.util.ArrayList;
import java.util.List;

/**
 * The remote-API contender's client: an {@link RpcClient} proxy of {@link BenchService} over each of
 * {@code --conns} {@link ClientStream}s, {@code --inflight} async calls outstanding on each; a
 * completion (on the reader) records the latency and makes the next call. Prints one RESULT line.
 * {@code --sync true} calls {@link SyncBenchService} (a synchronous method on the server) instead.
 */
public final class ApiClient {
    private ApiClient() {}

    public static void main(String[] args) throws Exception {
        String rt = Measure.opt(args, "runtime", null);
        int port = Integer.parseInt(Measure.opt(args, "port", null));
        int conns = Integer.parseInt(Measure.opt(args, "conns", "1"));
        int inflight = Integer.parseInt(Measure.opt(args, "inflight", "1"));
        double warmup = Double.parseDouble(Measure.opt(args, "warmup", "2"));
        double duration = Double.parseDouble(Measure.opt(args, "duration", "3"));
        boolean sync = Boolean.parseBoolean(Measure.opt(args, "sync", "false"));
        Measure m = new Measure();
        RpcClient.Builder cb = RpcClient.builder().codec(new MsgpackCodec());
        if (Measure.opt(args, "metrics", "off").equals("on")) {
            cb.interceptors(List.of(Metrics.interceptor()));
        }
        RpcClient client = cb.build();
        try (Runtime runtime = OccamsServer.runtime(rt)) {
            ClientConfig cfg =
                    ClientConfig.builder().thresholds(Math.max(inflight, 128)).build();
            List<ClientStream> streams = new ArrayList<>();
            for (int i = 0; i < conns; i++) {
                ClientStream s = ClientStream.connect(runtime, RpcAddress.parse("127.0.0.1:" + port), cfg)
                        .join();
                streams.add(s);
                BenchService proxy =
                        sync ? client.proxy(SyncBenchServiceAsync.class, s)::echo : client.proxy(BenchService.class, s);
                for (int k = 0; k < inflight; k++) {
                    call(proxy, s, m, 0x0102030405060708L, System.nanoTime());
                }
            }
            m.run(warmup, duration);
            for (ClientStream s : streams) {
                s.close();
            }
        }
        System.exit(0);
    }

    static void call(BenchService proxy, ClientStream s, Measure m, long x, long start) {
        var unused = proxy.echo(x).whenComplete((r, e) -> { // every outcome is counted in m
            long now;
            if (e != null || r != x) {
                m.errors.increment();
                now = System.nanoTime();
            } else {
                now = m.record(start);
            }
            if (!m.stop && (e == null || s.isHealthy())) {
                call(proxy, s, m, x, now);
            }
        });
    }
}
