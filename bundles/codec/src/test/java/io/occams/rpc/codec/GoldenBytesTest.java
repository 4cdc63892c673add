package io.occams.rpc.codec;

import static io.occams.rpc.codec.Wire.hex;
import static org.assertj.core.api.Assertions.assertThat;

import io.occams.rpc.api.spi.Binding;
import io.occams.rpc.api.spi.Codec;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The bytes of spec §2.7 and §3, and rmp-serde's named mode for every kind of value. */
class GoldenBytesTest {
    private final Codec codec = new MsgpackCodec();

    record Point(int a, int b) {}

    /** The msg of spec §2.7 frame 6 (numeric action 3, Write). */
    record Write(long inode, long offset, long len) {}

    enum Color {
        Red,
        Green
    }

    record Tagged(String name, Optional<String> note, Color color) {}

    /** A JavaBean: private fields with getters and setters, in declaration order. */
    public static class Bean {
        private long id;
        private String label;
        private boolean active;

        public Bean() {}

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

        public boolean isActive() {
            return active;
        }

        public void setActive(boolean active) {
            this.active = active;
        }
    }

    /** A bean of public fields. */
    public static class Fields {
        public int x;
        public String y;
    }

    @Test
    void theTupleArgumentOfCalcAddIs92_0a_14() {
        Binding<Object[]> args = codec.argumentsBinding(int.class, int.class);
        assertThat(hex(args, new Object[] {10, 20})).isEqualTo("92 0a 14");
    }

    @Test
    void aRecordIsAMapKeyedByComponentNamesInDeclarationOrder() {
        assertThat(hex(codec.binding(Point.class), new Point(10, 20))).isEqualTo("82 a1 61 0a a1 62 14");
    }

    @Test
    void theWriteMessageOfFrameSixIsTwentyOneBytes() {
        String hex = hex(codec.binding(Write.class), new Write(1, 0, 3));
        assertThat(hex).isEqualTo("83 a5 69 6e 6f 64 65 01 a6 6f 66 66 73 65 74 00 a3 6c 65 6e 03");
        assertThat(hex.split(" ")).hasSize(21);
    }

    @Test
    void resultsOfTheSpecExamplesAreSingleBytes() {
        Binding<Integer> ints = codec.binding(int.class);
        assertThat(hex(ints, 41)).isEqualTo("29");
        assertThat(hex(ints, 42)).isEqualTo("2a");
        assertThat(hex(ints, 30)).isEqualTo("1e");
        assertThat(hex(ints, -1)).isEqualTo("ff");
    }

    @Test
    void oneArgumentIsTheValueItselfAsInCalServiceInc() {
        assertThat(hex(codec.argumentsBinding(long.class), new Object[] {41L})).isEqualTo("29");
    }

    @Test
    void nullVoidAndNoArgumentsAreNil() {
        assertThat(hex(codec.binding(String.class), null)).isEqualTo("c0");
        assertThat(hex(codec.binding(Void.class), null)).isEqualTo("c0");
        assertThat(hex(codec.binding(void.class), null)).isEqualTo("c0");
        assertThat(hex(codec.argumentsBinding(), new Object[0])).isEqualTo("c0");
        assertThat(hex(codec.binding(Point.class), null)).isEqualTo("c0");
    }

    @Test
    void integersTakeTheSmallestForm() {
        Binding<Long> longs = codec.binding(Long.class);
        assertThat(hex(longs, 0L)).isEqualTo("00");
        assertThat(hex(longs, 127L)).isEqualTo("7f");
        assertThat(hex(longs, 128L)).isEqualTo("cc 80");
        assertThat(hex(longs, 255L)).isEqualTo("cc ff");
        assertThat(hex(longs, 256L)).isEqualTo("cd 01 00");
        assertThat(hex(longs, 65536L)).isEqualTo("ce 00 01 00 00");
        assertThat(hex(longs, 1L << 32)).isEqualTo("cf 00 00 00 01 00 00 00 00");
        assertThat(hex(longs, -32L)).isEqualTo("e0");
        assertThat(hex(longs, -33L)).isEqualTo("d0 df");
        assertThat(hex(longs, -129L)).isEqualTo("d1 ff 7f");
        assertThat(hex(longs, Long.MIN_VALUE)).isEqualTo("d3 80 00 00 00 00 00 00 00");
        assertThat(hex(codec.binding(short.class), (short) 300)).isEqualTo("cd 01 2c");
        assertThat(hex(codec.binding(byte.class), (byte) -5)).isEqualTo("fb");
        assertThat(hex(codec.binding(BigInteger.class), new BigInteger("18446744073709551615")))
                .isEqualTo("cf ff ff ff ff ff ff ff ff");
    }

    @Test
    void booleansFloatsAndDoublesHaveTheirOwnForms() {
        assertThat(hex(codec.binding(boolean.class), true)).isEqualTo("c3");
        assertThat(hex(codec.binding(Boolean.class), false)).isEqualTo("c2");
        assertThat(hex(codec.binding(float.class), 1.5f)).isEqualTo("ca 3f c0 00 00");
        assertThat(hex(codec.binding(double.class), 1.5d)).isEqualTo("cb 3f f8 00 00 00 00 00 00");
    }

