package io.occams.rpc.benchmarks.load;

import io.occams.rpc.api.RpcAddress;
import io.occams.rpc.api.spi.Runtime;
import io.occams.rpc.codec.MsgpackCodec;
import io.occams.rpc.server.RpcServer;
import io.occams.rpc.server.ServiceDispatcher;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The server of the remote-API contender: an {@link RpcServer} (its {@code ServiceDispatcher}, the
 * msgpack codec) serving {@link BenchService}, whose async {@code echo} is answered on the reader, and
 * {@link SyncBenchService}, whose plain {@code echo} runs off the reader as synchronous methods do.
 * Prints {@code READY address} and runs until stdin closes. Arguments: {@code --runtime netty|vthreads --port N}.
 */
public final class ApiServer {
    private ApiServer() {}

    /** The implementation: the argument back, already complete. */
    static final class Echo implements BenchService {
        @Override
        public CompletableFuture<Long> echo(long x) {
            return CompletableFuture.completedFuture(x);
        }
    }

    /** The synchronous implementation: the argument back. */
    static final class SyncEcho implements SyncBenchService {
        @Override
        public long echo(long x) {
            return x;
        }
    }

    public static void main(String[] args) throws Exception {
        String rt = Measure.opt(args, "runtime", null);
        int port = Integer.parseInt(Measure.opt(args, "port", "0"));
        try (Runtime runtime = OccamsServer.runtime(rt)) {
            ServiceDispatcher.Builder d = ServiceDispatcher.builder().codec(new MsgpackCodec());
            if (Measure.opt(args, "metrics", "off").equals("on")) {
                d.interceptors(List.of(Metrics.interceptor()));
            }
            RpcServer server =
                    RpcServer.builder().runtime(runtime).dispatcher(d.build()).build();
            server.register(BenchService.class, new Echo());
            server.register(SyncBenchService.class, new SyncEcho());
            RpcAddress bound = server.listen(RpcAddress.parse("127.0.0.1:" + port));
            System.out.println("READY " + bound);
            System.out.flush();
            while (System.in.read() >= 0) {
                // run until the harness closes our stdin
            }
            server.shutdownNow();
        }
    }
}
