package io.occams.rpc.codec.internal;

import io.occams.rpc.api.RpcCode;
import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.msgpack.core.MessageFormat;
import org.msgpack.value.ValueType;

/**
 * A record or a JavaBean: a msgpack map keyed by property name, in declaration order (rmp-serde's
 * named struct). Decoding takes a map (by key; unknown keys skipped, missing ones left at their
 * default) or an array (by position, as serde's compact structs).
 *
 * <p>A record is built through its canonical constructor once every component is read; a bean is
 * created first through its no-argument constructor and filled through its setters or public
 * fields, so a missing key keeps the bean's own initial value. All accessors are method handles
 * made at bind time.
 *
 * <p>Names are matched as UTF-8 bytes against the next expected property first, so decoding a map
 * written in declaration order costs one comparison per key and allocates nothing for the keys.
 */
final class StructNode extends Node {
    /** How a property's value leaves its getter: as a reference, or as a primitive with no boxing. */
    enum Kind {
        REF,
        LONG,
        FLOAT,
        DOUBLE,
        BOOLEAN
    }

    /** One named value of the struct. */
    static final class Property {
        final String name;
        final byte[] nameBytes;
        final Node node;
        final Kind kind;
        /** (Object)Object, or (Object)long/float/double/boolean after {@link #kind}; null when unreadable. */
        final MethodHandle getter;
        /** (Object,Object)void; null when not settable (records are set through their constructor). */
        final MethodHandle setter;

        Property(String name, Node node, Kind kind, MethodHandle getter, MethodHandle setter) {
            this.name = name;
            this.nameBytes = name.getBytes(StandardCharsets.UTF_8);
            this.node = node;
            this.kind = kind;
            this.getter = getter;
            this.setter = setter;
        }

        void write(Out out, Object owner, int depth) throws IOException {
            switch (kind) {
                case LONG: {
                    long v;
                    try {
                        v = (long) getter.invokeExact(owner);
                    } catch (Throwable t) {
                        throw threw(t);
                    }
                    out.packer.packLong(v);
                    return;
                }
                case DOUBLE: {
                    double v;
                    try {
                        v = (double) getter.invokeExact(owner);
                    } catch (Throwable t) {
                        throw threw(t);
                    }
                    out.packer.packDouble(v);
                    return;
                }
                case FLOAT: {
                    float v;
                    try {
                        v = (float) getter.invokeExact(owner);
                    } catch (Throwable t) {
                        throw threw(t);
                    }
                    out.packer.packFloat(v);
                    return;
                }
                case BOOLEAN: {
                    boolean v;
                    try {
                        v = (boolean) getter.invokeExact(owner);
                    } catch (Throwable t) {
                        throw threw(t);
                    }
                    out.packer.packBoolean(v);
                    return;
                }
                default: {
                    Object v;
                    try {
                        v = (Object) getter.invokeExact(owner);
                    } catch (Throwable t) {
                        throw threw(t);
                    }
                    node.writeNullable(out, v, depth);
                }
            }
        }

        private static CodecFailure threw(Throwable t) {
            if (t instanceof Error e) {
                throw e;
            }
            return new CodecFailure(RpcCode.ENCODE, "its getter threw " + t, t);
        }
    }

    private final boolean record;
    private final Property[] properties;
    private final Property[] readable;
    /** Records: (Object[])Object over the canonical constructor. Beans: ()Object, or null when there is none. */
    private final MethodHandle constructor;

    StructNode(Binder b, Type t, boolean record, List<Property> properties, MethodHandle constructor) {
        super(b, t);
        this.record = record;
        this.properties = properties.toArray(new Property[0]);
        this.readable = properties.stream().filter(p -> p.getter != null).toArray(Property[]::new);
        this.constructor = constructor;
    }

    @Override
    void write(Out out, Object value, int depth) throws IOException {
        out.checkDepth(depth);
        out.packer.packMapHeader(readable.length);
        for (Property p : readable) {
            out.packer.packRawStringHeader(p.nameBytes.length);
            out.packer.writePayload(p.nameBytes);
            try {
                p.write(out, value, depth + 1);
            } catch (CodecFailure f) {
                throw f.within("." + p.name);
            }
        }
    }

    @Override
    Object readValue(In in, MessageFormat f, int depth) throws IOException {
        ValueType vt = f.getValueType();
        if (vt != ValueType.MAP && vt != ValueType.ARRAY) {
            throw In.mismatch("map or array (a struct)", f);
        }
        in.checkDepth(depth);
        Object[] values = null;
        Object bean = null;
        if (record) {
            values = new Object[properties.length];
            for (int i = 0; i < values.length; i++) {
                values[i] = properties[i].node.defaultValue();
            }
        } else {
            bean = newBean();
        }
        if (vt == ValueType.MAP) {
            int n = in.mapHeader();
            int hint = 0;
            for (int i = 0; i < n; i++) {
                int idx = readKey(in, hint);
                if (idx < 0) {
                    in.skip();
                    continue;
                }
                hint = idx + 1;
                readInto(in, properties[idx], idx, values, bean, depth);
            }
        } else {
            int n = in.arrayHeader();
            for (int i = 0; i < n; i++) {
                if (i < properties.length) {
                    readInto(in, properties[i], i, values, bean, depth);
                } else {
                    in.skip();
                }
            }
        }
        return record ? newRecord(values) : bean;
    }

    /** The index of the property the next key names, or -1 (the key is consumed either way). */
    private int readKey(In in, int hint) throws IOException {
        MessageFormat kf = in.peek();
        switch (kf.getValueType()) {
            case STRING:
            case BINARY: {
                int len = in.rawHeader(kf, "a field name");
                byte[] b = in.readToScratch(len);
                if (hint < properties.length && matches(properties[hint].nameBytes, b, len)) {
                    return hint;
                }
                for (int i = 0; i < properties.length; i++) {
                    if (matches(properties[i].nameBytes, b, len)) {
                        return i;
                    }
                }
                return -1;
            }
            case INTEGER: {
                // serde's derive also accepts a field's index as its key.
                long k = in.readLong(kf, "a field index");
                return k >= 0 && k < properties.length ? (int) k : -1;
            }
            default:
                in.skip();
                return -1;
        }
    }

    private static boolean matches(byte[] name, byte[] b, int len) {
        return name.length == len && Arrays.equals(name, 0, len, b, 0, len);
    }

    private void readInto(In in, Property p, int idx, Object[] values, Object bean, int depth) throws IOException {
        Object v;
        try {
            v = p.node.read(in, depth + 1);
        } catch (CodecFailure f) {
            throw f.within("." + p.name);
        }
        if (values != null) {
            values[idx] = v;
        } else if (p.setter != null) {
            try {
                p.setter.invokeExact(bean, v);
            } catch (Throwable t) {
                throw rejected("its setter for " + p.name, t);
            }
        }
    }

    private Object newBean() {
        if (constructor == null) {
            throw CodecFailure.decode("cannot create a " + describe() + ": no accessible no-argument constructor");
        }
        try {
            return (Object) constructor.invokeExact();
        } catch (Throwable t) {
            throw rejected("its constructor", t);
        }
    }

    private Object newRecord(Object[] values) {
        try {
            return (Object) constructor.invokeExact(values);
        } catch (Throwable t) {
            throw rejected("its canonical constructor", t);
        }
    }

    private static CodecFailure rejected(String what, Throwable t) {
        if (t instanceof Error e) {
            throw e;
        }
        return new CodecFailure(RpcCode.DECODE, what + " rejected the values: " + t, t);
    }
}
