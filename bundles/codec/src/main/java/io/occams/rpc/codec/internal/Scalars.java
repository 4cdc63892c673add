package io.occams.rpc.codec.internal;

import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.lang.reflect.Type;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.msgpack.core.MessageFormat;
import org.msgpack.value.ValueType;

/**
 * Nodes of single values: booleans, integers, floats, chars, strings, byte arrays, big integers,
 * enums and void. Each boxed type shares its node class with its primitive; only what nil and a
 * missing field decode to differs (null against zero).
 */
final class Scalars {
    private Scalars() {}

    /** {@code void}/{@code Void}: always nil; decoding skips whatever value is there. */
    static final class VoidNode extends Node {
        VoidNode(Binder b, Type t) {
            super(b, t);
        }

        @Override
        void write(Out out, Object value, int depth) throws IOException {
            out.packer.packNil();
        }

        @Override
        Object read(In in, int depth) throws IOException {
            in.peek();
            in.skip();
            return null;
        }

        @Override
        Object readValue(In in, MessageFormat f, int depth) throws IOException {
            in.skip();
            return null;
        }
    }

    static final class BoolNode extends Node {
        private final boolean primitive;

        BoolNode(Binder b, Type t, boolean primitive) {
            super(b, t);
            this.primitive = primitive;
        }

        @Override
        void write(Out out, Object value, int depth) throws IOException {
            out.packer.packBoolean((Boolean) value);
        }

        @Override
        Object readValue(In in, MessageFormat f, int depth) throws IOException {
            if (f.getValueType() != ValueType.BOOLEAN) {
                throw In.mismatch("bool", f);
            }
            return in.unpacker.unpackBoolean();
        }

        @Override
        boolean writeDirect(ByteBuf out, Object value) {
            if (value == null) {
                out.writeByte(Direct.NIL);
            } else if (value instanceof Boolean) {
                out.writeByte((Boolean) value ? Direct.TRUE : Direct.FALSE);
            } else {
                return false;
            }
            return true;
        }

        @Override
        Object readDirect(ByteBuf in) {
            int at = in.readerIndex();
            if (in.writerIndex() <= at) {
                return SLOW;
            }
            Object v;
            switch (in.getByte(at) & 0xff) {
                case Direct.NIL:
                    v = nilValue();
                    break;
                case Direct.FALSE:
                    v = Boolean.FALSE;
                    break;
                case Direct.TRUE:
                    v = Boolean.TRUE;
                    break;
                default:
                    return SLOW;
            }
            in.readerIndex(at + 1);
            return v;
        }

        @Override
        Object nilValue() {
            return primitive ? Boolean.FALSE : null;
        }
    }

    /** The integral kinds, with their ranges and boxes. */
    enum Width {
        BYTE("byte", Byte.MIN_VALUE, Byte.MAX_VALUE, (byte) 0),
        SHORT("short", Short.MIN_VALUE, Short.MAX_VALUE, (short) 0),
        INT("int", Integer.MIN_VALUE, Integer.MAX_VALUE, 0),
        LONG("long", Long.MIN_VALUE, Long.MAX_VALUE, 0L);

        final String javaName;
        final long min;
        final long max;

        @SuppressWarnings("ImmutableEnumChecker") // boxed zeros (Long, Integer, ...): immutable
        final Object zero;

        Width(String javaName, long min, long max, Object zero) {
            this.javaName = javaName;
            this.min = min;
            this.max = max;
            this.zero = zero;
        }

        Object box(long v) {
            switch (this) {
                case BYTE:
                    return (byte) v;
                case SHORT:
                    return (short) v;
                case INT:
                    return (int) v;
                default:
                    return v;
            }
        }
    }

    /** byte, short, int, long and their boxes: the smallest msgpack integer on the way out, range-checked on the way in. */
    static final class IntNode extends Node {
        final Width width;
        private final boolean primitive;

        IntNode(Binder b, Type t, Width width, boolean primitive) {
            super(b, t);
            this.width = width;
            this.primitive = primitive;
        }

        @Override
        void write(Out out, Object value, int depth) throws IOException {
            out.packer.packLong(((Number) value).longValue());
        }

