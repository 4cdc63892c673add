package io.occams.rpc.errors;

import static org.assertj.core.api.Assertions.assertThat;

import io.occams.rpc.api.ErrnoException;
import io.occams.rpc.api.MessageException;
import io.occams.rpc.api.RpcCode;
import io.occams.rpc.api.RpcException;
import io.occams.rpc.api.spi.Codec;
import io.occams.rpc.api.spi.WireError;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What a hostile or broken peer can send: none of it may escape decode as an exception or a wrong type. */
class EvilInputTest {
    private final Codec codec = new StringOnlyCodec();
    private final ErrorCodecRegistry registry = ErrorCodecRegistry.withBuiltins();
    private final List<Class<? extends Throwable>> all =
            List.of(MessageException.class, ErrnoException.class, TestErrors.QuotaExceeded.class);

    EvilInputTest() {
        registry.register(new StructuredErrorCodec<>(
                TestErrors.QuotaExceeded.class, String.class, Throwable::getMessage, TestErrors.QuotaExceeded::new));
    }

    @Test
    void anEmptyStringFrameIsTheEmptyMessageOrAnUnmappedEmptyString() {
        WireError empty = WireError.bytes(new byte[0]);

        assertThat(registry.decode(empty, List.of(MessageException.class), codec))
                .isExactlyInstanceOf(MessageException.class)
                .hasMessage("");
        assertThat(registry.decodeAny(empty, codec))
                .isExactlyInstanceOf(MessageException.class)
                .hasMessage("");
        Throwable t = registry.decode(empty, List.of(ErrnoException.class), codec);
        assertThat(t).isInstanceOfSatisfying(RpcException.class, e -> {
            assertThat(e.code()).isNull();
            assertThat(e.errorBytes()).isEmpty();
            assertThat(e.errno()).isEqualTo(RpcException.NO_ERRNO);
        });
    }

