package io.occams.rpc.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.occams.rpc.api.ErrnoException;
import io.occams.rpc.api.MessageException;
import io.occams.rpc.api.spi.Codec;
import io.occams.rpc.api.spi.WireError;
import io.occams.rpc.codec.MsgpackCodec;
import io.occams.rpc.errors.ErrorCodecRegistry;
import java.util.List;

/**
 * The error-frame mapping on any error frame (an errno, or any bytes as the text of a flag-2 frame): the
 * registry with its built-in codecs always answers with an exception, never throws and never returns
 * null, whatever the called method declares.
 */
class ErrorFrameMappingFuzzTest {
    private static final Codec CODEC = new MsgpackCodec();
    private static final ErrorCodecRegistry REGISTRY = ErrorCodecRegistry.withBuiltins();

    @FuzzTest(maxDuration = "3m")
    void anyErrorFrameMapsToAnException(FuzzedDataProvider data) {
        boolean errno = data.consumeBoolean();
        int declared = data.consumeInt(0, 3);
        WireError error = errno ? WireError.errno(data.consumeInt()) : WireError.bytes(data.consumeRemainingAsBytes());
        List<Class<? extends Throwable>> methodThrows = switch (declared) {
            case 0 -> List.of();
            case 1 -> List.of(MessageException.class);
            case 2 -> List.of(ErrnoException.class);
            default -> List.of(ErrnoException.class, MessageException.class);
        };
        Throwable mapped = REGISTRY.decode(error, methodThrows, CODEC);
        assertThat(mapped).isNotNull();
        assertThat(REGISTRY.decodeAny(error, CODEC)).isNotNull();
        if (mapped instanceof MessageException || mapped instanceof ErrnoException) {
            assertThat(methodThrows).anyMatch(c -> c.isInstance(mapped));
        }
    }
}