    @Test
    void stringsUseFixstrThenStr8Str16AndStr32() {
        Binding<String> s = codec.binding(String.class);
        assertThat(hex(s, "")).isEqualTo("a0");
        assertThat(hex(s, "hi")).isEqualTo("a2 68 69");
        assertThat(hex(s, "x".repeat(31))).startsWith("bf 78");
        assertThat(hex(s, "x".repeat(32))).startsWith("d9 20 78");
        assertThat(hex(s, "x".repeat(255))).startsWith("d9 ff 78");
        assertThat(hex(s, "x".repeat(256))).startsWith("da 01 00 78");
        assertThat(hex(s, "x".repeat(1000))).startsWith("da 03 e8 78");
        // 30000 chars of three UTF-8 bytes each: 90000 bytes need str32 even though fewer than 2^16 chars.
        assertThat(hex(s, "\u20ac".repeat(30000))).startsWith("db 00 01 5f 90 e2 82 ac");
        assertThat(hex(s, "\u00e9")).isEqualTo("a2 c3 a9");
        assertThat(hex(codec.binding(char.class), 'x')).isEqualTo("a1 78");
    }

    @Test
    void byteArraysAreBin() {
        assertThat(hex(codec.binding(byte[].class), new byte[] {1, 2, 3})).isEqualTo("c4 03 01 02 03");
        assertThat(hex(codec.binding(byte[].class), new byte[0])).isEqualTo("c4 00");
    }

    @Test
    void anEnumIsItsConstantName() {
        assertThat(hex(codec.binding(Color.class), Color.Green)).isEqualTo("a5 47 72 65 65 6e");
    }

    @Test
    void optionalIsNilOrTheValue() {
        Binding<Tagged> b = codec.binding(Tagged.class);
        assertThat(hex(b, new Tagged("a", Optional.empty(), Color.Red)))
                .isEqualTo("83 a4 6e 61 6d 65 a1 61 a4 6e 6f 74 65 c0 a5 63 6f 6c 6f 72 a3 52 65 64");
        assertThat(hex(b, new Tagged("a", Optional.of("b"), Color.Red)))
                .isEqualTo("83 a4 6e 61 6d 65 a1 61 a4 6e 6f 74 65 a1 62 a5 63 6f 6c 6f 72 a3 52 65 64");
        Binding<Optional<Integer>> o = codec.binding(new Wire.TypeOf<Optional<Integer>>() {}.type);
        assertThat(hex(o, Optional.of(7))).isEqualTo("07");
        assertThat(hex(o, Optional.empty())).isEqualTo("c0");
    }

    @Test
    void collectionsAndArraysAreArraysAndMapsAreMaps() {
        Binding<List<Point>> points = codec.binding(new Wire.TypeOf<List<Point>>() {}.type);
        assertThat(hex(points, List.of(new Point(1, 2)))).isEqualTo("91 82 a1 61 01 a1 62 02");
        Map<String, List<Long>> m = new LinkedHashMap<>();
        m.put("k", List.of(1L, 300L));
        m.put("e", new ArrayList<>());
        Binding<Map<String, List<Long>>> maps = codec.binding(new Wire.TypeOf<Map<String, List<Long>>>() {}.type);
        assertThat(hex(maps, m)).isEqualTo("82 a1 6b 92 01 cd 01 2c a1 65 90");
        assertThat(hex(codec.binding(int[].class), new int[] {1, -1})).isEqualTo("92 01 ff");
        assertThat(hex(codec.binding(String[].class), new String[] {"a", null})).isEqualTo("92 a1 61 c0");
    }

    @Test
    void aBeanIsAMapOfItsPropertiesInDeclarationOrder() {
        Bean bean = new Bean();
        bean.setId(7);
        bean.setLabel("x");
        bean.setActive(true);
        assertThat(hex(codec.binding(Bean.class), bean))
                .isEqualTo("83 a2 69 64 07 a5 6c 61 62 65 6c a1 78 a6 61 63 74 69 76 65 c3");
        Fields f = new Fields();
        f.x = 1;
        f.y = "z";
        assertThat(hex(codec.binding(Fields.class), f)).isEqualTo("82 a1 78 01 a1 79 a1 7a");
    }

    @Test
    void valuesTypedObjectAreEncodedByTheirRuntimeClass() {
        Binding<Object> any = codec.binding(Object.class);
        assertThat(hex(any, new Point(10, 20))).isEqualTo("82 a1 61 0a a1 62 14");
        assertThat(hex(any, List.of(1, "a", Color.Red))).isEqualTo("93 01 a1 61 a3 52 65 64");
        assertThat(hex(any, Map.of("k", 1))).isEqualTo("81 a1 6b 01");
        assertThat(hex(codec.argumentsBinding(Object.class, String.class), new Object[] {41, "x"}))
                .isEqualTo("92 29 a1 78");
    }

    @Test
    void anEmptyRecordIsAnEmptyMap() {
        record Empty() {}
        assertThat(hex(codec.binding(Empty.class), new Empty())).isEqualTo("80");
    }
}
