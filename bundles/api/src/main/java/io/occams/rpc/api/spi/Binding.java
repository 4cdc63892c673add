package io.occams.rpc.api.spi;

import io.netty.buffer.ByteBuf;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * A codec's knowledge of one type. Thread-safe; obtained from {@link Codec#binding}.
 *
 * @param <T> the bound type
 */
@ConsumerType
public interface Binding<T> {
    /**
     * Appends the encoding of {@code value} to {@code out} (borrowed: written, not released).
     *
     * @throws io.occams.rpc.api.RpcException with {@code ENCODE} when the value cannot be encoded
     */
    void encode(T value, ByteBuf out);

    /**
     * Decodes one value from {@code in}'s readable bytes (borrowed), advancing its reader index past
     * what was read. An empty buffer decodes as {@code null} (or the primitive's zero).
     *
     * @throws io.occams.rpc.api.RpcException with {@code DECODE} when the bytes are not a {@code T}
     */
    T decode(ByteBuf in);
}
