package io.occams.rpc.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.occams.rpc.api.RpcCode;
import io.occams.rpc.api.RpcException;
import io.occams.rpc.api.spi.Binding;
import io.occams.rpc.api.spi.Codec;
import java.math.BigInteger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What cannot be encoded fails with {@code RpcException(ENCODE)} and leaves the output as it was. */
class EncodeFailureTest {
    private final Codec codec = new MsgpackCodec();

    record Point(int a, int b) {}

    record Outer(String name, Faulty inner) {}

    public static class Faulty {
        public int getValue() {
            throw new IllegalStateException("boom");
        }

        private int value;
    }

    /** Fields but nothing public to read them through. */
    public static class Opaque {
        private int secret;

        @Override
        public String toString() {
            return "Opaque" + secret;
        }
    }

    @Test
    void aTypeWithNoMsgpackFormCannotBeBound() {
        assertEncodeFails(() -> codec.binding(Instant.class), "no msgpack mapping for java.time.Instant");
        assertEncodeFails(() -> codec.binding(Opaque.class), "has fields but no public getters or public fields");
        assertEncodeFails(() -> codec.argumentsBinding(int.class, Instant.class), "parameter 1");
    }

    @Test
    void aThrowingGetterIsAnEncodeErrorThatSaysWhere() {
        ByteBuf out = Unpooled.buffer();
        try {
            out.writeByte(0x25);
            assertEncodeFails(
                    () -> codec.<Outer>binding(Outer.class).encode(new Outer("n", new Faulty()), out),
                    "Outer.inner.value: its getter threw java.lang.IllegalStateException: boom");
            assertThat(out.readableBytes()).as("the output is left as it was").isEqualTo(1);
        } finally {
            out.release();
        }
    }

    @Test
    void aCycleIsStoppedByTheDepthLimit() {
        List<Object> loop = new ArrayList<>();
        loop.add(loop);
        ByteBuf out = Unpooled.buffer();
        try {
            assertEncodeFails(
                    () -> codec.<List<Object>>binding(List.class).encode(loop, out),
                    "nested deeper than 256 levels (a cycle?)");
            assertThat(out.readableBytes()).isZero();
        } finally {
            out.release();
        }
    }

    @Test
    void aPartlyWrittenLargeValueIsRolledBack() {
        List<Object> values = new ArrayList<>();
        values.add("x".repeat(50_000));
        values.add(new Object());
        ByteBuf out = Unpooled.buffer();
        try {
            assertEncodeFails(
                    () -> codec.<List<Object>>binding(List.class).encode(values, out),
                    "a plain java.lang.Object has no msgpack form");
            assertThat(out.writerIndex()).isZero();
        } finally {
            out.release();
        }
    }

    @Test
    void valuesOutsideMsgpackRangesOrOfTheWrongTypeAreEncodeErrors() {
        ByteBuf out = Unpooled.buffer();
        try {
            assertEncodeFails(
                    () -> codec.<BigInteger>binding(BigInteger.class).encode(BigInteger.ONE.shiftLeft(64), out),
                    "does not fit msgpack's 64 bits");
            assertEncodeFails(() -> codec.<Object>binding(int.class).encode("not an int", out), "wrong value type");
            assertEncodeFails(
                    () -> codec.argumentsBinding(int.class, int.class).encode(new Object[] {1}, out),
                    "expected 2 arguments, got 1");
            assertEncodeFails(
                    () -> codec.<Object>binding(Object.class).encode(Instant.EPOCH, out),
                    "no msgpack mapping for java.time.Instant");
            assertThat(out.writerIndex()).isZero();
        } finally {
            out.release();
        }
    }

    @Test
    void theCodecIsUsableAfterAFailure() {
        ByteBuf out = Unpooled.buffer();
        try {
            Binding<Object> any = codec.binding(Object.class);
            for (int i = 0; i < 10; i++) {
                assertThatThrownBy(() -> any.encode(List.of("y".repeat(10_000), new Object()), out))
                        .isInstanceOf(RpcException.class);
            }
            codec.<Point>binding(Point.class).encode(new Point(10, 20), out);
            assertThat(Wire.spaced(io.netty.buffer.ByteBufUtil.hexDump(out))).isEqualTo("82 a1 61 0a a1 62 14");
        } finally {
            out.release();
        }
    }

    private static void assertEncodeFails(org.assertj.core.api.ThrowableAssert.ThrowingCallable call, String message) {
        assertThatThrownBy(call)
                .isInstanceOfSatisfying(
                        RpcException.class, e -> assertThat(e.code()).isEqualTo(RpcCode.ENCODE))
                .hasMessageContaining(message);
    }
}
