package io.occams.rpc.errors;

import io.occams.rpc.api.RpcCode;
import io.occams.rpc.api.RpcException;
import io.occams.rpc.api.spi.Codec;
import io.occams.rpc.api.spi.ErrorCodec;
import io.occams.rpc.api.spi.WireError;
import io.occams.rpc.errors.internal.CodecTable;
import io.occams.rpc.errors.internal.CodecTable.Entry;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.osgi.annotation.versioning.ProviderType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The error codecs in use: one {@link ErrorCodec} per exception type, turning what a handler threw into
 * an error frame (server side, {@link #encode}) and an error frame back into one of the called method's
 * declared exceptions (client side, {@link #decode}). Codecs come and go at run time, contributed by
 * bundles or registered by hand.
 *
 * <p>The rules (spec §2.4, §4): the nine {@code rpc_*} names are the framework's; a string frame that is
 * exactly one of them is a framework failure and decodes to {@link RpcException} with that
 * {@link RpcCode}, and no user error is ever sent as one of them (spec §12.17). Everything else is a user
 * error; one that no codec maps decodes to an {@link RpcException} that keeps the raw value
 * ({@link RpcException#errno()} or {@link RpcException#errorBytes()}). Neither side ever throws:
 * a failure to map is an answer ({@code rpc_internal_err} or an unmapped {@code RpcException}), logged.
 *
 * <p>Thread safety: all methods may be called from any thread. Reads ({@code encode}, {@code decode},
 * {@code types}) take no lock: the codecs sit in an immutable table that a change replaces as a whole
 * (copy on write), with per-class lookups cached in that table. Registering and unregistering are
 * rare and retry a compare-and-set. A call that races with a change sees the table before or after
 * it, never a mix.
 *
 * <p>Ownership: the registry keeps the codecs it is given until they are unregistered; it does not
 * keep exceptions, frames or {@code Codec}s past a call.
 *
 * <pre>{@code
 * ErrorCodecRegistry errors = ErrorCodecRegistry.withBuiltins();
 * try (ErrorCodecRegistry.Registration r = errors.register(new QuotaCodec())) {
 *     WireError w = errors.encode(new QuotaExceeded(), codec);            // server: errno 122
 *     Throwable t = errors.decode(w, List.of(QuotaExceeded.class), codec); // client: a QuotaExceeded
 * }
 * }</pre>
 */
@ProviderType
public final class ErrorCodecRegistry {
    private static final Logger LOG = LoggerFactory.getLogger(ErrorCodecRegistry.class);
    /** How many (problem, type) pairs are remembered as reported; past that the memory starts over. */
    private static final int REPORTED_MAX = 1024;

    private static final WireError[] CODE_FRAMES = new WireError[RpcCode.values().length];
    private static final WireError INTERNAL;

    static {
        for (RpcCode c : RpcCode.values()) {
            CODE_FRAMES[c.ordinal()] = WireError.text(c.wireName());
        }
        INTERNAL = CODE_FRAMES[RpcCode.INTERNAL.ordinal()];
    }

    /** The current table: replaced whole by compare-and-set, read without a lock. */
    private final AtomicReference<CodecTable> table = new AtomicReference<>(CodecTable.EMPTY);
    /** Registration order, to break ties between equally specific codecs the same way every time. */
    private final AtomicLong sequence = new AtomicLong();
    /** "problem:class name" pairs already logged at warn; later ones go to debug. Names, not classes: pins no loader. */
    private final Set<String> reported = ConcurrentHashMap.newKeySet();

    /** An empty registry: no codec, so every user error is sent as {@code rpc_internal_err} and decodes as unmapped. */
    public ErrorCodecRegistry() {}

    /** A registry with the built-in codecs registered: {@link ErrnoErrorCodec} and {@link MessageErrorCodec}. */
    public static ErrorCodecRegistry withBuiltins() {
        ErrorCodecRegistry r = new ErrorCodecRegistry();
        r.register(new ErrnoErrorCodec());
        r.register(new MessageErrorCodec());
        return r;
    }

    /**
     * Adds {@code codec} for its {@link ErrorCodec#type() type}, effective for the next call.
     *
     * @return the registration; closing it removes exactly this codec
     * @throws IllegalStateException    when a codec for that type is registered already (both are named)
     * @throws IllegalArgumentException when the codec's type is {@code null} or not a {@code Throwable}
     */
    public Registration register(ErrorCodec<?> codec) {
        Objects.requireNonNull(codec, "codec");
        Class<?> type = codec.type();
        if (type == null || !Throwable.class.isAssignableFrom(type)) {
            throw new IllegalArgumentException(
                    "error codec " + describe(codec) + " has type " + type + ", not a Throwable");
        }
        Entry entry = new Entry(codec, type, sequence.incrementAndGet());
        for (; ; ) {
            CodecTable current = table.get();
            Entry present = current.get(type);
            if (present != null) {
                throw new IllegalStateException("cannot register error codec " + describe(codec) + " for "
                        + type.getName() + ": error codec " + describe(present.codec)
                        + " is registered for it already (unregister that one first)");
            }
            if (table.compareAndSet(current, current.with(entry))) {
                LOG.debug("registered error codec {} for {}", describe(codec), type.getName());
                return new Handle(entry);
            }
        }
    }

    /**
     * Removes {@code codec} (compared by identity), effective for the next call.
     *
     * @return whether it was registered
     */
    public boolean unregister(ErrorCodec<?> codec) {
        for (; ; ) {
            CodecTable current = table.get();
            Entry entry = current.find(codec);
            if (entry == null) {
                return false;
            }
            if (remove(current, entry)) {
                return true;
            }
        }
    }

    private boolean remove(Entry entry) {
        for (; ; ) {
            CodecTable current = table.get();
            if (current.get(entry.type) != entry) {
                return false;
            }
            if (remove(current, entry)) {
                return true;
            }
        }
    }

    private boolean remove(CodecTable current, Entry entry) {
        if (table.compareAndSet(current, current.without(entry))) {
            LOG.debug("unregistered error codec {} for {}", describe(entry.codec), entry.type.getName());
            return true;
        }
        return false;
    }

    /** The registered exception types, in registration order: an unmodifiable snapshot. */
    public Set<Class<?>> types() {
        return table.get().types();
    }

    /** The codec that {@link #encode} would use for an exception of class {@code type}, or {@code null}. */
    public ErrorCodec<?> codecFor(Class<? extends Throwable> type) {
        Entry e = table.get().forThrown(type);
        return e == null ? null : e.codec;
    }

    /**
     * The error frame that answers a call whose handler threw {@code thrown} (server side). Never
     * throws (short of a {@link VirtualMachineError} other than a stack overflow) and never returns {@code null}:
     * <ol>
     * <li>an {@link RpcException} with a {@link RpcException#code() code} goes out as the code's
     *     {@code rpc_*} name;</li>
     * <li>otherwise the codec of {@code thrown}'s class, or of its nearest superclass that has one,
     *     encodes it;</li>
     * <li>an unmapped {@code RpcException} that no codec takes (one a client got from another server)
     *     goes out as the raw errno or bytes it carries, so a relay loses nothing;</li>
     * <li>no codec, a codec that throws or returns {@code null}, and a string frame that equals one of the
     *     reserved {@code rpc_*} names (a {@code MessageException("rpc_timeout")}, say, which the caller
     *     would read as a framework failure, spec §12.17) all become {@code rpc_internal_err}, logged at
     *     warn the first time per exception type and at debug after that.</li>
     * </ol>
     *
     * @param thrown what the handler threw (borrowed)
     * @param codec  the call's codec, handed to the error codec
     */
    public WireError encode(Throwable thrown, Codec codec) {
        if (thrown == null) {
            LOG.warn("asked to encode a null exception; answering {}", RpcCode.INTERNAL.wireName());
            return INTERNAL;
        }
        if (thrown instanceof RpcException && ((RpcException) thrown).code() != null) {
            return CODE_FRAMES[((RpcException) thrown).code().ordinal()];
        }
        Class<?> type = thrown.getClass();
        Entry entry = table.get().forThrown(type);
        if (entry == null) {
            if (thrown instanceof RpcException) {
                return relay((RpcException) thrown);
            }
            report(
                    "unmapped",
                    type,
                    "no error codec for {} thrown by a handler; answering {}. Register an ErrorCodec for it"
                            + " (or a superclass) to send it to the caller",
                    type.getName(),
                    RpcCode.INTERNAL.wireName(),
                    thrown);
            return INTERNAL;
        }
        WireError wire;
        try {
            @SuppressWarnings("unchecked")
            ErrorCodec<Throwable> c = (ErrorCodec<Throwable>) entry.codec;
            wire = c.encode(thrown, codec);
        } catch (Throwable failure) {
            rethrowIfFatal(failure);
            report(
                    "encode-failed",
                    type,
                    "error codec {} failed to encode a {}; answering {}",
                    describe(entry.codec),
                    type.getName(),
                    RpcCode.INTERNAL.wireName(),
                    failure);
            return INTERNAL;
        }
        if (wire == null) {
            report(
                    "encode-null",
                    type,
                    "error codec {} returned no frame for a {}; answering {}",
                    describe(entry.codec),
                    type.getName(),
                    RpcCode.INTERNAL.wireName(),
                    thrown);
            return INTERNAL;
        }
        return refuseReserved(wire, type, thrown);
    }

    private WireError relay(RpcException unmapped) {
        if (unmapped.errno() != RpcException.NO_ERRNO) {
            return WireError.errno((int) unmapped.errno());
        }
        byte[] bytes = unmapped.errorBytes();
        if (bytes != null) {
            return refuseReserved(WireError.wrap(bytes), unmapped.getClass(), unmapped);
        }
        return INTERNAL;
    }

    private WireError refuseReserved(WireError wire, Class<?> type, Throwable thrown) {
        if (!wire.isErrno()) {
            byte[] b = bytesOf(wire);
            RpcCode clash = RpcCode.fromWireBytes(b, 0, b.length);
            if (clash != null) {
                report(
                        "reserved",
                        type,
                        "a {} would go out as \"{}\", which the caller reads as a framework failure"
                                + " (spec 12.17); answering {} instead. User errors must not use the reserved rpc_ names",
                        type.getName(),
                        clash.wireName(),
                        RpcCode.INTERNAL.wireName(),
                        thrown);
                return INTERNAL;
            }
        }
        return wire;
    }

    /**
     * The exception that an error frame stands for (client side), for a method that declares
     * {@code declared}. Never throws (short of a {@link VirtualMachineError} other than a stack
     * overflow) and never returns {@code null}:
     * <ol>
     * <li>a string frame whose bytes are exactly one of the nine {@code rpc_*} names is
     *     {@code new RpcException(code)};</li>
     * <li>otherwise, for each declared type in order, the registered codecs whose type is that type or a
     *     subtype of it, most specific first (a subclass before its superclass), are asked; the first
     *     exception that is an instance of the declared type wins. A codec that throws counts as
     *     {@code null} (logged at debug). {@code null} entries and non-{@code Throwable} classes are
     *     skipped;</li>
     * <li>then the codecs of unchecked types ({@code RuntimeException}, {@code Error} and their
     *     subtypes), which any method may throw without declaring them;</li>
     * <li>nothing: {@link RpcException#unmappedErrno} or {@link RpcException#unmappedString} with the raw
     *     value.</li>
     * </ol>
     *
     * @param error    the frame (borrowed)
     * @param declared the called method's declared exception types, in declaration order; may be empty
     * @param codec    the call's codec, handed to the error codecs
     */
    public Throwable decode(WireError error, List<? extends Class<? extends Throwable>> declared, Codec codec) {
        if (error == null) {
            return new RpcException(RpcCode.DECODE, "no error frame to decode");
        }
        RpcException framework = frameworkError(error);
        if (framework != null) {
            return framework;
        }
        CodecTable t = table.get();
        if (declared != null) {
            for (Class<?> d : declared) {
                if (d != null && Throwable.class.isAssignableFrom(d)) {
                    Throwable x = firstOf(t.forDeclared(d), d, error, codec);
                    if (x != null) {
                        return x;
                    }
                }
            }
        }
        Throwable x = firstOf(t.forDeclared(RuntimeException.class), RuntimeException.class, error, codec);
        if (x == null) {
            x = firstOf(t.forDeclared(Error.class), Error.class, error, codec);
        }
        return x != null ? x : unmapped(error);
    }

    /**
     * The exception that an error frame stands for, asking every registered codec, most specific first;
     * for callers that declare nothing specific (the low-level stream API). Otherwise as
     * {@link #decode}: never throws, never returns {@code null}.
     */
    public Throwable decodeAny(WireError error, Codec codec) {
        if (error == null) {
            return new RpcException(RpcCode.DECODE, "no error frame to decode");
        }
        RpcException framework = frameworkError(error);
        if (framework != null) {
            return framework;
        }
        Throwable x = firstOf(table.get().mostSpecificFirst(), Throwable.class, error, codec);
        return x != null ? x : unmapped(error);
    }

    private static RpcException frameworkError(WireError error) {
        if (error.isErrno()) {
            return null;
        }
        byte[] b = bytesOf(error);
        RpcCode code = RpcCode.fromWireBytes(b, 0, b.length);
        return code == null ? null : new RpcException(code);
    }

    private static Throwable firstOf(Entry[] candidates, Class<?> wanted, WireError error, Codec codec) {
        for (Entry e : candidates) {
            Object x;
            try {
                x = e.codec.decode(error, codec);
            } catch (Throwable failure) {
                rethrowIfFatal(failure);
                LOG.debug("error codec {} threw on {}; taken as not its frame", describe(e.codec), error, failure);
                continue;
            }
            if (x != null) {
                if (wanted.isInstance(x)) {
                    return (Throwable) x;
                }
                LOG.debug(
                        "error codec {} decoded {} to a {}, which is not a {}; ignored",
                        describe(e.codec),
                        error,
                        x.getClass().getName(),
                        wanted.getName());
            }
        }
        return null;
    }

    private static RpcException unmapped(WireError error) {
        return error.isErrno()
                ? RpcException.unmappedErrno(Integer.toUnsignedLong(error.errno()))
                : RpcException.unmappedString(bytesOf(error));
    }

    private static byte[] bytesOf(WireError string) {
        byte[] b = string.unsafeBytes();
        return b == null ? new byte[0] : b;
    }

    /** Warn the first time a problem shows for a type, debug after that: a hot path must not flood the log. */
    private void report(String problem, Class<?> type, String format, Object... args) {
        if (reported.size() >= REPORTED_MAX) {
            reported.clear();
        }
        if (reported.add(problem + ':' + type.getName())) {
            LOG.warn(format, args);
        } else if (LOG.isDebugEnabled()) {
            LOG.debug(format, args);
        }
    }

    /**
     * A codec's failure is an answer, not our caller's problem, except when the JVM itself is in trouble.
     * A stack overflow is not: it is what a codec does with a hostile, deeply nested frame, and the stack
     * is unwound by the time we see it.
     */
    private static void rethrowIfFatal(Throwable t) {
        if (t instanceof VirtualMachineError && !(t instanceof StackOverflowError)) {
            throw (VirtualMachineError) t;
        }
    }

    private static String describe(ErrorCodec<?> codec) {
        try {
            return codec.getClass().getName() + " (" + codec + ")";
        } catch (RuntimeException e) {
            return codec.getClass().getName();
        }
    }

    @Override
    public String toString() {
        return "ErrorCodecRegistry" + types();
    }

    /**
     * One codec's place in a registry, as {@link #register} returned it. Closing it removes exactly
     * that codec; closing again, or after the codec was unregistered (and perhaps registered anew),
     * does nothing. Thread-safe.
     *
     * <pre>{@code
     * try (Registration r = registry.register(codec)) { ... }   // gone again here
     * }</pre>
     */
    @ProviderType
    public interface Registration extends AutoCloseable {
        /** The registered codec. */
        ErrorCodec<?> codec();

        /** Whether this registration is still in the registry. */
        boolean isActive();

        /** Removes the codec if this registration is still in the registry; idempotent; never throws. */
        @Override
        void close();
    }

    private final class Handle implements Registration {
        private final Entry entry;

        Handle(Entry entry) {
            this.entry = entry;
        }

        @Override
        public ErrorCodec<?> codec() {
            return entry.codec;
        }

        @Override
        public boolean isActive() {
            return table.get().get(entry.type) == entry;
        }

        @Override
        public void close() {
            remove(entry);
        }

        @Override
        public String toString() {
            return "Registration[" + describe(entry.codec) + " for " + entry.type.getName()
                    + (isActive() ? "" : ", closed") + "]";
        }
    }
}
