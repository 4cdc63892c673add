package io.occams.rpc.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.occams.rpc.api.spi.Binding;
import io.occams.rpc.api.spi.Codec;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;

/** Test helpers: hex in and out of bindings, and generic types captured by subclassing. */
final class Wire {
    private Wire() {}

    /** The encoding of {@code value} as lower-case hex bytes separated by spaces. */
    static <T> String hex(Binding<T> b, T value) {
        ByteBuf buf = Unpooled.buffer();
        try {
            b.encode(value, buf);
            return spaced(ByteBufUtil.hexDump(buf));
        } finally {
            buf.release();
        }
    }

    static String spaced(String hex) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < hex.length(); i += 2) {
            sb.append(i == 0 ? "" : " ").append(hex, i, i + 2);
        }
        return sb.toString();
    }

    /** A heap buffer holding the bytes written as hex (spaces ignored). */
    static ByteBuf bytes(String hex) {
        return Unpooled.wrappedBuffer(ByteBufUtil.decodeHexDump(hex.replace(" ", "")));
    }

    /** Decodes the hex bytes; the whole input must be consumed. */
    static <T> T decode(Binding<T> b, String hex) {
        ByteBuf buf = bytes(hex);
        try {
            T v = b.decode(buf);
            if (buf.isReadable()) {
                throw new AssertionError(buf.readableBytes() + " bytes left after decoding " + hex);
            }
            return v;
        } finally {
            buf.release();
        }
    }

    static <T> T decode(Codec codec, Class<T> type, String hex) {
        return decode(codec.<T>binding(type), hex);
    }

    static <T> T roundTrip(Codec codec, Class<T> type, T value) {
        return roundTrip(codec.<T>binding(type), value);
    }

    static <T> T roundTrip(Binding<T> b, T value) {
        ByteBuf buf = Unpooled.buffer();
        try {
            b.encode(value, buf);
            T v = b.decode(buf);
            if (buf.isReadable()) {
                throw new AssertionError(buf.readableBytes() + " bytes left after the round trip");
            }
            return v;
        } finally {
            buf.release();
        }
    }

    /** {@code new TypeOf<List<Point>>() {}.type} is {@code List<Point>}. */
    abstract static class TypeOf<T> {
        final Type type;

        TypeOf() {
            type = ((ParameterizedType) getClass().getGenericSuperclass()).getActualTypeArguments()[0];
        }
    }
}
