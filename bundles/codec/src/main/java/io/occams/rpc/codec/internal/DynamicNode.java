package io.occams.rpc.codec.internal;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.msgpack.core.MessageFormat;

/**
 * {@code Object}, and any interface or abstract class the codec has no rule for: a value is
 * encoded by its runtime class (whose node the binder builds once and caches), and decoded as the
 * natural Java value of what is on the wire: nil as null, bool as Boolean, an integer as Long (or
 * BigInteger above {@code Long.MAX_VALUE}), a float as Double, str as String, bin as byte[], an
 * array as an ArrayList and a map as a LinkedHashMap. For a declared type other than Object, the
 * natural value must be an instance of it ({@code Number} and {@code CharSequence} work;
 * an interface of the user's does not, and fails with DECODE).
 */
final class DynamicNode extends Node {
    private final Class<?> declared;
    /** The last runtime class seen and its node: a racy one-entry cache, each pair written as one immutable object. */
    private volatile Last last;

    DynamicNode(Binder b, Class<?> declared) {
        super(b, declared);
        this.declared = declared;
    }

    private static final class Last {
        final Class<?> cls;
        final Node node;

        Last(Class<?> cls, Node node) {
            this.cls = cls;
            this.node = node;
        }
    }

    @Override
    void write(Out out, Object value, int depth) throws IOException {
        Class<?> c = value.getClass();
        Last l = last;
        Node n;
        if (l != null && l.cls == c) {
            n = l.node;
        } else {
            n = binder.runtimeNode(c);
            last = new Last(c, n);
        }
        n.write(out, value, depth);
    }

    @Override
    Object readValue(In in, MessageFormat f, int depth) throws IOException {
        Object v = natural(in, f, depth);
        if (declared != Object.class && !declared.isInstance(v)) {
            throw CodecFailure.decode(
                    "cannot decode " + In.describe(f) + " into " + describe() + " (no concrete type to create)");
        }
        return v;
    }

    private static Object natural(In in, MessageFormat f, int depth) throws IOException {
        switch (f.getValueType()) {
            case NIL:
                in.unpacker.unpackNil();
                return null;
            case BOOLEAN:
                return in.unpacker.unpackBoolean();
            case INTEGER:
                if (f == MessageFormat.UINT64) {
                    java.math.BigInteger b = in.unpacker.unpackBigInteger();
                    return b.bitLength() <= 63 ? (Object) b.longValue() : b;
                }
                return in.unpacker.unpackLong();
            case FLOAT:
                return in.unpacker.unpackDouble();
            case STRING:
                return in.readString(f, "str");
            case BINARY:
                return in.readBytes(f, "bin");
            case ARRAY: {
                in.checkDepth(depth);
                int n = in.arrayHeader();
                List<Object> list = new ArrayList<>(Math.min(n, Containers.PRESIZE_AT_MOST));
                for (int i = 0; i < n; i++) {
                    list.add(natural(in, in.peek(), depth + 1));
                }
                return list;
            }
            case MAP: {
                in.checkDepth(depth);
                int n = in.mapHeader();
                Map<Object, Object> map = new LinkedHashMap<>(Math.min(n, Containers.PRESIZE_AT_MOST));
                for (int i = 0; i < n; i++) {
                    Object k = natural(in, in.peek(), depth + 1);
                    map.put(k, natural(in, in.peek(), depth + 1));
                }
                return map;
            }
            default:
                throw CodecFailure.decode("msgpack ext values are not supported");
        }
    }
}
