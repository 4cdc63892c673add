package io.occams.rpc.errors;

import io.occams.rpc.api.ErrnoException;
import io.occams.rpc.api.spi.Codec;
import io.occams.rpc.api.spi.ErrorCodec;
import io.occams.rpc.api.spi.WireError;

/** Exception types and small codecs shared by the tests. */
final class TestErrors {
    private TestErrors() {}

    /** A checked user error with a number, sent as an errno frame by {@link NotFoundCodec}. */
    static class NotFound extends ErrnoException {
        private static final long serialVersionUID = 1L;

        NotFound() {
            super(2, "not found");
        }
    }

    /** A subclass of ErrnoException with no codec of its own. */
    static final class Busy extends ErrnoException {
        private static final long serialVersionUID = 1L;

        Busy() {
            super(16, "busy");
        }
    }

    /** An unchecked user error. */
    static final class QuotaExceeded extends RuntimeException {
        private static final long serialVersionUID = 1L;

        QuotaExceeded(String detail) {
            super(detail);
        }
    }

    /** A checked error unrelated to errno and message. */
    static class Conflict extends Exception {
        private static final long serialVersionUID = 1L;

        Conflict(String m) {
            super(m);
        }
    }

    /** A subclass of Conflict. */
    static final class VersionConflict extends Conflict {
        private static final long serialVersionUID = 1L;

        VersionConflict(String m) {
            super(m);
        }
    }

    /** NotFound as errno 2, and only errno 2. */
    static final class NotFoundCodec implements ErrorCodec<NotFound> {
        @Override
        public Class<NotFound> type() {
            return NotFound.class;
        }

        @Override
        public WireError encode(NotFound e, Codec c) {
            return WireError.errno(2);
        }

        @Override
        public NotFound decode(WireError w, Codec c) {
            return w.isErrno() && w.errno() == 2 ? new NotFound() : null;
        }
    }

    /** A codec for any type that sends a fixed text and decodes that text only, with a factory. */
    static final class FixedTextCodec<E extends Throwable> implements ErrorCodec<E> {
        private final Class<E> type;
        private final String text;
        private final java.util.function.Supplier<E> make;

        FixedTextCodec(Class<E> type, String text, java.util.function.Supplier<E> make) {
            this.type = type;
            this.text = text;
            this.make = make;
        }

        @Override
        public Class<E> type() {
            return type;
        }

        @Override
        public WireError encode(E e, Codec c) {
            return WireError.text(text);
        }

        @Override
        public E decode(WireError w, Codec c) {
            return !w.isErrno() && text.equals(w.text()) ? make.get() : null;
        }

        @Override
        public String toString() {
            return "FixedTextCodec[" + text + "]";
        }
    }

    /** A codec whose every method throws. */
    static final class ThrowingCodec<E extends Throwable> implements ErrorCodec<E> {
        private final Class<E> type;

        ThrowingCodec(Class<E> type) {
            this.type = type;
        }

        @Override
        public Class<E> type() {
            return type;
        }

        @Override
        public WireError encode(E e, Codec c) {
            throw new IllegalStateException("encode broke");
        }

        @Override
        public E decode(WireError w, Codec c) {
            throw new IllegalStateException("decode broke");
        }
    }
}
