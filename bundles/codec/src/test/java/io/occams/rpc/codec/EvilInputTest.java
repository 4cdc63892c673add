package io.occams.rpc.codec;

import static io.occams.rpc.codec.DecodeTest.assertDecodeFails;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.occams.rpc.api.RpcCode;
import io.occams.rpc.api.RpcException;
import io.occams.rpc.api.spi.Binding;
import io.occams.rpc.api.spi.Codec;
import java.lang.reflect.Method;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Nothing a peer sends makes the codec allocate beyond the bytes it sent, recurse without bound,
 * or fail with anything but {@code RpcException(DECODE)}.
 */
class EvilInputTest {
    private final Codec codec = new MsgpackCodec();

    record Point(int a, int b) {}

    record Holder(String s, byte[] b, List<Point> list, Map<String, Long> map, Object any) {}

    /** Headers claiming 2^32-1, 2^31-1 and a million, each followed by five bytes only. */
    @ParameterizedTest
    @ValueSource(strings = {"ffffffff", "7fffffff", "000f4240"})
    void aLengthBeyondTheBytesThatFollowFailsAtOnce(String claim) {
        String tail = " 01 02 03 04 05";
        assertRejectedWithoutAllocating(String.class, "db " + claim + tail);
        assertRejectedWithoutAllocating(byte[].class, "c6 " + claim + tail);
        assertRejectedWithoutAllocating(List.class, "dd " + claim + tail);
        assertRejectedWithoutAllocating(Map.class, "df " + claim + tail);
        assertRejectedWithoutAllocating(Object.class, "dd " + claim + tail);
        assertRejectedWithoutAllocating(Object.class, "df " + claim + tail);
        assertRejectedWithoutAllocating(long[].class, "dd " + claim + tail);
        assertRejectedWithoutAllocating(Point[].class, "dd " + claim + tail);
        assertRejectedWithoutAllocating(Point.class, "df " + claim + tail);
        assertRejectedWithoutAllocating(Point.class, "dd " + claim + tail);
        // The same header one level down, as a field's value and as a map key.
        assertRejectedWithoutAllocating(Holder.class, "81 a1 73 db " + claim + tail);
        assertRejectedWithoutAllocating(Point.class, "81 db " + claim + tail);
    }

    @Test
    void theMessageSaysWhatWasClaimedAndWhatFollows() {
        assertDecodeFails(
                codec.binding(String.class),
                "db 00 0f 42 40 01 02 03 04 05",
                "str header claims 1000000 bytes but only 5 bytes follow");
        assertDecodeFails(
                codec.binding(List.class),
                "dd 00 0f 42 40 01 02 03 04 05",
                "array header claims 1000000 elements but only 5 bytes follow");
        assertDecodeFails(
                codec.binding(Map.class),
                "de 00 03 01 02 03 04 05",
                "map header claims 3 entries but only 5 bytes follow");
        assertDecodeFails(codec.binding(Holder.class), "81 a1 62 c6 7f ff ff ff 00", "Holder.b: bin header claims");
    }

    @Test
    void nestingDeeperThanTheLimitFailsWithoutOverflowingTheStack() {
        byte[] deep = new byte[100_000];
        Arrays.fill(deep, (byte) 0x91);
        for (Type t : new Type[] {Object.class, List.class, new Wire.TypeOf<List<List<Object>>>() {}.type}) {
            ByteBuf buf = Unpooled.wrappedBuffer(deep);
            assertThatThrownBy(() -> codec.binding(t).decode(buf))
                    .isInstanceOfSatisfying(
                            RpcException.class, e -> assertThat(e.code()).isEqualTo(RpcCode.DECODE))
                    .hasMessageContaining("nested deeper than 256 levels");
        }
        byte[] maps = new byte[100_000];
        for (int i = 0; i < maps.length; i += 2) {
            maps[i] = (byte) 0x81;
            maps[i + 1] = (byte) 0x00;
        }
        assertThatThrownBy(() -> codec.binding(Object.class).decode(Unpooled.wrappedBuffer(maps)))
                .isInstanceOf(RpcException.class)
                .hasMessageContaining("nested deeper");
    }

    @Test
    void aLimitOfTheCodecsOwnCanBeSetAndIsKept() {
        Codec shallow = new MsgpackCodec(3);
        Binding<Object> any = shallow.binding(Object.class);
        assertThat(Wire.decode(any, "91 91 91 01")).isEqualTo(List.of(List.of(List.of(1L))));
        assertDecodeFails(any, "91 91 91 91 01", "nested deeper than 3 levels");
    }

    @Test
    void aDeepValueUnderAnUnknownKeyIsSkippedWithoutRecursion() {
        byte[] value = new byte[200_000];
        Arrays.fill(value, (byte) 0x91);
        value[value.length - 1] = 0x01;
        ByteBuf buf = Unpooled.buffer();
        try {
            buf.writeBytes(Wire.bytes("82 a1 78"));
            buf.writeBytes(value);
            buf.writeBytes(Wire.bytes("a1 61 05"));
            assertThat(codec.<Point>binding(Point.class).decode(buf)).isEqualTo(new Point(5, 0));
        } finally {
            buf.release();
        }
    }