        @Override
        Object readValue(In in, MessageFormat f, int depth) throws IOException {
            return width.box(in.readLong(f, width.javaName, width.min, width.max));
        }

        @Override
        boolean writeDirect(ByteBuf out, Object value) {
            if (value == null) {
                out.writeByte(Direct.NIL);
            } else if (value instanceof Long
                    || value instanceof Integer
                    || value instanceof Short
                    || value instanceof Byte) {
                Direct.writeLong(out, ((Number) value).longValue());
            } else {
                return false; // other Numbers, and what is no Number, take the session path (and its messages)
            }
            return true;
        }

        @Override
        Object readDirect(ByteBuf in) {
            int at = in.readerIndex();
            int left = in.writerIndex() - at;
            if (left <= 0) {
                return SLOW;
            }
            byte b = in.getByte(at);
            if ((b & 0xff) == Direct.NIL) {
                in.readerIndex(at + 1);
                return nilValue();
            }
            int len = Direct.integerLength(b);
            if (len == 0 || len > left) {
                return SLOW;
            }
            long v = Direct.integerAt(in, at, b);
            if ((b & 0xff) == 0xcf && v < 0 || v < width.min || v > width.max) {
                return SLOW; // a uint64 beyond long, or out of range: the session path says so
            }
            in.readerIndex(at + len);
            return width.box(v);
        }

        @Override
        Object nilValue() {
            return primitive ? width.zero : null;
        }
    }

    static final class FloatNode extends Node {
        private final boolean primitive;

        FloatNode(Binder b, Type t, boolean primitive) {
            super(b, t);
            this.primitive = primitive;
        }

        @Override
        void write(Out out, Object value, int depth) throws IOException {
            out.packer.packFloat((Float) value);
        }

        @Override
        Object readValue(In in, MessageFormat f, int depth) throws IOException {
            return (float) in.readDouble(f, "float");
        }

        @Override
        Object nilValue() {
            return primitive ? 0f : null;
        }
    }

    static final class DoubleNode extends Node {
        private final boolean primitive;

        DoubleNode(Binder b, Type t, boolean primitive) {
            super(b, t);
            this.primitive = primitive;
        }

        @Override
        void write(Out out, Object value, int depth) throws IOException {
            out.packer.packDouble((Double) value);
        }

        @Override
        Object readValue(In in, MessageFormat f, int depth) throws IOException {
            return in.readDouble(f, "double");
        }

        @Override
        Object nilValue() {
            return primitive ? 0d : null;
        }
    }

    /** char: a one-character str, as serde writes a Rust {@code char}. */
    static final class CharNode extends Node {
        private final boolean primitive;

        CharNode(Binder b, Type t, boolean primitive) {
            super(b, t);
            this.primitive = primitive;
        }

        @Override
        void write(Out out, Object value, int depth) throws IOException {
            out.packer.packString(String.valueOf((char) (Character) value));
        }

        @Override
        Object readValue(In in, MessageFormat f, int depth) throws IOException {
            if (f.getValueType() == ValueType.INTEGER) {
                return (char) in.readLong(f, "char", Character.MIN_VALUE, Character.MAX_VALUE);
            }
            String s = in.readString(f, "char");
            if (s.length() != 1) {
                throw CodecFailure.decode("expected a one-character str for char, got " + s.length() + " UTF-16 units");
            }
            return s.charAt(0);
        }

        @Override
        Object nilValue() {
            return primitive ? (char) 0 : null;
        }
    }

    static final class StringNode extends Node {
        StringNode(Binder b, Type t) {
            super(b, t);
        }

        @Override
        void write(Out out, Object value, int depth) throws IOException {
            String s = (String) value;
            if (s.length() > Out.LARGE_STRING) {
                out.writeLargeString(s);
            } else {
                out.packer.packString(s);
            }
        }

        @Override
        Object readValue(In in, MessageFormat f, int depth) throws IOException {
            return in.readString(f, "str");
        }
    }

    /**
     * {@code byte[]}: msgpack bin. Decodes a bin, a str (its UTF-8 bytes) or an array of integers
     * in -128..255 (what rmp-serde writes for a {@code Vec<u8>} without serde_bytes).
     */
    static final class BytesNode extends Node {
        BytesNode(Binder b, Type t) {
            super(b, t);
        }

