package io.occams.rpc.codec;

import static io.occams.rpc.codec.Wire.decode;
import static io.occams.rpc.codec.Wire.roundTrip;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.occams.rpc.api.RpcCode;
import io.occams.rpc.api.RpcException;
import io.occams.rpc.api.spi.Binding;
import io.occams.rpc.api.spi.Codec;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** Decoding is lenient where rmp-serde is (spec §3) and strict where a value would be wrong. */
class DecodeTest {
    private final Codec codec = new MsgpackCodec();

    record Point(int a, int b) {}

    record Defaults(int n, String s, Optional<String> o, boolean flag, double d, List<Long> list) {}

    record Box<T>(T value, List<T> more) {}

    record Tree(String name, List<Tree> children) {}

    record Small(byte b, short s, char c, float f) {}

    enum Color {
        Red,
        Green
    }

    public static class Bean {
        private long id = 99;
        private String label;

        public long getId() {
            return id;
        }

        public void setId(long id) {
            this.id = id;
        }

        public String getLabel() {
            return label;
        }

        public void setLabel(String label) {
            this.label = label;
        }
    }

    @Test
    void aRecordDecodesFromAMapOrFromAnArray() {
        Binding<Point> b = codec.binding(Point.class);
        assertThat(decode(b, "82 a1 61 0a a1 62 14")).isEqualTo(new Point(10, 20));
        assertThat(decode(b, "82 a1 62 14 a1 61 0a")).isEqualTo(new Point(10, 20));
        assertThat(decode(b, "92 0a 14")).isEqualTo(new Point(10, 20));
        assertThat(decode(b, "c0")).isNull();
    }

    @Test
    void unknownKeysAreSkippedAndMissingOnesGetTheirDefaults() {
        Binding<Point> b = codec.binding(Point.class);
        assertThat(decode(b, "83 a1 7a 92 01 81 a1 71 c3 a1 62 14 a1 61 0a")).isEqualTo(new Point(10, 20));
        assertThat(decode(b, "81 a1 62 14")).isEqualTo(new Point(0, 20));
        assertThat(decode(codec, Defaults.class, "80"))
                .isEqualTo(new Defaults(0, null, Optional.empty(), false, 0d, null));
        assertThat(decode(b, "91 05")).isEqualTo(new Point(5, 0));
        assertThat(decode(b, "93 05 06 07")).isEqualTo(new Point(5, 6));
    }

    @Test
    void aFieldIndexWorksAsAKey() {
        assertThat(decode(codec, Point.class, "82 00 0a 01 14")).isEqualTo(new Point(10, 20));
    }

    @Test
    void nilIntoAPrimitiveIsZeroOrFalse() {
        assertThat(decode(codec, int.class, "c0")).isEqualTo(0);
        assertThat(decode(codec, boolean.class, "c0")).isEqualTo(false);
        assertThat(decode(codec, Integer.class, "c0")).isNull();
        assertThat(decode(codec, Point.class, "82 a1 61 c0 a1 62 c0")).isEqualTo(new Point(0, 0));
    }

    @Test
    void integersOfAnyWidthFitAnyIntegralTypeThatHoldsThem() {
        assertThat(decode(codec, byte.class, "cf 00 00 00 00 00 00 00 05")).isEqualTo((byte) 5);
        assertThat(decode(codec, int.class, "d3 ff ff ff ff ff ff ff ff")).isEqualTo(-1);
        assertThat(decode(codec, long.class, "cf 7f ff ff ff ff ff ff ff")).isEqualTo(Long.MAX_VALUE);
        assertThat(decode(codec, BigInteger.class, "cf ff ff ff ff ff ff ff ff"))
                .isEqualTo(new BigInteger("18446744073709551615"));
        assertThat(decode(codec, double.class, "2a")).isEqualTo(42d);
        assertThat(decode(codec, float.class, "cb 3f f8 00 00 00 00 00 00")).isEqualTo(1.5f);
        assertThat(decode(codec, Small.class, "94 d0 80 cd 7f ff a1 7a ca 3f c0 00 00"))
                .isEqualTo(new Small((byte) -128, (short) 32767, 'z', 1.5f));
    }

