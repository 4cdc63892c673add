package io.occams.rpc.errors;

import io.occams.rpc.api.MessageException;
import io.occams.rpc.api.RpcCode;
import io.occams.rpc.api.spi.Codec;
import io.occams.rpc.api.spi.ErrorCodec;
import io.occams.rpc.api.spi.WireError;
import io.occams.rpc.errors.internal.Utf8;

/**
 * Carries {@link MessageException} as its message text in UTF-8, in a string frame (flag 2), like the
 * Rust seed's {@code RpcError<String>} (spec §4.3).
 *
 * <p>Decoding accepts any string frame that is well-formed UTF-8 (the empty frame too, as the empty
 * text) and refuses, by returning {@code null}, malformed bytes (a codec-encoded error, say) and the
 * nine reserved {@code rpc_*} names, which are framework failures and never user text. Encoding does
 * not check the text: {@link ErrorCodecRegistry#encode} refuses to send a reserved name (spec §12.17).
 *
 * <p>Stateless and thread-safe; one instance may serve any number of registries.
 *
 * <pre>{@code
 * WireError w = new MessageErrorCodec().encode(new MessageException("disk full"), codec);
 * // string frame 64 69 73 6b 20 66 75 6c 6c
 * }</pre>
 */
public final class MessageErrorCodec implements ErrorCodec<MessageException> {
    /** A codec; the registry of {@link ErrorCodecRegistry#withBuiltins()} already has one. */
    public MessageErrorCodec() {}

    @Override
    public Class<MessageException> type() {
        return MessageException.class;
    }

    /** A string frame carrying the message in UTF-8 (an absent message as the empty text). */
    @Override
    public WireError encode(MessageException error, Codec codec) {
        String text = error.getMessage();
        return WireError.text(text == null ? "" : text);
    }

    /**
     * A {@code MessageException} with the frame's text, or {@code null} for an errno frame, bytes that
     * are not well-formed UTF-8, or a reserved {@code rpc_*} name.
     */
    @Override
    public MessageException decode(WireError error, Codec codec) {
        if (error.isErrno()) {
            return null;
        }
        byte[] bytes = error.unsafeBytes();
        if (RpcCode.fromWireBytes(bytes, 0, bytes.length) != null) {
            return null;
        }
        String text = Utf8.decodeStrict(bytes);
        return text == null ? null : new MessageException(text);
    }

    @Override
    public String toString() {
        return "MessageErrorCodec";
    }
}
