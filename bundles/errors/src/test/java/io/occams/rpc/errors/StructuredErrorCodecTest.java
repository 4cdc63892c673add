package io.occams.rpc.errors;

import static org.assertj.core.api.Assertions.assertThat;

import io.occams.rpc.api.MessageException;
import io.occams.rpc.api.RpcCode;
import io.occams.rpc.api.RpcException;
import io.occams.rpc.api.spi.WireError;
import io.occams.rpc.errors.TestErrors.Conflict;
import io.occams.rpc.errors.TestErrors.QuotaExceeded;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Structured errors through {@link StringOnlyCodec}, a test codec that writes strings as msgpack does. */
class StructuredErrorCodecTest {
    private final StringOnlyCodec codec = new StringOnlyCodec();
    private final StructuredErrorCodec<Conflict, String> conflicts =
            new StructuredErrorCodec<>(Conflict.class, String.class, Throwable::getMessage, Conflict::new);
    private final ErrorCodecRegistry registry = ErrorCodecRegistry.withBuiltins();

    @Test
    void encodesThePayloadWithTheCallsCodec() {
        WireError w = conflicts.encode(new Conflict("full"), codec);

        assertThat(w.isErrno()).isFalse();
        assertThat(w.bytes()).containsExactly(0xa4, 'f', 'u', 'l', 'l');
        assertThat(conflicts.type()).isEqualTo(Conflict.class);
        assertThat(conflicts.payloadType()).isEqualTo(String.class);
    }

    @Test
    void decodesWhatItEncoded() {
        String detail = "x".repeat(300) + " grüße";
        Conflict back = conflicts.decode(conflicts.encode(new Conflict(detail), codec), codec);

        assertThat(back).isExactlyInstanceOf(Conflict.class).hasMessage(detail);
    }

    @Test
    void asksTheCodecForTheBindingOncePerCodecInstance() {
        for (int i = 0; i < 100; i++) {
            conflicts.decode(conflicts.encode(new Conflict("c" + i), codec), codec);
        }
        StringOnlyCodec other = new StringOnlyCodec();
        conflicts.decode(conflicts.encode(new Conflict("o"), other), other);
        conflicts.decode(conflicts.encode(new Conflict("again"), codec), codec);

        assertThat(codec.bindingCalls.get()).isEqualTo(1);
        assertThat(other.bindingCalls.get()).isEqualTo(1);
    }

    @Test
    void keepsOnlyAFewCodecsSoAnOldOneCanBeCollected() {
        for (int i = 0; i < 10; i++) {
            StringOnlyCodec c = new StringOnlyCodec();
            conflicts.encode(new Conflict("c"), c);
        }
        conflicts.encode(new Conflict("c"), codec);
        conflicts.encode(new Conflict("c"), codec);

        assertThat(codec.bindingCalls.get()).isEqualTo(1);
    }

    @Test
    void framesThatAreNotItsOwnDecodeToNull() {
        assertThat(conflicts.decode(WireError.errno(1), codec)).isNull();
        assertThat(conflicts.decode(WireError.bytes(new byte[0]), codec)).isNull(); // decodes to null
        assertThat(conflicts.decode(WireError.text("plain text"), codec)).isNull(); // not a msgpack string
        assertThat(conflicts.decode(WireError.bytes(new byte[] {(byte) 0xa5, 'a'}), codec))
                .isNull(); // truncated
        assertThat(conflicts.decode(WireError.bytes(new byte[] {(byte) 0xa1, 'a', 'b'}), codec))
                .isNull(); // bytes left over
        assertThat(conflicts.decode(WireError.bytes(new byte[] {(byte) 0xa1, (byte) 0xff}), codec))
                .isNull(); // bad UTF-8
    }

    @Test
    void aPayloadThatFromPayloadRefusesIsNotOurs() {
        StructuredErrorCodec<Conflict, String> picky =
                new StructuredErrorCodec<>(Conflict.class, String.class, Throwable::getMessage, s -> {
                    if (s.equals("throw")) {
                        throw new IllegalArgumentException("no");
                    }
                    return s.startsWith("c:") ? new Conflict(s) : null;
                });

        assertThat(picky.decode(picky.encode(new Conflict("c:1"), codec), codec))
                .hasMessage("c:1");
        assertThat(picky.decode(picky.encode(new Conflict("other"), codec), codec))
                .isNull();
        assertThat(picky.decode(picky.encode(new Conflict("throw"), codec), codec))
                .isNull();
    }

    @Test
    void throughTheRegistryTheStructuredErrorComesBackAsTheDeclaredType() {
        registry.register(conflicts);
        List<Class<? extends Throwable>> declared = List.of(MessageException.class, Conflict.class);

        WireError w = registry.encode(new TestErrors.VersionConflict("v2 != v3"), codec);
        Throwable back = registry.decode(w, declared, codec);

        assertThat(back).isExactlyInstanceOf(Conflict.class).hasMessage("v2 != v3");
    }

    @Test
    void aPayloadTheCodecCannotBindGivesInternalErrorOnTheServerAndNullOnTheClient() {
        StructuredErrorCodec<QuotaExceeded, Integer> unbound =
                new StructuredErrorCodec<>(QuotaExceeded.class, Integer.class, e -> 1, n -> new QuotaExceeded("q"));
        registry.register(unbound);

        assertThat(registry.encode(new QuotaExceeded("q"), codec))
                .isEqualTo(WireError.text(RpcCode.INTERNAL.wireName()));
        assertThat(unbound.decode(WireError.bytes(new byte[] {1}), codec)).isNull();
        assertThat(registry.decode(WireError.bytes(new byte[] {1}), List.of(QuotaExceeded.class), codec))
                .isInstanceOfSatisfying(
                        RpcException.class, e -> assertThat(e.errorBytes()).containsExactly(1));
    }

    @Test
    void aNullPayloadIsAnEncodingFailureNotANilOnTheWire() {
        registry.register(new StructuredErrorCodec<>(QuotaExceeded.class, String.class, e -> null, QuotaExceeded::new));

        assertThat(registry.encode(new QuotaExceeded("q"), codec))
                .isEqualTo(WireError.text(RpcCode.INTERNAL.wireName()));
    }

    @Test
    void aStructuredPayloadThatSpellsAReservedNameIsStillRefused() {
        StructuredErrorCodec<QuotaExceeded, String> raw = new StructuredErrorCodec<>(
                QuotaExceeded.class, String.class, Throwable::getMessage, QuotaExceeded::new);
        registry.register(raw);

        // the msgpack header makes the bytes differ from the name, so this one goes out as is
        WireError w = registry.encode(new QuotaExceeded("rpc_timeout"), codec);
        assertThat(w.bytes()).startsWith(0xab).endsWith("rpc_timeout".getBytes(StandardCharsets.US_ASCII));
        assertThat(registry.decode(w, List.of(QuotaExceeded.class), codec))
                .isExactlyInstanceOf(QuotaExceeded.class)
                .hasMessage("rpc_timeout");
    }
}
