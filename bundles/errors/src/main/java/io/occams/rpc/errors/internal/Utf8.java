package io.occams.rpc.errors.internal;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Strict UTF-8: unlike {@code new String(bytes, UTF_8)}, malformed input is refused rather than
 * replaced, so a frame that is not text is never mistaken for text. Stateless and thread-safe (a
 * decoder is made per call: this runs on the error path only).
 */
public final class Utf8 {
    private Utf8() {}

    /** {@code bytes} (borrowed) as a string, or {@code null} when they are not well-formed UTF-8. */
    public static String decodeStrict(byte[] bytes) {
        if (bytes.length == 0) {
            return "";
        }
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