    @Test
    void everyTruncationOfAValidMessageIsADecodeErrorAndConsumesNothing() {
        Binding<Holder> b = codec.binding(Holder.class);
        ByteBuf whole = Unpooled.buffer();
        try {
            b.encode(
                    new Holder(
                            "x".repeat(300),
                            new byte[] {1, 2},
                            List.of(new Point(1, 70000)),
                            Map.of("k", -5L),
                            List.of("any", 1.5)),
                    whole);
            for (int n = 1; n < whole.readableBytes(); n++) {
                ByteBuf part = whole.retainedSlice(0, n);
                try {
                    assertThatThrownBy(() -> b.decode(part))
                            .isInstanceOfSatisfying(
                                    RpcException.class,
                                    e -> assertThat(e.code()).isEqualTo(RpcCode.DECODE));
                    assertThat(part.readerIndex()).isZero();
                } finally {
                    part.release();
                }
            }
        } finally {
            whole.release();
        }
    }

    @Test
    void theNeverUsedByteIsRejected() {
        assertDecodeFails(codec.binding(Object.class), "c1", "byte 0xc1 at offset 0 is not msgpack");
        assertDecodeFails(codec.binding(Point.class), "81 a1 61 c1", "Point.a: byte 0xc1 at offset 3");
    }

    @Test
    void extValuesAreRejected() {
        assertDecodeFails(codec.binding(Object.class), "d4 01 00", "ext values are not supported");
        assertDecodeFails(codec.binding(int.class), "d4 01 00", "expected int, got ext");
    }

    @Test
    void randomBytesOnlyEverFailAsDecodeErrors() {
        Random random = new Random(0x0CCA);
        List<Binding<?>> bindings = new ArrayList<>();
        bindings.add(codec.binding(Holder.class));
        bindings.add(codec.binding(Object.class));
        bindings.add(codec.binding(Point[].class));
        bindings.add(codec.argumentsBinding(int.class, String.class, Point.class));
        bindings.add(codec.binding(new Wire.TypeOf<Map<String, List<Long>>>() {}.type));
        for (int i = 0; i < 5_000; i++) {
            byte[] bytes = new byte[1 + random.nextInt(24)];
            random.nextBytes(bytes);
            for (Binding<?> b : bindings) {
                ByteBuf buf = Unpooled.wrappedBuffer(bytes);
                try {
                    b.decode(buf);
                } catch (RpcException e) {
                    assertThat(e.code())
                            .as("code for %s", Wire.spaced(io.netty.buffer.ByteBufUtil.hexDump(bytes)))
                            .isEqualTo(RpcCode.DECODE);
                    assertThat(buf.readerIndex()).isZero();
                }
            }
        }
    }

    @Test
    void largeValuesDecodeFromDirectBuffersAcrossChunks() {
        Binding<Holder> b = codec.binding(Holder.class);
        List<Point> points = new ArrayList<>();
        for (int i = 0; i < 5000; i++) {
            points.add(new Point(i, Integer.MAX_VALUE - i));
        }
        byte[] blob = new byte[20_000];
        new Random(1).nextBytes(blob);
        Holder h = new Holder("\u20ac".repeat(9000), blob, points, Map.of("k", Long.MIN_VALUE), null);
        ByteBuf direct = PooledByteBufAllocator.DEFAULT.directBuffer();
        try {
            b.encode(h, direct);
            assertThat(direct.readableBytes()).isGreaterThan(3 * 8192);
            Holder back = b.decode(direct);
            assertThat(back.s()).isEqualTo(h.s());
            assertThat(back.b()).isEqualTo(blob);
            assertThat(back.list()).isEqualTo(points);
            assertThat(back.map()).isEqualTo(h.map());
            assertThat(direct.isReadable()).isFalse();
        } finally {
            direct.release();
        }
    }

    private void assertRejectedWithoutAllocating(Type type, String hex) {
        Binding<?> b = codec.binding(type);
        ByteBuf buf = Wire.bytes(hex);
        try {
            // warm up, so class loading and the first exception do not count
            catchDecode(b, buf);
            long before = allocatedBytes();
            RpcException e = catchDecode(b, buf);
            long allocated = allocatedBytes() - before;
            assertThat(e).as("decoding %s as %s", hex, type).isNotNull();
            assertThat(e.code()).isEqualTo(RpcCode.DECODE);
            assertThat(buf.readerIndex()).isZero();
            assertThat(allocated)
                    .as("bytes allocated rejecting %s as %s", hex, type)
                    .isLessThan(256 * 1024);
        } finally {
            buf.release();
        }
    }

    private static RpcException catchDecode(Binding<?> b, ByteBuf buf) {
        try {
            b.decode(buf);
            return null;
        } catch (RpcException e) {
            return e;
        }
    }

    /**
     * HotSpot's count of bytes this thread allocated. Reached reflectively: the tests compile inside
     * the module io.occams.rpc.codec, which does not (and should not) read jdk.management.
     */
    private static long allocatedBytes() {
        try {
            return (long) ALLOCATED.invoke(THREADS);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    private static final Object THREADS;
    private static final Method ALLOCATED;

    static {
        try {
            THREADS = Class.forName("java.lang.management.ManagementFactory")
                    .getMethod("getThreadMXBean")
                    .invoke(null);
            ALLOCATED = Class.forName("com.sun.management.ThreadMXBean").getMethod("getCurrentThreadAllocatedBytes");
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