        @Override
        void write(Out out, Object value, int depth) throws IOException {
            byte[] b = (byte[]) value;
            out.packer.packBinaryHeader(b.length);
            if (b.length >= Out.OWN_COMPONENT) {
                out.packer.flush();
                ByteBuf own = out.ownComponent(b.length);
                if (own != null) {
                    out.addComponent(own.writeBytes(b));
                    return;
                }
            }
            if (b.length > Out.LARGE_STRING) {
                out.reserve(b.length);
            }
            out.packer.writePayload(b);
        }

        @Override
        Object readValue(In in, MessageFormat f, int depth) throws IOException {
            if (f.getValueType() == ValueType.ARRAY) {
                int n = in.arrayHeader();
                byte[] b = new byte[n];
                for (int i = 0; i < n; i++) {
                    b[i] = (byte) in.readLong(in.peek(), "byte", -128, 255);
                }
                return b;
            }
            return in.readBytes(f, "bin");
        }
    }

    /**
     * {@code ByteBuf} (Netty): msgpack bin, as {@code byte[]}, without copies. Decoding gives a slice of
     * the input's bytes (borrowed: valid as long as the input is; decodes a bin or a str); encoding
     * appends the value's readable bytes ({@link Out#writeBuf}: a retained slice into a composite target).
     * The value's indexes and reference count are left as they are. Bound only as a whole parameter or
     * result ({@link Binder}): what owns and releases it is the caller's rule, not the codec's.
     */
    static final class BufNode extends Node {
        BufNode(Binder b, Type t) {
            super(b, t);
        }

        @Override
        void write(Out out, Object value, int depth) throws IOException {
            out.writeBuf((ByteBuf) value);
        }

        @Override
        Object readValue(In in, MessageFormat f, int depth) throws IOException {
            return in.readSlice(f, "bin");
        }
    }

    /** BigInteger: any msgpack integer; encoding outside i64/u64 fails (msgpack has nothing wider). */
    static final class BigIntegerNode extends Node {
        private static final BigInteger U64_MAX = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

        BigIntegerNode(Binder b, Type t) {
            super(b, t);
        }

        @Override
        void write(Out out, Object value, int depth) throws IOException {
            BigInteger v = (BigInteger) value;
            if (v.bitLength() <= 63) {
                out.packer.packLong(v.longValue());
            } else if (v.signum() > 0 && v.compareTo(U64_MAX) <= 0) {
                out.packer.packBigInteger(v);
            } else {
                throw CodecFailure.encode("integer " + v + " does not fit msgpack's 64 bits");
            }
        }

        @Override
        Object readValue(In in, MessageFormat f, int depth) throws IOException {
            if (f.getValueType() != ValueType.INTEGER) {
                throw In.mismatch("integer", f);
            }
            return in.unpacker.unpackBigInteger();
        }
    }

    /** An enum: the constant's name as a str (a serde unit variant). */
    static final class EnumNode extends Node {
        private final Enum<?>[] constants;
        private final byte[][] names;

        EnumNode(Binder b, Class<?> t) {
            super(b, t);
            this.constants = (Enum<?>[]) t.getEnumConstants();
            this.names = new byte[constants.length][];
            for (int i = 0; i < constants.length; i++) {
                names[i] = constants[i].name().getBytes(StandardCharsets.UTF_8);
            }
        }

        @Override
        void write(Out out, Object value, int depth) throws IOException {
            byte[] n = names[((Enum<?>) value).ordinal()];
            out.packer.packRawStringHeader(n.length);
            out.packer.writePayload(n);
        }

        @Override
        Object readValue(In in, MessageFormat f, int depth) throws IOException {
            int n = in.rawHeader(f, "an enum name (str)");
            byte[] b = in.readToScratch(n);
            for (int i = 0; i < names.length; i++) {
                if (names[i].length == n && Arrays.equals(names[i], 0, n, b, 0, n)) {
                    return constants[i];
                }
            }
            String shown = Utf8.isValid(b, 0, Math.min(n, 64))
                    ? new String(b, 0, Math.min(n, 64), StandardCharsets.UTF_8)
                    : "(not UTF-8)";
            throw CodecFailure.decode("\"" + shown + "\" is not a constant of " + describe());
        }
    }
}
