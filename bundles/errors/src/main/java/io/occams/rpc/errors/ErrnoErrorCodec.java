package io.occams.rpc.errors;

import io.occams.rpc.api.ErrnoException;
import io.occams.rpc.api.spi.Codec;
import io.occams.rpc.api.spi.ErrorCodec;
import io.occams.rpc.api.spi.WireError;

/**
 * Carries {@link ErrnoException} as an errno frame (flag 1): the number and nothing else, like the
 * Rust seed's integer and {@code Errno} errors (spec §4.3).
 *
 * <p>Every 32-bit value crosses unchanged in both directions: a negative {@code int} goes out as its
 * two's complement ({@code -1} as {@code 0xFFFFFFFF}) and comes back as the same {@code int}. The seed's
 * range check (spec §12.4) is deliberately not copied: there is no range to check. The exception's
 * local message does not cross the wire. A subclass of {@code ErrnoException} without a codec of its
 * own is sent by this codec too, and comes back as a plain {@code ErrnoException}.
 *
 * <p>Stateless and thread-safe; one instance may serve any number of registries.
 *
 * <pre>{@code
 * WireError w = new ErrnoErrorCodec().encode(new ErrnoException(ErrnoException.EIO), codec); // errno 5
 * }</pre>
 */
public final class ErrnoErrorCodec implements ErrorCodec<ErrnoException> {
    /** A codec; the registry of {@link ErrorCodecRegistry#withBuiltins()} already has one. */
    public ErrnoErrorCodec() {}

    @Override
    public Class<ErrnoException> type() {
        return ErrnoException.class;
    }

    /** An errno frame carrying {@code error.errno()} as an unsigned 32-bit value. */
    @Override
    public WireError encode(ErrnoException error, Codec codec) {
        return WireError.errno(error.errno());
    }

    /** An {@code ErrnoException} with the frame's number for any errno frame; {@code null} for a string frame. */
    @Override
    public ErrnoException decode(WireError error, Codec codec) {
        return error.isErrno() ? new ErrnoException(error.errno()) : null;
    }

    @Override
    public String toString() {
        return "ErrnoErrorCodec";
    }
}
