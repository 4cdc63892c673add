package io.occams.rpc.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.occams.rpc.api.RpcCode;
import io.occams.rpc.api.RpcException;
import io.occams.rpc.api.spi.Binding;
import io.occams.rpc.api.spi.Codec;
import java.lang.reflect.Type;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code ByteBuf} as a parameter or result (issue 16, memory for large messages): the same msgpack bin
 * as {@code byte[]}, but decoded as a view of the input and, into a composite target, encoded without
 * copying the bytes.
 */
class ByteBufValuesTest {
    private final Codec codec = new MsgpackCodec();

    private static byte[] pattern(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i % 253);
        }
        return b;
    }

    private static byte[] bytes(ByteBuf b) {
        byte[] a = new byte[b.readableBytes()];
        b.getBytes(b.readerIndex(), a);
        return a;
    }

    /** What {@code byte[]} encodes to: the reference bytes. */
    private byte[] asByteArray(byte[] value) {
        ByteBuf out = Unpooled.buffer();
        codec.<byte[]>binding(byte[].class).encode(value, out);
        return bytes(out);
    }

    @Test
    void aByteBufEncodesToTheSameBinAsAByteArrayOfItsReadableBytes() {
        for (int n : new int[] {0, 5, 300, 70_000}) {
            byte[] value = pattern(n);
            ByteBuf buf = Unpooled.buffer().writeZero(3).writeBytes(value).skipBytes(3);
            ByteBuf out = Unpooled.buffer();
            codec.<ByteBuf>binding(ByteBuf.class).encode(buf, out);
            assertThat(bytes(out)).as("%d bytes", n).isEqualTo(asByteArray(value));
            assertThat(buf.readerIndex()).isEqualTo(3); // left as it was
            assertThat(buf.refCnt()).isEqualTo(1);
        }
    }

    @Test
    void intoACompositeTargetALargeBufferIsAddedAsASliceNotCopied() {
        byte[] value = pattern(100_000);
        ByteBuf buf = Unpooled.directBuffer(value.length).writeBytes(value);
        CompositeByteBuf out = Unpooled.compositeBuffer();
        codec.<ByteBuf>binding(ByteBuf.class).encode(buf, out);
        try {
            assertThat(bytes(out)).isEqualTo(asByteArray(value));
            ByteBuf last = out.component(out.numComponents() - 1);
            assertThat(last.memoryAddress()).isEqualTo(buf.memoryAddress()); // the same memory
            assertThat(buf.refCnt()).isEqualTo(2); // the target's own reference
        } finally {
            out.release();
        }
        assertThat(buf.refCnt()).isEqualTo(1);
        buf.release();
    }

    @Test
    void intoACompositeTargetALongStringOrByteArrayGetsADirectBufferOfExactlyItsSize() {
        String s = "é" + "x".repeat(200_000);
        byte[] utf8 = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        CompositeByteBuf str = Unpooled.compositeBuffer();
        CompositeByteBuf bin = Unpooled.compositeBuffer();
        try {
            codec.<String>binding(String.class).encode(s, str);
            ByteBuf plain = Unpooled.buffer();
            codec.<String>binding(String.class).encode(s, plain);
            assertThat(bytes(str)).isEqualTo(bytes(plain)); // msgpack's bytes all the same
            ByteBuf last = str.component(str.numComponents() - 1);
            assertThat(last.isDirect()).isTrue();
            assertThat(last.capacity()).isEqualTo(utf8.length);

            byte[] value = pattern(100_000);
            codec.<byte[]>binding(byte[].class).encode(value, bin);
            assertThat(bytes(bin)).isEqualTo(asByteArray(value));
            last = bin.component(bin.numComponents() - 1);
            assertThat(last.isDirect()).isTrue();
            assertThat(last.capacity()).isEqualTo(value.length);
        } finally {
            str.release();
            bin.release();
        }
    }

    @Test
    void aBinDecodesToAViewOfTheInputNotACopy() {
        byte[] wire = asByteArray(pattern(100_000));
        ByteBuf heap = Unpooled.wrappedBuffer(wire);
        ByteBuf direct = Unpooled.directBuffer(wire.length).writeBytes(wire);
        Binding<ByteBuf> b = codec.binding(ByteBuf.class);

        ByteBuf fromHeap = b.decode(heap);
        assertThat(fromHeap.array()).isSameAs(wire);
        assertThat(bytes(fromHeap)).isEqualTo(pattern(100_000));
        assertThat(heap.isReadable()).isFalse();

        ByteBuf fromDirect = b.decode(direct);
        assertThat(fromDirect.memoryAddress()).isEqualTo(direct.memoryAddress() + 5); // bin 32 header, then the bytes
        assertThat(bytes(fromDirect)).isEqualTo(pattern(100_000));
        direct.release();
    }

    @Test
    void aByteBufArgumentAmongOthersDecodesAsAView() {
        Binding<Object[]> args = codec.argumentsBinding(long.class, ByteBuf.class);
        ByteBuf wire = Unpooled.buffer();
        args.encode(new Object[] {7L, Unpooled.wrappedBuffer(pattern(1000))}, wire);
        Object[] got = args.decode(wire);
        assertThat(got[0]).isEqualTo(7L);
        ByteBuf view = (ByteBuf) got[1];
        assertThat(bytes(view)).isEqualTo(pattern(1000));
        assertThat(view.array()).isSameAs(wire.array());
    }

    @Test
    void aTruncatedBinFailsWithDecode() {
        byte[] wire = asByteArray(pattern(1000));
        ByteBuf cut = Unpooled.wrappedBuffer(wire, 0, 600);
        assertThatThrownBy(() -> codec.<ByteBuf>binding(ByteBuf.class).decode(cut))
                .isInstanceOfSatisfying(
                        RpcException.class, e -> assertThat(e.code()).isEqualTo(RpcCode.DECODE));
    }

    record Holder(ByteBuf data) {}

    @Test
    void aByteBufInsideAnotherTypeIsRefusedWhenBound() {
        Type listOfBufs = new Object() {
            List<ByteBuf> field;
        }.getClass().getDeclaredFields()[0].getGenericType();
        for (Type t : new Type[] {Holder.class, listOfBufs}) {
            assertThatThrownBy(() -> codec.binding(t))
                    .isInstanceOfSatisfying(
                            RpcException.class, e -> assertThat(e.code()).isEqualTo(RpcCode.ENCODE))
                    .hasMessageContaining("ByteBuf");
        }
    }
}