    @Test
    void anIntegerOutOfRangeIsADecodeError() {
        assertDecodeFails(codec.binding(byte.class), "cc ff", "integer 255 out of range for byte");
        assertDecodeFails(codec.binding(int.class), "ce 80 00 00 00", "out of range for int");
        assertDecodeFails(codec.binding(long.class), "cf ff ff ff ff ff ff ff ff", "out of range for long");
        assertDecodeFails(
                codec.binding(Point.class),
                "82 a1 61 cf 00 00 00 01 00 00 00 00 a1 62 00",
                "Point.a: integer 4294967296 out of range for int");
    }

    @Test
    void theWrongKindOfValueIsADecodeErrorThatSaysWhere() {
        assertDecodeFails(codec.binding(int.class), "a1 61", "expected int, got str");
        assertDecodeFails(codec.binding(Point.class), "2a", "expected map or array (a struct), got integer");
        assertDecodeFails(
                codec.binding(Tree.class),
                "82 a4 6e 61 6d 65 a1 72 a8 63 68 69 6c 64 72 65 6e 91 82 a4 6e 61 6d 65 05",
                "Tree.children.name: expected str, got integer");
    }

    @Test
    void strAndBinAreInterchangeableForStringsAndByteArrays() {
        assertThat(decode(codec, byte[].class, "a3 61 62 63")).containsExactly('a', 'b', 'c');
        assertThat(decode(codec, String.class, "c4 02 68 69")).isEqualTo("hi");
        assertThat(decode(codec, byte[].class, "93 01 cc ff ff")).containsExactly(1, -1, -1);
    }

    @Test
    void strIsStrictUtf8() {
        assertDecodeFails(codec.binding(String.class), "a2 c0 80", "not valid UTF-8");
        assertDecodeFails(codec.binding(String.class), "a3 ed a0 80", "not valid UTF-8");
        assertThat(decode(codec, String.class, "a4 f0 9f 98 80")).isEqualTo("\uD83D\uDE00");
    }

    @Test
    void enumsDecodeFromTheirNameAndRejectOthers() {
        assertThat(decode(codec, Color.class, "a5 47 72 65 65 6e")).isEqualTo(Color.Green);
        assertDecodeFails(
                codec.binding(Color.class), "a4 42 6c 75 65", "\"Blue\" is not a constant of DecodeTest$Color");
    }

    @Test
    void genericTypesRoundTripThroughTheirType() {
        Binding<Map<String, List<Long>>> maps = codec.binding(new Wire.TypeOf<Map<String, List<Long>>>() {}.type);
        Map<String, List<Long>> m = new LinkedHashMap<>();
        m.put("a", List.of(1L, Long.MAX_VALUE, Long.MIN_VALUE));
        m.put("b", List.of());
        assertThat(roundTrip(maps, m)).isEqualTo(m);

        Binding<List<Point>> points = codec.binding(new Wire.TypeOf<List<Point>>() {}.type);
        assertThat(roundTrip(points, List.of(new Point(1, 2), new Point(3, 4))))
                .containsExactly(new Point(1, 2), new Point(3, 4));

        Binding<Optional<String>> opt = codec.binding(new Wire.TypeOf<Optional<String>>() {}.type);
        assertThat(roundTrip(opt, Optional.of("x"))).contains("x");
        assertThat(roundTrip(opt, Optional.empty())).isEmpty();

        Binding<Box<Point>> box = codec.binding(new Wire.TypeOf<Box<Point>>() {}.type);
        Box<Point> decoded = roundTrip(box, new Box<>(new Point(1, 1), List.of(new Point(2, 2))));
        assertThat(decoded.value()).isInstanceOf(Point.class).isEqualTo(new Point(1, 1));
        assertThat(decoded.more()).containsExactly(new Point(2, 2));

        Binding<Set<Color>> colors = codec.binding(new Wire.TypeOf<Set<Color>>() {}.type);
        assertThat(roundTrip(colors, Set.of(Color.Red))).containsExactly(Color.Red);

        Binding<SortedMap<Integer, String>> sorted =
                codec.binding(new Wire.TypeOf<SortedMap<Integer, String>>() {}.type);
        assertThat(roundTrip(sorted, new TreeMap<>(Map.of(2, "b", 1, "a"))))
                .isInstanceOf(TreeMap.class)
                .containsKeys(1, 2);

        Binding<List<? extends Point>> wild = codec.binding(new Wire.TypeOf<List<? extends Point>>() {}.type);
        assertThat(roundTrip(wild, List.of(new Point(5, 6)))).containsExactly(new Point(5, 6));

        Binding<List<String>[]> arrays = codec.binding(new Wire.TypeOf<List<String>[]>() {}.type);
        @SuppressWarnings({"unchecked", "rawtypes"})
        List<String>[] a = new List[] {List.of("x")};
        assertThat(roundTrip(arrays, a)[0]).containsExactly("x");
    }

