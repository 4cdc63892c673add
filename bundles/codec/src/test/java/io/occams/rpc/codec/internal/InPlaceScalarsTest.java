package io.occams.rpc.codec.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.occams.rpc.api.RpcCode;
import io.occams.rpc.api.RpcException;
import io.occams.rpc.api.spi.Binding;
import io.occams.rpc.api.spi.Codec;
import io.occams.rpc.codec.MsgpackCodec;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;

/**
 * Integers, booleans and nil (alone, or as an argument list of them) are written and read in place, without
 * msgpack-core: these tests hold that path to msgpack-core's bytes and to the session path's values and
 * failures ({@code encodeInSession}, {@code decodeInSession}), at every boundary of every width.
 */
class InPlaceScalarsTest {
    private final Codec codec = new MsgpackCodec();

    private static final long[] EDGES = {
        0,
        1,
        31,
        32,
        127,
        128,
        255,
        256,
        32767,
        32768,
        65535,
        65536,
        Integer.MAX_VALUE,
        1L << 31,
        (1L << 32) - 1,
        1L << 32,
        Long.MAX_VALUE,
        -1,
        -31,
        -32,
        -33,
        -127,
        -128,
        -129,
        -32767,
        -32768,
        -32769,
        Integer.MIN_VALUE + 1L,
        Integer.MIN_VALUE,
        Integer.MIN_VALUE - 1L,
        Long.MIN_VALUE
    };

    @Test
    void longsAreWrittenInMsgpackCoresSmallestForm() throws IOException {
        Binding<Long> longs = codec.binding(long.class);
        Binding<Object[]> pair = codec.argumentsBinding(long.class, Long.class);
        for (long v : EDGES) {
            MessageBufferPacker p = MessagePack.newDefaultBufferPacker();
            p.packLong(v);
            String one = ByteBufUtil.hexDump(p.toByteArray());
            assertThat(hex(longs, v)).as("long %d", v).isEqualTo(one);
            assertThat(sessionHex(longs, v)).isEqualTo(one);
            assertThat(hex(codec.argumentsBinding(long.class), new Object[] {v}))
                    .isEqualTo(one);
            assertThat(hex(pair, new Object[] {v, null})).isEqualTo("92" + one + "c0");
        }
        assertThat(hex(codec.binding(int.class), 300)).isEqualTo("cd012c");
        assertThat(hex(codec.binding(Long.class), null)).isEqualTo("c0");
        assertThat(hex(codec.binding(boolean.class), true)).isEqualTo("c3");
        assertThat(hex(codec.argumentsBinding(), new Object[0])).isEqualTo("c0");
        assertThat(hex(codec.argumentsBinding(boolean.class, int.class), new Object[] {false, 7}))
                .isEqualTo("92c207");
    }

    @Test
    void everyIntegerWidthDecodesAsTheSessionPathDecodesIt() {
        Class<?>[] targets = {byte.class, short.class, int.class, long.class, Integer.class, Long.class};
        for (long v : EDGES) {
            for (String form : forms(v)) {
                for (Class<?> t : targets) {
                    assertSame(codec.binding(t), form);
                    assertSame(codec.argumentsBinding(t), form);
                    assertSame(codec.argumentsBinding(t, t), "92" + form + form);
                }
            }
        }
        assertSame(codec.binding(long.class), "cfffffffffffffffff"); // uint64 beyond long
        assertSame(codec.binding(long.class), "c0");
        assertSame(codec.binding(Long.class), "c0");
        assertSame(codec.binding(boolean.class), "c2");
        assertSame(codec.binding(Boolean.class), "c0");
        assertSame(codec.binding(boolean.class), "01"); // not a bool
        assertSame(codec.argumentsBinding(), "c0");
        assertSame(codec.argumentsBinding(long.class, long.class), "9301020");
        assertSame(codec.argumentsBinding(long.class, long.class), "9301");
        assertSame(codec.argumentsBinding(long.class, long.class), "92a16101");
    }

