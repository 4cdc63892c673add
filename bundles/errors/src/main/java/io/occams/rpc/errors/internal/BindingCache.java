package io.occams.rpc.errors.internal;

import io.occams.rpc.api.spi.Binding;
import io.occams.rpc.api.spi.Codec;
import java.lang.reflect.Type;

/**
 * The {@link Binding} of one payload type, per {@link Codec} instance (keyed by identity), so that
 * encoding and decoding an error does no reflection after the first call with a codec.
 *
 * <p>Reads are lock-free: a volatile array that is replaced, never changed. It holds at most
 * {@value #MAX} codecs, newest first; an older one falls out, so a codec bundle that is updated
 * many times does not stay reachable from here for ever.
 *
 * @param <P> the payload type
 */
public final class BindingCache<P> {
    static final int MAX = 4;

    private final Type payloadType;
    /** Replaced under {@code this}, read without a lock: {@code entries[i]} is never changed once published. */
    private volatile Entry[] entries = new Entry[0];

    public BindingCache(Type payloadType) {
        this.payloadType = payloadType;
    }

    /**
     * The binding of the payload type in {@code codec}; asks the codec on the first use only.
     *
     * @throws RuntimeException what {@link Codec#binding} throws when the type cannot be bound
     */
    @SuppressWarnings("unchecked")
    public Binding<P> get(Codec codec) {
        for (Entry e : entries) {
            if (e.codec == codec) {
                return (Binding<P>) e.binding;
            }
        }
        return add(codec);
    }

    @SuppressWarnings("unchecked")
    private synchronized Binding<P> add(Codec codec) {
        Entry[] old = entries;
        for (Entry e : old) {
            if (e.codec == codec) {
                return (Binding<P>) e.binding;
            }
        }
        Binding<P> binding = codec.binding(payloadType);
        int keep = Math.min(old.length, MAX - 1);
        Entry[] next = new Entry[keep + 1];
        next[0] = new Entry(codec, binding);
        System.arraycopy(old, 0, next, 1, keep);
        entries = next;
        return binding;
    }

    /** How many codecs are cached (for tests). */
    public int size() {
        return entries.length;
    }

    private static final class Entry {
        final Codec codec;
        final Binding<?> binding;

        Entry(Codec codec, Binding<?> binding) {
            this.codec = codec;
            this.binding = binding;
        }
    }
}
