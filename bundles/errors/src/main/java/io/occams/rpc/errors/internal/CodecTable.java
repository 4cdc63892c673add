package io.occams.rpc.errors.internal;

import io.occams.rpc.api.spi.ErrorCodec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One immutable snapshot of the registry's codecs, with the lookups that derive from it cached.
 *
 * <p>The registry swaps whole tables (copy on write), so a table never changes its codecs and its
 * caches never need invalidating: a change makes a new table with empty caches. The caches are
 * {@link ConcurrentHashMap}s, so reads take no lock; each is cleared when it passes {@value #CACHE_MAX}
 * entries, so exception types thrown once by a bundle that has since gone do not pile up.
 */
public final class CodecTable {
    static final int CACHE_MAX = 4096;

    /** The empty table. */
    public static final CodecTable EMPTY = new CodecTable(new Entry[0]);

    private static final Object NONE = new Object();
    /** Deepest class first (so a subclass before its superclass), then in registration order. */
    private static final Comparator<Entry> MOST_SPECIFIC_FIRST =
            Comparator.comparingInt((Entry e) -> -e.depth).thenComparingLong(e -> e.seq);

    private final Entry[] entries; // registration order
    private final Entry[] mostSpecificFirst;
    private final Map<Class<?>, Entry> byType;
    private final Set<Class<?>> types;
    private final ConcurrentHashMap<Class<?>, Object> forThrown = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Class<?>, Entry[]> forDeclared = new ConcurrentHashMap<>();

    private CodecTable(Entry[] entries) {
        this.entries = entries;
        this.mostSpecificFirst = entries.clone();
        Arrays.sort(mostSpecificFirst, MOST_SPECIFIC_FIRST);
        Map<Class<?>, Entry> map = new HashMap<>();
        Set<Class<?>> set = new LinkedHashSet<>();
        for (Entry e : entries) {
            map.put(e.type, e);
            set.add(e.type);
        }
        this.byType = map;
        this.types = Collections.unmodifiableSet(set);
    }

    /** The entry registered for exactly {@code type}, or {@code null}. */
    public Entry get(Class<?> type) {
        return byType.get(type);
    }

    /** This table plus {@code e}; the caller has checked that its type is absent. */
    public CodecTable with(Entry e) {
        Entry[] next = Arrays.copyOf(entries, entries.length + 1);
        next[entries.length] = e;
        return new CodecTable(next);
    }

    /** This table without {@code e} (by identity), or this very table when {@code e} is not in it. */
    public CodecTable without(Entry e) {
        if (byType.get(e.type) != e) {
            return this;
        }
        List<Entry> next = new ArrayList<>(entries.length);
        for (Entry x : entries) {
            if (x != e) {
                next.add(x);
            }
        }
        return new CodecTable(next.toArray(new Entry[0]));
    }

    /** The entry whose codec is {@code codec} (by identity), or {@code null}. */
    public Entry find(ErrorCodec<?> codec) {
        for (Entry e : entries) {
            if (e.codec == codec) {
                return e;
            }
        }
        return null;
    }

    /** The entry for {@code thrown}: its own class's, or its nearest registered superclass's; or {@code null}. */
    public Entry forThrown(Class<?> thrown) {
        Object hit = forThrown.get(thrown);
        if (hit == null) {
            hit = NONE;
            for (Class<?> c = thrown; c != null; c = c.getSuperclass()) {
                Entry e = byType.get(c);
                if (e != null) {
                    hit = e;
                    break;
                }
            }
            cache(forThrown, thrown, hit);
        }
        return hit == NONE ? null : (Entry) hit;
    }

    /** The entries whose type is {@code declared} or a subtype of it, most specific first. Do not change the array. */
    public Entry[] forDeclared(Class<?> declared) {
        Entry[] hit = forDeclared.get(declared);
        if (hit == null) {
            List<Entry> out = new ArrayList<>();
            for (Entry e : mostSpecificFirst) {
                if (declared.isAssignableFrom(e.type)) {
                    out.add(e);
                }
            }
            hit = out.toArray(new Entry[0]);
            cache(forDeclared, declared, hit);
        }
        return hit;
    }

    /** Every entry, most specific first. Do not change the array. */
    public Entry[] mostSpecificFirst() {
        return mostSpecificFirst;
    }

    /** The registered types, in registration order; unmodifiable. */
    public Set<Class<?>> types() {
        return types;
    }

    /** How many codecs this table holds. */
    public int size() {
        return entries.length;
    }

    private static <V> void cache(ConcurrentHashMap<Class<?>, V> map, Class<?> key, V value) {
        if (map.size() >= CACHE_MAX) {
            map.clear();
        }
        map.putIfAbsent(key, value);
    }

    /** One registered codec. Identity matters: a registration removes exactly its own entry. */
    public static final class Entry {
        public final ErrorCodec<?> codec;
        public final Class<?> type;
        final long seq;
        final int depth;

        public Entry(ErrorCodec<?> codec, Class<?> type, long seq) {
            this.codec = codec;
            this.type = type;
            this.seq = seq;
            int d = 0;
            for (Class<?> c = type; c != null; c = c.getSuperclass()) {
                d++;
            }
            this.depth = d;
        }
    }
}
