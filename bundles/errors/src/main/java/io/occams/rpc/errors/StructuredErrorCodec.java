package io.occams.rpc.errors;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.occams.rpc.api.RpcException;
import io.occams.rpc.api.spi.Binding;
import io.occams.rpc.api.spi.Codec;
import io.occams.rpc.api.spi.ErrorCodec;
import io.occams.rpc.api.spi.WireError;
import io.occams.rpc.errors.internal.BindingCache;
import java.lang.reflect.Type;
import java.util.Objects;
import java.util.function.Function;

/**
 * Carries an exception type as a payload value encoded by the call's {@link Codec}, in a string frame
 * (flag 2): the seed's custom error that encodes itself with the codec (spec §4.3), so a Rust
 * {@code #[derive(Serialize)] struct QuotaError { code: i32, detail: String }} and a Java exception can
 * answer each other.
 *
 * <pre>
 *  string frame body = codec.binding(payloadType).encode(toPayload(e))
 *  e.g. msgpack {code: 7, detail: "full"}:  82 a4 63 6f 64 65 07 a6 64 65 74 61 69 6c a4 66 75 6c 6c
 * </pre>
 *
 * <p>Decoding hands the frame's bytes to the payload's binding and then to {@code fromPayload}; a
 * frame that does not decode, leaves bytes over, decodes to {@code null}, or that {@code fromPayload}
 * refuses (by returning {@code null} or throwing) is "not ours": {@code decode} returns {@code null}
 * and the registry tries the next codec. Errno frames are never ours.
 *
 * <p>Thread-safe when the two functions are. The binding is asked of each {@link Codec} instance once
 * and kept (a few codecs at most, by identity), so encoding and decoding do no reflection. Buffers
 * are heap buffers of this class's own, released before a method returns; the returned frame owns a
 * fresh byte array.
 *
 * <pre>{@code
 * record Quota(int code, String detail) {}
 * registry.register(new StructuredErrorCodec<>(QuotaExceeded.class, Quota.class,
 *         e -> new Quota(e.code(), e.getMessage()),
 *         q -> new QuotaExceeded(q.code(), q.detail())));
 * }</pre>
 *
 * @param <E> the exception type
 * @param <P> the payload type that the codec encodes
 */
public final class StructuredErrorCodec<E extends Throwable, P> implements ErrorCodec<E> {
    private final Class<E> type;
    private final Type payloadType;
    private final Function<E, P> toPayload;
    private final Function<P, E> fromPayload;
    private final BindingCache<P> bindings;

    /**
     * A codec for {@code type}.
     *
     * @param type        the exception type (subclasses too, unless they have a codec of their own)
     * @param payloadType what goes on the wire: a {@code Class} or a parameterized type the codec can bind
     * @param toPayload   the payload of an exception; must not return {@code null}
     * @param fromPayload the exception of a payload, or {@code null} when the payload is not one of ours
     */
    public StructuredErrorCodec(Class<E> type, Type payloadType, Function<E, P> toPayload, Function<P, E> fromPayload) {
        this.type = Objects.requireNonNull(type, "type");
        this.payloadType = Objects.requireNonNull(payloadType, "payloadType");
        this.toPayload = Objects.requireNonNull(toPayload, "toPayload");
        this.fromPayload = Objects.requireNonNull(fromPayload, "fromPayload");
        this.bindings = new BindingCache<>(payloadType);
    }

    @Override
    public Class<E> type() {
        return type;
    }

    /** The payload type given at construction. */
    public Type payloadType() {
        return payloadType;
    }

    /**
     * A string frame with the encoded payload of {@code error}.
     *
     * @throws RpcException         with {@code ENCODE} when the codec cannot bind or encode the payload
     * @throws NullPointerException when {@code toPayload} returns {@code null}
     */
    @Override
    public WireError encode(E error, Codec codec) {
        P payload = Objects.requireNonNull(toPayload.apply(error), "toPayload returned null");
        Binding<P> binding = bindings.get(codec);
        ByteBuf buf = Unpooled.buffer();
        try {
            binding.encode(payload, buf);
            byte[] bytes = new byte[buf.readableBytes()];
            buf.readBytes(bytes);
            return WireError.wrap(bytes);
        } finally {
            buf.release();
        }
    }

    /** The exception that the frame's payload stands for, or {@code null} when the frame is not one of ours. */
    @Override
    public E decode(WireError error, Codec codec) {
        if (error.isErrno()) {
            return null;
        }
        ByteBuf in = Unpooled.wrappedBuffer(error.unsafeBytes());
        try {
            P payload = bindings.get(codec).decode(in);
            if (payload == null || in.isReadable()) {
                return null;
            }
            E e = fromPayload.apply(payload);
            return type.isInstance(e) ? e : null;
        } catch (RuntimeException notOurs) {
            return null;
        } finally {
            in.release();
        }
    }

    @Override
    public String toString() {
        return "StructuredErrorCodec[" + type.getName() + " as " + payloadType.getTypeName() + "]";
    }
}
