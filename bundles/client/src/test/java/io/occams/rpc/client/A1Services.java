package io.occams.rpc.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.occams.rpc.api.ErrnoException;
import io.occams.rpc.api.MessageException;
import io.occams.rpc.api.RpcCode;
import io.occams.rpc.api.RpcMethod;
import io.occams.rpc.api.RpcService;
import io.occams.rpc.api.spi.Binding;
import io.occams.rpc.api.spi.Codec;
import io.occams.rpc.api.spi.Dispatch;
import io.occams.rpc.api.spi.ServerCall;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

/**
 * The reference fixtures of spec §10 A1 as client-side interfaces, and a hand-written {@link Dispatch} that
 * answers them exactly as the Rust test suite's services do (so the proxy is tested against the wire,
 * not against our own server).
 */
final class A1Services {
    private A1Services() {}

    @RpcService
    public interface CalService {
        long inc(long x);

        long add(long a, long b);

        long div(long a, long b) throws MessageException;
    }

    @RpcService("CalService")
    public interface AsyncCalService {
        CompletableFuture<Long> inc(long x);

        CompletableFuture<Long> add(long a, long b);

        CompletableFuture<Long> div(long a, long b) throws MessageException;
    }

    @RpcService
    public interface EchoService {
        String repeat(String s);

        @RpcMethod("io_error")
        String ioError(String s) throws ErrnoException;
    }

    /** Answers CalService and EchoService on the connection's reader, as the Rust fixtures do. */
    static Dispatch dispatch(Codec codec) {
        Binding<Object[]> one = codec.argumentsBinding(long.class);
        Binding<Object[]> two = codec.argumentsBinding(long.class, long.class);
        Binding<Object[]> text = codec.argumentsBinding(String.class);
        Binding<Long> longs = codec.binding(long.class);
        Binding<String> strings = codec.binding(String.class);
        return (ServerCall call) -> {
            switch (String.valueOf(call.stringAction())) {
                case "CalService.inc" -> reply(call, longs, (Long) one.decode(call.msg())[0] + 1);
                case "CalService.add" -> {
                    Object[] ab = two.decode(call.msg());
                    reply(call, longs, (Long) ab[0] + (Long) ab[1]);
                }
                case "CalService.div" -> {
                    Object[] ab = two.decode(call.msg());
                    if ((Long) ab[1] == 0) {
                        ByteBuf err = call.alloc().buffer();
                        err.writeCharSequence("divide by zero", StandardCharsets.UTF_8);
                        call.replyError(err);
                    } else {
                        reply(call, longs, (Long) ab[0] / (Long) ab[1]);
                    }
                }
                case "EchoService.repeat" -> reply(call, strings, (String) text.decode(call.msg())[0]);
                case "EchoService.io_error" -> call.replyErrno(ErrnoException.EIO);
                default -> call.replyError(RpcCode.METHOD_NOT_FOUND);
            }
        };
    }

    private static <T> void reply(ServerCall call, Binding<T> b, T value) {
        ByteBuf out = call.alloc().buffer();
        b.encode(value, out);
        call.reply(out, null);
    }

    /** For assertions on what went out: the bytes of {@code buf}. */
    static byte[] bytes(ByteBuf buf) {
        return ByteBufUtil.getBytes(buf);
    }
}