    @Test
    void primitiveArraysRoundTrip() {
        assertThat(roundTrip(codec, int[].class, new int[] {1, -1, 70000})).containsExactly(1, -1, 70000);
        assertThat(roundTrip(codec, long[].class, new long[] {Long.MIN_VALUE})).containsExactly(Long.MIN_VALUE);
        assertThat(roundTrip(codec, double[].class, new double[] {0.5})).containsExactly(0.5);
        assertThat(roundTrip(codec, boolean[].class, new boolean[] {true, false}))
                .containsExactly(true, false);
        assertThat(roundTrip(codec, char[].class, new char[] {'a'})).containsExactly('a');
        assertThat(roundTrip(codec, float[].class, new float[] {2.5f})).containsExactly(2.5f);
        assertThat(roundTrip(codec, short[].class, new short[] {-2})).containsExactly((short) -2);
    }

    @Test
    void aRecursiveTypeRoundTrips() {
        Tree t = new Tree("root", List.of(new Tree("leaf", List.of())));
        assertThat(roundTrip(codec, Tree.class, t)).isEqualTo(t);
    }

    @Test
    void aBeanKeepsItsInitialValueForAMissingKey() {
        Bean b = decode(codec, Bean.class, "81 a5 6c 61 62 65 6c a1 78");
        assertThat(b.getId()).isEqualTo(99);
        assertThat(b.getLabel()).isEqualTo("x");
        Bean r = roundTrip(codec, Bean.class, b);
        assertThat(r.getId()).isEqualTo(99);
    }

    @Test
    void valuesTypedObjectDecodeAsNaturalJavaValues() {
        Object v = decode(
                codec,
                Object.class,
                "84 a1 61 92 01 cb 3f f8 00 00 00 00 00 00 a1 62 c4 01 ff a1 63 c3 a1 64 cf ff ff ff ff ff ff ff ff");
        assertThat(v).isInstanceOf(LinkedHashMap.class);
        Map<?, ?> m = (Map<?, ?>) v;
        assertThat(m.get("a")).isEqualTo(List.of(1L, 1.5d));
        assertThat((byte[]) m.get("b")).containsExactly(-1);
        assertThat(m.get("c")).isEqualTo(true);
        assertThat(m.get("d")).isEqualTo(new BigInteger("18446744073709551615"));
        assertThat(decode(codec, Number.class, "05")).isEqualTo(5L);
        assertDecodeFails(codec.binding(Runnable.class), "80", "cannot decode map into Runnable");
    }

    @Test
    void argumentsDecodeFromAnArrayOfExactlyTheirCount() {
        Binding<Object[]> two = codec.argumentsBinding(int.class, String.class);
        assertThat(decode(two, "92 0a a1 78")).containsExactly(10, "x");
        assertDecodeFails(two, "91 0a", "expected 2 arguments, got an array of 1");
        assertDecodeFails(two, "93 0a a1 78 c0", "expected 2 arguments, got an array of 3");
        assertDecodeFails(two, "0a", "expected an array of 2 arguments, got integer");
        assertThat(decode(codec.argumentsBinding(long.class), "29")).containsExactly(41L);
        assertThat(decode(codec.argumentsBinding(), "c0")).isEmpty();
        assertThat(decode(codec.argumentsBinding(), "82 a1 61 01 a1 62 02")).isEmpty();
    }

