package io.occams.rpc.api.spi;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Carries one exception type across the wire and back. A server uses it to answer a call whose
 * handler threw an {@code E}; a client uses it to turn an error frame into the {@code E} that the
 * called method declares.
 *
 * <p>Error codecs are kept in the error-codec registry (bundle {@code errors}), one per exception
 * type; they may come and go at run time. Implementations are thread-safe.
 *
 * <pre>{@code
 * final class QuotaCodec implements ErrorCodec<QuotaExceeded> {
 *     public Class<QuotaExceeded> type() { return QuotaExceeded.class; }
 *     public WireError encode(QuotaExceeded e, Codec c) { return WireError.errno(122); }
 *     public QuotaExceeded decode(WireError w, Codec c) {
 *         return w.isErrno() && w.errno() == 122 ? new QuotaExceeded() : null;
 *     }
 * }
 * }</pre>
 *
 * @param <E> the exception type
 */
@ConsumerType
public interface ErrorCodec<E extends Throwable> {
    /** The exception type this codec carries (subclasses of it too, unless they have a codec of their own). */
    Class<E> type();

    /** The wire form of {@code error}. Must not return null. */
    WireError encode(E error, Codec codec);

    /**
     * The exception that {@code error} stands for, or {@code null} when the frame is not one this
     * codec produced (then the registry tries the method's next declared type, and finally reports an
     * unmapped {@link io.occams.rpc.api.RpcException}). Must not throw on unexpected input.
     */
    E decode(WireError error, Codec codec);
}
