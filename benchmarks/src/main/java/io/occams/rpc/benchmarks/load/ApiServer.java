package io.occams.rpc.benchmarks.load;

import io.netty.buffer.ByteBuf;
import io.occams.rpc.api.RpcAddress;
import io.occams.rpc.api.RpcCode;
import io.occams.rpc.api.ServerConfig;
import io.occams.rpc.api.spi.Binding;
import io.occams.rpc.api.spi.Dispatch;
import io.occams.rpc.api.spi.Runtime;
import io.occams.rpc.codec.MsgpackCodec;
import io.occams.rpc.stream.StreamServer;

/**
 * The server of the remote-API contender: a {@link StreamServer} whose dispatch does what a remote-API
 * dispatcher does for {@code BenchService.echo(long)}: match the string action, decode the argument
 * with the msgpack codec, call the implementation, encode the result. A stand-in for the
 * {@code ServiceDispatcher} of bundle {@code server} until that lands; then this should become an
 * {@code RpcServer} with a registered implementation. Arguments: {@code --runtime netty|vthreads --port N}.
 */
public final class ApiServer {
    private ApiServer() {
    }

    public static void main(String[] args) throws Exception {
        String rt = Measure.opt(args, "runtime", null);
        int port = Integer.parseInt(Measure.opt(args, "port", "0"));
        MsgpackCodec codec = new MsgpackCodec();
        Binding<Object[]> argsBinding = codec.argumentsBinding(long.class);
        Binding<Long> result = codec.binding(Long.class);
        Dispatch dispatch = call -> {
            if (!"BenchService.echo".equals(call.stringAction())) {
                call.replyError(RpcCode.METHOD_NOT_FOUND);
                return;
            }
            long x = (Long) argsBinding.decode(call.msg())[0];
            ByteBuf out = call.alloc().buffer(16);
            result.encode(x, out);
            call.reply(out, null);
        };
        try (Runtime runtime = OccamsServer.runtime(rt)) {
            StreamServer server = new StreamServer(runtime, ServerConfig.defaults(), dispatch);
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
