package io.occams.rpc.errors;

import static org.assertj.core.api.Assertions.assertThat;

import io.occams.rpc.api.ErrnoException;
import io.occams.rpc.api.MessageException;
import io.occams.rpc.api.RpcCode;
import io.occams.rpc.api.RpcException;
import io.occams.rpc.api.spi.Codec;
import io.occams.rpc.api.spi.WireError;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class BuiltinCodecsTest {
    private final Codec codec = new StringOnlyCodec();
    private final ErrorCodecRegistry registry = ErrorCodecRegistry.withBuiltins();
    private final ErrnoErrorCodec errno = new ErrnoErrorCodec();
    private final MessageErrorCodec message = new MessageErrorCodec();

    @ParameterizedTest
    @ValueSource(
            ints = {
                0,
                1,
                ErrnoException.EIO,
                255,
                256,
                65_535,
                65_536,
                Integer.MAX_VALUE,
                Integer.MIN_VALUE,
                -1,
                -128,
                0xFFFF_FFFF,
                0x8000_0001
            })
    void errnoCodecKeepsEveryThirtyTwoBitValueBothWays(int n) {
        WireError w = registry.encode(new ErrnoException(n), codec);

        assertThat(w.isErrno()).isTrue();
        assertThat(w.errno()).isEqualTo(n);
        Throwable back = registry.decode(w, List.of(ErrnoException.class), codec);
        assertThat(back).isExactlyInstanceOf(ErrnoException.class);
        assertThat(((ErrnoException) back).errno()).isEqualTo(n);
        assertThat(errno.decode(WireError.errno(n), codec).errno()).isEqualTo(n);
    }

    @Test
    void errnoAllOnesIsReadAsMinusOneAndPrintedUnsigned() {
        ErrnoException e = errno.decode(WireError.errno(0xFFFF_FFFF), codec);

        assertThat(e.errno()).isEqualTo(-1);
        assertThat(e).hasMessage("errno 4294967295");
    }

    @Test
    void errnoCodecSendsTheNumberOnly() {
        assertThat(errno.encode(new ErrnoException(ErrnoException.EACCES, "local detail"), codec))
                .isEqualTo(WireError.errno(13));
        assertThat(errno.type()).isEqualTo(ErrnoException.class);
    }

    @Test
    void errnoCodecRefusesStringFrames() {
        assertThat(errno.decode(WireError.text("5"), codec)).isNull();
        assertThat(errno.decode(WireError.bytes(new byte[0]), codec)).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"disk full", "grüße ✓ 🚀", "", " ", "line\nbreak\u0000nul", "RPC_TIMEOUT", "rpc_timeout "})
    void messageCodecSendsTheTextInUtf8AndReadsItBack(String text) {
        WireError w = registry.encode(new MessageException(text), codec);

        assertThat(w.isErrno()).isFalse();
        assertThat(w.bytes()).isEqualTo(text.getBytes(StandardCharsets.UTF_8));
        Throwable back = registry.decode(w, List.of(MessageException.class), codec);
        assertThat(back).isExactlyInstanceOf(MessageException.class).hasMessage(text);
    }

    @Test
    void messageCodecRefusesErrnoFrames() {
        assertThat(message.decode(WireError.errno(0), codec)).isNull();
        assertThat(message.type()).isEqualTo(MessageException.class);
    }

    @Test
    void messageCodecRefusesMalformedUtf8() {
        byte[][] malformed = {
            {(byte) 0xff},
            {(byte) 0xc0, (byte) 0x80}, // overlong NUL
            {(byte) 0xed, (byte) 0xa0, (byte) 0x80}, // lone surrogate
            {(byte) 0xe2, (byte) 0x82}, // truncated
            {(byte) 0xf4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, // past U+10FFFF
            {'a', (byte) 0x80, 'b'}, // stray continuation
            {(byte) 0x82, (byte) 0xa4, 'c', 'o', 'd', 'e', 7}, // a msgpack map: a structured error
        };
        for (byte[] b : malformed) {
            assertThat(message.decode(WireError.bytes(b), codec))
                    .as(java.util.Arrays.toString(b))
                    .isNull();
        }
    }

    @ParameterizedTest
    @EnumSource(RpcCode.class)
    void messageCodecNeverMakesAMessageOfAReservedName(RpcCode code) {
        assertThat(message.decode(WireError.text(code.wireName()), codec)).isNull();
    }

    @Test
    void aMessageSubclassWithoutAMessageGoesOutAsTheEmptyText() {
        MessageException odd = new MessageException("ignored") {
            private static final long serialVersionUID = 1L;

            @Override
            public String getMessage() {
                return null;
            }
        };

        assertThat(registry.encode(odd, codec)).isEqualTo(WireError.text(""));
    }

    @Test
    void anErrnoSubclassWithoutItsOwnCodecComesBackAsAPlainErrnoException() {
        Throwable back = registry.decode(
                registry.encode(new TestErrors.Busy(), codec),
                List.of(TestErrors.Busy.class, ErrnoException.class),
                codec);

        assertThat(back).isExactlyInstanceOf(ErrnoException.class);
        assertThat(((ErrnoException) back).errno()).isEqualTo(16);
    }

    @Test
    void anErrnoFrameForAMethodThatDeclaresOnlyTheSubclassStaysUnmapped() {
        Throwable back = registry.decode(WireError.errno(16), List.of(TestErrors.Busy.class), codec);

        assertThat(back)
                .isInstanceOfSatisfying(
                        RpcException.class, e -> assertThat(e.errno()).isEqualTo(16));
    }
}
