package io.occams.rpc.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.occams.rpc.api.RpcCode;
import io.occams.rpc.api.RpcException;
import io.occams.rpc.api.spi.Binding;
import io.occams.rpc.api.spi.Codec;
import io.occams.rpc.codec.MsgpackCodec;
import io.occams.rpc.examples.AsyncCalService;
import io.occams.rpc.examples.CalService;
import io.occams.rpc.examples.EchoService;
import java.lang.reflect.Method;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The msgpack codec decoding any bytes as the example services' argument lists and results, and as a few
 * records of the shapes users write: it returns a value or throws {@code RpcException(rpc_decode)},
 * nothing else; and what it returns encodes and decodes back to an equal value.
 */
class CodecFuzzTest {
    record Point(int a, int b) {}

    record Shapes(
            long n,
            String s,
            Optional<String> o,
            boolean flag,
            double d,
            List<Long> list,
            Map<String, Integer> map,
            byte[] bytes,
            Point point) {}

    record Tree(String name, List<Tree> children) {}

    private static final Codec CODEC = new MsgpackCodec();
    private static final List<Binding<?>> BINDINGS = new ArrayList<>();

    static {
        for (Class<?> service : List.of(CalService.class, EchoService.class, AsyncCalService.class)) {
            for (Method m : service.getMethods()) {
                BINDINGS.add(CODEC.argumentsBinding(m.getGenericParameterTypes()));
                addIfBindable(m.getGenericReturnType());
            }
        }
        for (Type t : List.of(Point.class, Shapes.class, Tree.class, Object.class, String.class, long.class)) {
            addIfBindable(t);
        }
    }

    private static void addIfBindable(Type t) {
        if (t == void.class) {
            return;
        }
        try {
            BINDINGS.add(CODEC.binding(t));
        } catch (RpcException notBindable) {
            // e.g. a CompletionStage result: the proxy binds its type argument, which is listed anyway
        }
    }

    @FuzzTest(maxDuration = "3m")
    @SuppressWarnings({"unchecked", "rawtypes"})
    void decodesAnyBytesAsTheExampleTypesOrFailsWithRpcDecode(FuzzedDataProvider data) {
        Binding b = BINDINGS.get(data.consumeInt(0, BINDINGS.size() - 1));
        byte[] bytes = data.consumeRemainingAsBytes();
        ByteBuf in = Unpooled.wrappedBuffer(bytes);
        Object value;
        try {
            value = b.decode(in);
        } catch (RpcException e) {
            assertThat(e.code()).as("%s", e).isEqualTo(RpcCode.DECODE);
            return;
        } finally {
            in.release();
        }
        ByteBuf out = Unpooled.buffer();
        try {
            b.encode(value, out);
            Object again = b.decode(out);
            assertThat(deep(again)).isEqualTo(deep(value));
        } finally {
            out.release();
        }
    }

    /** Compares arrays (and records holding them) by content. */
    private static Object deep(Object v) {
        if (v instanceof Object[] a) {
            return Arrays.stream(a).map(CodecFuzzTest::deep).toList();
        }
        if (v instanceof byte[] a) {
            return Arrays.toString(a);
        }
        if (v instanceof List<?> l) {
            return l.stream().map(CodecFuzzTest::deep).toList();
        }
        if (v instanceof Map<?, ?> m) {
            java.util.Map<Object, Object> out = new java.util.LinkedHashMap<>();
            m.forEach((k, x) -> out.put(deep(k), deep(x)));
            return out;
        }
        if (v instanceof Shapes s) {
            return List.of(
                    s.n(),
                    s.s() == null ? "null" : s.s(),
                    s.o() == null ? "null" : s.o(),
                    s.flag(),
                    Double.doubleToLongBits(s.d()),
                    s.list() == null ? "null" : s.list(),
                    s.map() == null ? "null" : s.map(),
                    deep(s.bytes() == null ? "null" : s.bytes()),
                    s.point() == null ? "null" : s.point());
        }
        return v == null ? "null" : v;
    }
}
