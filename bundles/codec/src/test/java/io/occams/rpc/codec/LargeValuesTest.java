package io.occams.rpc.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.occams.rpc.api.spi.Binding;
import io.occams.rpc.api.spi.Codec;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Long strings and blobs (issue 16) take the codec's large-value path: written straight into the target
 * sized up front, read without a scratch copy. The bytes are msgpack's all the same, on every kind of input.
 */
class LargeValuesTest {
    private final Codec codec = new MsgpackCodec();

    /** 100,000 chars of 1-, 2-, 3- and 4-byte UTF-8, longer than the large-value threshold. */
    private static String mixed() {
        StringBuilder sb = new StringBuilder();
        while (sb.length() < 100_000) {
            sb.append("ascii é € \uD83D\uDE00 ");
        }
        return sb.toString();
    }

    /** A msgpack str of these bytes, with the smallest header that holds its length (str 16 or str 32 here). */
    private static byte[] msgpackStr(byte[] utf8) {
        int n = utf8.length;
        byte[] head = n < 65536
                ? new byte[] {(byte) 0xda, (byte) (n >>> 8), (byte) n}
                : new byte[] {(byte) 0xdb, (byte) (n >>> 24), (byte) (n >>> 16), (byte) (n >>> 8), (byte) n};
        byte[] out = Arrays.copyOf(head, head.length + n);
        System.arraycopy(utf8, 0, out, head.length, n);
        return out;
    }

    @Test
    void aLongStringIsEncodedAsAStrOfItsUtf8BytesAndTheTargetGrowsToExactlyThat() {
        String s = mixed();
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        Binding<String> b = codec.binding(String.class);
        ByteBuf out = Unpooled.buffer(16);
        try {
            b.encode(s, out);
            assertThat(out.capacity()).isEqualTo(5 + utf8.length);
            byte[] got = new byte[out.readableBytes()];
            out.readBytes(got);
            assertThat(Arrays.equals(got, msgpackStr(utf8))).isTrue();
        } finally {
            out.release();
        }
    }

    @Test
    void anUnpairedSurrogateInALongStringBecomesAQuestionMarkAsGetBytesMakesIt() {
        String s = "a".repeat(20_000) + "\uD800" + "b".repeat(20_000);
        ByteBuf out = Unpooled.buffer();
        try {
            codec.<String>binding(String.class).encode(s, out);
            byte[] got = new byte[out.readableBytes()];
            out.readBytes(got);
            assertThat(Arrays.equals(got, msgpackStr(s.getBytes(StandardCharsets.UTF_8))))
                    .isTrue();
        } finally {
            out.release();
        }
    }

    @Test
    void aLongStringDecodesFromHeapDirectAndCompositeInput() {
        String s = mixed();
        byte[] wire = msgpackStr(s.getBytes(StandardCharsets.UTF_8));
        Binding<String> b = codec.binding(String.class);
        ByteBuf direct = Unpooled.directBuffer(wire.length).writeBytes(wire);
        CompositeByteBuf composite = Unpooled.compositeBuffer();
        composite.addComponent(true, Unpooled.wrappedBuffer(Arrays.copyOfRange(wire, 0, 1000)));
        composite.addComponent(true, Unpooled.directBuffer().writeBytes(wire, 1000, wire.length - 1000));
        for (ByteBuf in : List.of(Unpooled.wrappedBuffer(new byte[7], wire).skipBytes(7), direct, composite)) {
            try {
                assertThat(b.decode(in)).isEqualTo(s);
                assertThat(in.isReadable()).isFalse();
            } finally {
                in.release();
            }
        }
    }

    @Test
    void aLongStrThatIsNotUtf8IsRefused() {
        byte[] bad = "x".repeat(100_000).getBytes(StandardCharsets.UTF_8);
        bad[50_000] = (byte) 0xff;
        ByteBuf in = Unpooled.wrappedBuffer(msgpackStr(bad));
        try {
            assertThatThrownBy(() -> codec.<String>binding(String.class).decode(in))
                    .hasMessageContaining("not valid UTF-8");
        } finally {
            in.release();
        }
    }

    @Test
    void aLongBlobRoundTripsAndTheTargetGrowsToExactlyItsEncoding() {
        byte[] blob = new byte[200_000];
        for (int i = 0; i < blob.length; i++) {
            blob[i] = (byte) (i * 31);
        }
        Binding<byte[]> b = codec.binding(byte[].class);
        ByteBuf out = Unpooled.buffer(16);
        try {
            b.encode(blob, out);
            assertThat(out.capacity()).isEqualTo(5 + blob.length);
            assertThat(b.decode(out)).isEqualTo(blob);
        } finally {
            out.release();
        }
    }
}
