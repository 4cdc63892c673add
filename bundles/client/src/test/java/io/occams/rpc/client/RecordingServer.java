package io.occams.rpc.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.occams.rpc.api.RpcAddress;
import io.occams.rpc.api.RpcCode;
import io.occams.rpc.api.ServerConfig;
import io.occams.rpc.api.spi.Codec;
import io.occams.rpc.api.spi.Runtime;
import io.occams.rpc.api.spi.ServerCall;
import io.occams.rpc.stream.StreamServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * A {@link StreamServer} whose dispatch records each request's action and msg bytes (the M4 mock caller, on
 * a real socket) and answers {@link MyTestService} calls with canned frames: the test checks what went on
 * the wire and what the proxy makes of each kind of answer.
 */
final class RecordingServer implements AutoCloseable {
    /** One request as the server saw it. */
    record Request(String action, byte[] msg) {}

    final List<Request> requests = new CopyOnWriteArrayList<>();
    /** Calls to "slow" and "slowAsync", held until the test answers them. */
    final BlockingQueue<ServerCall> held = new LinkedBlockingQueue<>();

    final StreamServer server;
    final RpcAddress address;
    private final Codec codec;

    RecordingServer(Runtime runtime, RpcAddress listen, Codec codec) throws IOException {
        this.codec = codec;
        this.server = new StreamServer(
                runtime,
                ServerConfig.builder()
                        .serverCloseWait(java.time.Duration.ofSeconds(5))
                        .build(),
                this::dispatch);
        this.address = server.listen(listen);
    }

    private void dispatch(ServerCall call) {
        String action = call.stringAction();
        requests.add(new Request(action, ByteBufUtil.getBytes(call.msg())));
        switch (action) {
            case "MyTestService.no_args" -> call.reply(encode(Void.class, null), null);
            case "MyTestService.one", "MyTestService.stage" ->
                call.reply(call.msg().retainedSlice(), null);
            case "MyTestService.add" -> {
                Object[] ab = codec.argumentsBinding(long.class, long.class)
                        .decode(call.msg().duplicate());
                call.reply(encode(long.class, (Long) ab[0] + (Long) ab[1]), null);
            }
            case "MyTestService.three" -> call.reply(encode(long.class, 42L), null);
            case "MyTestService.errno", "MyTestService.undeclaredErrno" -> call.replyErrno(5);
            case "MyTestService.text", "MyTestService.textAsync" -> call.replyError(text("divide by zero"));
            case "MyTestService.rpcish" -> call.replyError(text("rpc_quota"));
            case "MyTestService.emptyLong", "MyTestService.emptyString" -> call.reply(null, null);
            case "MyTestService.blob" -> call.reply(encode(long.class, 1L), text("blob"));
            case "MyTestService.garbage" -> call.reply(encode(String.class, "not a number"), null);
            case "MyTestService.slow", "MyTestService.slowAsync" -> held.add(call);
            default -> call.replyError(RpcCode.METHOD_NOT_FOUND);
        }
    }

    /** Answers a held call with {@code value}, a long. */
    static void answer(ServerCall call, Codec codec, long value) {
        ByteBuf out = call.alloc().buffer();
        codec.binding(long.class).encode(value, out);
        call.reply(out, null);
    }

    private ByteBuf encode(Class<?> type, Object value) {
        ByteBuf out = io.netty.buffer.Unpooled.buffer();
        codec.<Object>binding(type).encode(value, out);
        return out;
    }

    private static ByteBuf text(String s) {
        return io.netty.buffer.Unpooled.copiedBuffer(s, StandardCharsets.UTF_8);
    }

    /** The actions received, in order. */
    List<String> actions() {
        return requests.stream().map(Request::action).toList();
    }

    @Override
    public void close() {
        for (ServerCall c; (c = held.poll()) != null; ) {
            c.replyError(RpcCode.INTERNAL);
        }
        server.close();
    }
}