    @Test
    void errnoAllOnesIsKeptExactly() {
        WireError w = WireError.errno(0xFFFF_FFFF);

        Throwable unmapped = registry.decode(w, List.of(MessageException.class), codec);
        assertThat(unmapped).isInstanceOfSatisfying(RpcException.class, e -> {
            assertThat(e.errno()).isEqualTo(0xFFFF_FFFFL);
            assertThat(e.getMessage()).contains("4294967295");
        });
        assertThat(registry.decode(w, List.of(ErrnoException.class), codec))
                .isInstanceOfSatisfying(
                        ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(-1));
        assertThat(new ErrorCodecRegistry().decodeAny(WireError.errno(Integer.MIN_VALUE), codec))
                .isInstanceOfSatisfying(
                        RpcException.class, e -> assertThat(e.errno()).isEqualTo(0x8000_0000L));
        assertThat(new ErrorCodecRegistry().decodeAny(WireError.errno(0), codec))
                .isInstanceOfSatisfying(
                        RpcException.class, e -> assertThat(e.errno()).isZero());
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "rpc_",
                "rpc",
                "rpc_timeout ",
                " rpc_timeout",
                "RPC_TIMEOUT",
                "rpc_timeou",
                "rpc_timeoutt",
                "rpc_timeout\u0000",
                "rpc_internal_error"
            })
    void nearMissesOfAReservedNameAreUserText(String text) {
        Throwable t = registry.decode(WireError.text(text), all, codec);

        assertThat(t).isExactlyInstanceOf(MessageException.class).hasMessage(text);
    }

    @Test
    void randomBytesNeverEscapeAsAnExceptionAndKeepTheirValue() {
        SplittableRandom random = new SplittableRandom(0x0cca_5eedL);
        for (int i = 0; i < 20_000; i++) {
            byte[] b = new byte[random.nextInt(0, 80)];
            for (int j = 0; j < b.length; j++) {
                b[j] = (byte) random.nextInt(256);
            }
            if (i % 4 == 1 && b.length >= 4) { // a quarter start like the framework's names
                System.arraycopy("rpc_".getBytes(StandardCharsets.US_ASCII), 0, b, 0, 4);
            }
            if (i % 4 == 2 && b.length >= 1) { // and a quarter like a msgpack string header
                b[0] = (byte) (0xa0 | Math.min(31, b.length - 1));
            }
            WireError w = WireError.bytes(b);
            for (Throwable t : List.of(
                    registry.decode(w, all, codec),
                    registry.decodeAny(w, codec),
                    registry.decode(w, List.of(), codec))) {
                assertThat(t).isNotNull();
                if (t instanceof TestErrors.QuotaExceeded) {
                    assertThat((b[0] & 0xe0) == 0xa0 || (b[0] & 0xff) == 0xd9 || (b[0] & 0xff) == 0xda)
                            .isTrue();
                } else if (t instanceof MessageException) {
                    assertThat(t.getMessage().getBytes(StandardCharsets.UTF_8)).isEqualTo(b);
                } else {
                    assertThat(t).isExactlyInstanceOf(RpcException.class);
                    RpcException e = (RpcException) t;
                    assertThat(e.code()).isNull();
                    assertThat(e.errorBytes()).isEqualTo(b);
                }
            }
            if (!isUtf8(b)) {
                assertThat(registry.decode(w, List.of(MessageException.class), codec))
                        .isInstanceOfAny(
                                RpcException.class, TestErrors.QuotaExceeded.class); // unchecked: tried undeclared
            }
        }
    }

    @Test
    void randomErrnosAlwaysComeBackWithTheirNumber() {
        SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < 10_000; i++) {
            int n = random.nextInt();
            Throwable declared = registry.decode(WireError.errno(n), all, codec);
            Throwable undeclared = registry.decode(WireError.errno(n), List.of(MessageException.class), codec);

            assertThat(((ErrnoException) declared).errno()).isEqualTo(n);
            assertThat(((RpcException) undeclared).errno()).isEqualTo(Integer.toUnsignedLong(n));
        }
    }

    @Test
    void aHugeStringFrameIsHandledWithoutTrouble() {
        byte[] big = new byte[4 << 20];
        Arrays.fill(big, (byte) 'x');
        big[big.length - 1] = (byte) 0xff;

        Throwable t = registry.decode(WireError.wrap(big), all, codec);

        assertThat(t)
                .isInstanceOfSatisfying(
                        RpcException.class, e -> assertThat(e.errorBytes()).hasSize(big.length));
        assertThat(t.getMessage()).hasSizeLessThan(400);
    }

    @Test
    void reservedNamesWinOverEveryCodec() {
        for (RpcCode code : RpcCode.values()) {
            assertThat(registry.decode(WireError.text(code.wireName()), all, codec))
                    .isInstanceOfSatisfying(
                            RpcException.class, e -> assertThat(e.code()).isEqualTo(code));
        }
    }

    private static boolean isUtf8(byte[] b) {
        try {
            StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(b));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    @Test
    void aCodecThatOverflowsTheStackOnAHostileFrameCountsAsNotItsFrame() {
        registry.register(new io.occams.rpc.api.spi.ErrorCodec<TestErrors.Conflict>() {
            @Override
            public Class<TestErrors.Conflict> type() {
                return TestErrors.Conflict.class;
            }

            @Override
            public WireError encode(TestErrors.Conflict e, Codec c) {
                throw new StackOverflowError();
            }

            @Override
            public TestErrors.Conflict decode(WireError w, Codec c) {
                throw new StackOverflowError();
            }
        });

        assertThat(registry.decode(
                        WireError.text("deep"), List.of(TestErrors.Conflict.class, MessageException.class), codec))
                .isExactlyInstanceOf(MessageException.class);
        assertThat(registry.encode(new TestErrors.Conflict("c"), codec)).isEqualTo(WireError.text("rpc_internal_err"));
    }
}