    @Test
    void anEmptyBufferDecodesAsNullOrZero() {
        assertThat(codec.<Point>binding(Point.class).decode(Unpooled.EMPTY_BUFFER))
                .isNull();
        assertThat(codec.<Integer>binding(int.class).decode(Unpooled.EMPTY_BUFFER))
                .isEqualTo(0);
        assertThat(codec.<Void>binding(Void.class).decode(Unpooled.EMPTY_BUFFER))
                .isNull();
        assertThat(codec.argumentsBinding().decode(Unpooled.EMPTY_BUFFER)).isEmpty();
        assertThat(codec.argumentsBinding(int.class, String.class).decode(Unpooled.EMPTY_BUFFER))
                .containsExactly(0, null);
    }

    @Test
    void decodingConsumesOneValueAndLeavesTheRest() {
        ByteBuf buf = Wire.bytes("29 2a ff");
        try {
            Binding<Integer> b = codec.binding(int.class);
            assertThat(b.decode(buf)).isEqualTo(41);
            assertThat(buf.readerIndex()).isEqualTo(1);
            assertThat(b.decode(buf)).isEqualTo(42);
            assertThat(b.decode(buf)).isEqualTo(-1);
            assertThat(buf.isReadable()).isFalse();
        } finally {
            buf.release();
        }
    }

    @Test
    void decodingReadsDirectSlicedAndCompositeBuffers() {
        Binding<Point> b = codec.binding(Point.class);
        ByteBuf direct = PooledByteBufAllocator.DEFAULT.directBuffer();
        CompositeByteBuf composite = Unpooled.compositeBuffer();
        try {
            direct.writeBytes(new byte[] {0x55, 0x66});
            b.encode(new Point(10, 20), direct);
            direct.skipBytes(2);
            assertThat(b.decode(direct)).isEqualTo(new Point(10, 20));
            assertThat(direct.isReadable()).isFalse();

            composite.addComponent(true, Wire.bytes("82 a1 61 0a"));
            composite.addComponent(true, Wire.bytes("a1 62 14 c0"));
            assertThat(b.decode(composite)).isEqualTo(new Point(10, 20));
            assertThat(composite.readableBytes()).isEqualTo(1);

            ByteBuf heap = Wire.bytes("00 00 92 0a 14 00");
            try {
                ByteBuf slice = heap.slice(2, 3);
                assertThat(b.decode(slice)).isEqualTo(new Point(10, 20));
                assertThat(slice.readerIndex()).isEqualTo(3);
            } finally {
                heap.release();
            }
        } finally {
            direct.release();
            composite.release();
        }
    }

    @Test
    void encodingAppendsAfterWhatTheBufferHolds() {
        ByteBuf buf = Unpooled.buffer();
        try {
            buf.writeByte(0x25);
            codec.binding(int.class).encode(41, buf);
            codec.binding(String.class).encode("x".repeat(20000), buf);
            assertThat(buf.getByte(0)).isEqualTo((byte) 0x25);
            assertThat(buf.getByte(1)).isEqualTo((byte) 0x29);
            buf.skipBytes(2);
            assertThat(codec.<String>binding(String.class).decode(buf)).hasSize(20000);
        } finally {
            buf.release();
        }
    }

    @Test
    void aLargeNestedValueRoundTrips() {
        Point[] many = new Point[10000];
        Arrays.setAll(many, i -> new Point(i, -i));
        assertThat(roundTrip(codec, Point[].class, many)).containsExactly(many);
    }

    static void assertDecodeFails(Binding<?> b, String hex, String message) {
        ByteBuf buf = Wire.bytes(hex);
        try {
            int before = buf.readerIndex();
            assertThatThrownBy(() -> b.decode(buf))
                    .isInstanceOfSatisfying(
                            RpcException.class, e -> assertThat(e.code()).isEqualTo(RpcCode.DECODE))
                    .hasMessageContaining(message);
            assertThat(buf.readerIndex())
                    .as("reader index after a failed decode")
                    .isEqualTo(before);
        } finally {
            buf.release();
        }
    }
}
