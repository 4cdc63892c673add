package io.occams.rpc.errors;

import io.netty.buffer.ByteBuf;
import io.occams.rpc.api.RpcCode;
import io.occams.rpc.api.RpcException;
import io.occams.rpc.api.spi.Binding;
import io.occams.rpc.api.spi.Codec;
import io.occams.rpc.errors.internal.Utf8;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A test-only {@link Codec} that binds {@code String} and nothing else, writing it as msgpack does (fixstr,
 * str8 or str16 header, then UTF-8), so its frames look like the real codec's for strings. Counts how
 * often it is asked for a binding.
 */
final class StringOnlyCodec implements Codec {
    final AtomicInteger bindingCalls = new AtomicInteger();

    @Override
    public int format() {
        return MSGPACK;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> Binding<T> binding(Type type) {
        bindingCalls.incrementAndGet();
        if (type != String.class) {
            throw new RpcException(RpcCode.ENCODE, "StringOnlyCodec cannot bind " + type.getTypeName());
        }
        return (Binding<T>) STRING;
    }

    @Override
    public Binding<Object[]> argumentsBinding(Type... parameterTypes) {
        throw new UnsupportedOperationException();
    }

    private static final Binding<String> STRING = new Binding<>() {
        @Override
        public void encode(String value, ByteBuf out) {
            byte[] b = value.getBytes(StandardCharsets.UTF_8);
            if (b.length < 32) {
                out.writeByte(0xa0 | b.length);
            } else if (b.length < 256) {
                out.writeByte(0xd9).writeByte(b.length);
            } else if (b.length < 65536) {
                out.writeByte(0xda).writeShort(b.length);
            } else {
                throw new RpcException(RpcCode.ENCODE, "string too long for this test codec");
            }
            out.writeBytes(b);
        }

        @Override
        public String decode(ByteBuf in) {
            if (!in.isReadable()) {
                return null;
            }
            int head = in.readUnsignedByte();
            int len;
            if ((head & 0xe0) == 0xa0) {
                len = head & 0x1f;
            } else if (head == 0xd9 && in.isReadable(1)) {
                len = in.readUnsignedByte();
            } else if (head == 0xda && in.isReadable(2)) {
                len = in.readUnsignedShort();
            } else {
                throw new RpcException(RpcCode.DECODE, "not a string: 0x" + Integer.toHexString(head));
            }
            if (!in.isReadable(len)) {
                throw new RpcException(RpcCode.DECODE, "string of " + len + " bytes, " + in.readableBytes() + " left");
            }
            byte[] b = new byte[len];
            in.readBytes(b);
            String s = Utf8.decodeStrict(b);
            if (s == null) {
                throw new RpcException(RpcCode.DECODE, "malformed UTF-8");
            }
            return s;
        }
    };
}
