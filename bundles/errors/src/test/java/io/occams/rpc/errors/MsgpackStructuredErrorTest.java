package io.occams.rpc.errors;

import static org.assertj.core.api.Assertions.assertThat;

import io.occams.rpc.api.MessageException;
import io.occams.rpc.api.RpcException;
import io.occams.rpc.api.spi.WireError;
import io.occams.rpc.codec.MsgpackCodec;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A structured error through the real msgpack codec: the bytes a Rust peer's
 * {@code #[derive(Serialize)] struct Quota { code: i32, detail: String }} produces in named mode.
 */
public class MsgpackStructuredErrorTest {
    /** The payload: a map {code, detail} on the wire. */
    public record Quota(int code, String detail) {}

    /** The user's exception. */
    public static final class QuotaExceeded extends Exception {
        private static final long serialVersionUID = 1L;
        private final int code;

        public QuotaExceeded(int code, String detail) {
            super(detail);
            this.code = code;
        }

        public int code() {
            return code;
        }
    }

    private static final byte[] FULL_7 = {
        (byte) 0x82,
        (byte) 0xa4,
        'c',
        'o',
        'd',
        'e',
        0x07,
        (byte) 0xa6,
        'd',
        'e',
        't',
        'a',
        'i',
        'l',
        (byte) 0xa4,
        'f',
        'u',
        'l',
        'l'
    };

    private final MsgpackCodec codec = new MsgpackCodec();
    private final StructuredErrorCodec<QuotaExceeded, Quota> quotas = new StructuredErrorCodec<>(
            QuotaExceeded.class,
            Quota.class,
            e -> new Quota(e.code(), e.getMessage()),
            q -> new QuotaExceeded(q.code(), q.detail()));
    private final ErrorCodecRegistry registry = ErrorCodecRegistry.withBuiltins();

    @Test
    void aRecordPayloadGoesOutAsANamedMsgpackMap() {
        registry.register(quotas);

        WireError w = registry.encode(new QuotaExceeded(7, "full"), codec);

        assertThat(w.isErrno()).isFalse();
        assertThat(w.bytes()).isEqualTo(FULL_7);
    }

    @Test
    void theMapFromAPeerComesBackAsTheDeclaredException() {
        registry.register(quotas);

        Throwable t =
                registry.decode(WireError.bytes(FULL_7), List.of(MessageException.class, QuotaExceeded.class), codec);

        assertThat(t).isExactlyInstanceOf(QuotaExceeded.class).hasMessage("full");
        assertThat(((QuotaExceeded) t).code()).isEqualTo(7);
    }

    @Test
    void negativeCodesAndUnicodeDetailsSurviveTheRoundTrip() {
        registry.register(quotas);
        QuotaExceeded sent = new QuotaExceeded(-2_000_000_000, "grüße ✓ " + "x".repeat(70_000));

        Throwable back = registry.decode(registry.encode(sent, codec), List.of(QuotaExceeded.class), codec);

        assertThat(back).isInstanceOfSatisfying(QuotaExceeded.class, q -> {
            assertThat(q.code()).isEqualTo(sent.code());
            assertThat(q.getMessage()).isEqualTo(sent.getMessage());
        });
    }

    @Test
    void framesThatAreNotAQuotaAreNotOurs() {
        assertThat(quotas.decode(WireError.text("plain text"), codec)).isNull();
        assertThat(quotas.decode(WireError.bytes(new byte[] {(byte) 0xc1}), codec))
                .isNull(); // never used
        assertThat(quotas.decode(WireError.bytes(new byte[] {(byte) 0x82, (byte) 0xa4}), codec))
                .isNull(); // truncated
        assertThat(quotas.decode(WireError.bytes(new byte[] {(byte) 0xc0}), codec))
                .isNull(); // nil
        assertThat(quotas.decode(WireError.bytes(new byte[0]), codec)).isNull();
        byte[] trailing = java.util.Arrays.copyOf(FULL_7, FULL_7.length + 1);
        assertThat(quotas.decode(WireError.bytes(trailing), codec)).isNull();
        byte[] deep = new byte[100_000];
        java.util.Arrays.fill(deep, (byte) 0x91); // [[[[...
        assertThat(quotas.decode(WireError.bytes(deep), codec)).isNull();
    }

    @Test
    void anUnknownQuotaFrameForAMethodThatDoesNotDeclareItKeepsTheBytes() {
        Throwable t = registry.decode(WireError.bytes(FULL_7), List.of(MessageException.class), codec);

        assertThat(t)
                .isInstanceOfSatisfying(
                        RpcException.class, e -> assertThat(e.errorBytes()).isEqualTo(FULL_7));
    }
}