    @Test
    void truncatedIntegersFailAsBeforeAndLeaveTheReaderIndex() {
        for (String cut : List.of("cc", "cd01", "ce0000", "cf00000000000000", "d3ff", "9201")) {
            ByteBuf in = Unpooled.wrappedBuffer(ByteBufUtil.decodeHexDump(cut));
            Binding<?> b =
                    cut.startsWith("92") ? codec.argumentsBinding(long.class, long.class) : codec.binding(long.class);
            assertThatThrownBy(() -> b.decode(in))
                    .isInstanceOf(RpcException.class)
                    .extracting(e -> ((RpcException) e).code())
                    .isEqualTo(RpcCode.DECODE);
            assertThat(in.readerIndex()).isZero();
        }
    }

    /** Decodes {@code hex} (and a byte after it, which must be left) both ways: same value or same failure, same bytes consumed. */
    private static void assertSame(Binding<?> b, String hex) {
        String padded = hex.length() % 2 == 0 ? hex : hex.substring(0, hex.length() - 1);
        byte[] bytes = ByteBufUtil.decodeHexDump(padded + "ff");
        ByteBuf direct = Unpooled.wrappedBuffer(bytes);
        ByteBuf session = Unpooled.wrappedBuffer(bytes.clone());
        TopLevel<?> t = (TopLevel<?>) b;
        Object fast = outcome(() -> t.decode(direct));
        Object slow = outcome(() -> t.decodeInSession(session));
        assertThat(fast).as("%s as %s", hex, b).isEqualTo(slow);
        assertThat(direct.readerIndex()).as("%s consumed", hex).isEqualTo(session.readerIndex());
    }

    private static Object outcome(java.util.function.Supplier<?> decode) {
        try {
            Object v = decode.get();
            return v instanceof Object[]
                    ? List.of(box((Object[]) v))
                    : v == null ? "null" : v.getClass().getSimpleName() + ":" + v;
        } catch (RpcException e) {
            return e.code() + ": " + e.getMessage();
        }
    }

    private static Object[] box(Object[] a) {
        Object[] r = new Object[a.length];
        for (int i = 0; i < a.length; i++) {
            r[i] = a[i] == null ? "null" : a[i].getClass().getSimpleName() + ":" + a[i];
        }
        return r;
    }

    /** Every msgpack integer form that can hold {@code v}. */
    private static List<String> forms(long v) {
        List<String> f = new ArrayList<>();
        if (v >= -32 && v <= 127) {
            f.add(String.format("%02x", v & 0xff));
        }
        if (v >= 0 && v <= 255) {
            f.add(String.format("cc%02x", v));
        }
        if (v >= 0 && v <= 65535) {
            f.add(String.format("cd%04x", v));
        }
        if (v >= 0 && v <= 0xffffffffL) {
            f.add(String.format("ce%08x", v));
        }
        if (v >= 0) {
            f.add(String.format("cf%016x", v));
        }
        if (v >= Byte.MIN_VALUE && v <= Byte.MAX_VALUE) {
            f.add(String.format("d0%02x", v & 0xff));
        }
        if (v >= Short.MIN_VALUE && v <= Short.MAX_VALUE) {
            f.add(String.format("d1%04x", v & 0xffff));
        }
        if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
            f.add(String.format("d2%08x", v & 0xffffffffL));
        }
        f.add(String.format("d3%016x", v));
        return f;
    }

    private static <T> String sessionHex(Binding<T> b, T value) {
        ByteBuf buf = Unpooled.buffer();
        try {
            ((TopLevel<T>) b).encodeInSession(value, buf);
            return ByteBufUtil.hexDump(buf);
        } finally {
            buf.release();
        }
    }

    private static <T> String hex(Binding<T> b, T value) {
        ByteBuf buf = Unpooled.buffer();
        try {
            b.encode(value, buf);
            return ByteBufUtil.hexDump(buf);
        } finally {
            buf.release();
        }
    }
}
