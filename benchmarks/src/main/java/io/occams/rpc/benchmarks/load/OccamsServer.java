package io.occams.rpc.benchmarks.load;

import io.occams.rpc.api.RpcAddress;
import io.occams.rpc.api.ServerConfig;
import io.occams.rpc.api.spi.Dispatch;
import io.occams.rpc.api.spi.Runtime;
import io.occams.rpc.runtime.netty.NettyRuntime;
import io.occams.rpc.runtime.vthreads.VirtualThreadRuntime;
import io.occams.rpc.stream.StreamServer;

/**
 * The occams stream-level server of the harness: a {@link StreamServer} whose dispatch echoes the msg
 * (no blob back), answered on the reader thread. Prints {@code READY port} and runs until stdin
 * closes. Arguments: {@code --runtime netty|vthreads --port N}.
 */
public final class OccamsServer {
    private OccamsServer() {}

    static Runtime runtime(String name) {
        return switch (name) {
            case "netty" -> NettyRuntime.builder().build();
            case "vthreads" -> VirtualThreadRuntime.builder().build();
            default -> throw new IllegalArgumentException("runtime " + name);
        };
    }

    public static void main(String[] args) throws Exception {
        String rt = Measure.opt(args, "runtime", null);
        int port = Integer.parseInt(Measure.opt(args, "port", "0"));
        Dispatch echo = call -> call.reply(call.msg().isReadable() ? call.msg().retain() : null, null);
        try (Runtime runtime = runtime(rt)) {
            String tls = Measure.opt(args, "tls", "");
            ServerConfig config = tls.isEmpty()
                    ? ServerConfig.defaults()
                    : ServerConfig.builder().tls(TlsBench.server(tls)).build();
            StreamServer server = new StreamServer(runtime, config, echo);
            RpcAddress bound = server.listen(RpcAddress.parse("127.0.0.1:" + port));
            System.out.println("READY " + bound);
            System.out.flush();
            while (System.in.read() >= 0) {
                // run until the harness closes our stdin (or kills us)
            }
            server.shutdownNow();
        }
    }
}
