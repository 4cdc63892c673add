package io.occams.rpc.codec.internal;

import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.reflect.Array;
import java.lang.reflect.Type;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.function.IntFunction;
import org.msgpack.core.MessageFormat;
import org.msgpack.value.ValueType;

/**
 * Nodes of values that hold other values: collections and arrays (msgpack arrays), maps, and
 * {@code Optional} (nil or the value, as serde writes an {@code Option}).
 *
 * <p>Every container raises the depth by one, so a hostile nesting fails at the codec's limit
 * instead of overflowing the stack. A decoded collection starts at most {@link #PRESIZE_AT_MOST}
 * slots big and grows as elements actually arrive.
 */
final class Containers {
    static final int PRESIZE_AT_MOST = 1024;

    private Containers() {}

    /** Creates an empty container of a given type; {@code null} when the type cannot be created. */
    interface Factory<C> {
        C create(int expected) throws Throwable;
    }

    static <C> Factory<C> factory(IntFunction<C> sized) {
        return n -> sized.apply(Math.min(n, PRESIZE_AT_MOST));
    }

    @SuppressWarnings("unchecked")
    static <C> Factory<C> factory(MethodHandle noArg) {
        MethodHandle h = noArg.asType(java.lang.invoke.MethodType.methodType(Object.class));
        return n -> (C) h.invokeExact();
    }

    static final class CollectionNode extends Node {
        private final Node element;
        private final Factory<Collection<Object>> factory;

        CollectionNode(Binder b, Type t, Node element, Factory<Collection<Object>> factory) {
            super(b, t);
            this.element = element;
            this.factory = factory;
        }

        @Override
        void write(Out out, Object value, int depth) throws IOException {
            out.checkDepth(depth);
            Collection<?> c = (Collection<?>) value;
            int n = c.size();
            out.packer.packArrayHeader(n);
            int written = 0;
            for (Object e : c) {
                if (written++ == n) {
                    break;
                }
                element.writeNullable(out, e, depth + 1);
            }
            if (written < n) {
                throw CodecFailure.encode("collection shrank while it was encoded");
            }
        }

        @Override
        Object readValue(In in, MessageFormat f, int depth) throws IOException {
            if (f.getValueType() != ValueType.ARRAY) {
                throw In.mismatch("array", f);
            }
            in.checkDepth(depth);
            int n = in.arrayHeader();
            Collection<Object> c = Containers.create(factory, n, this);
            for (int i = 0; i < n; i++) {
                c.add(element.read(in, depth + 1));
            }
            return c;
        }
    }

    static final class MapNode extends Node {
        private final Node key;
        private final Node value;
        private final Factory<Map<Object, Object>> factory;

        MapNode(Binder b, Type t, Node key, Node value, Factory<Map<Object, Object>> factory) {
            super(b, t);
            this.key = key;
            this.value = value;
            this.factory = factory;
        }

        @Override
        void write(Out out, Object v, int depth) throws IOException {
            out.checkDepth(depth);
            Map<?, ?> m = (Map<?, ?>) v;
            int n = m.size();
            out.packer.packMapHeader(n);
            int written = 0;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (written++ == n) {
                    break;
                }
                key.writeNullable(out, e.getKey(), depth + 1);
                value.writeNullable(out, e.getValue(), depth + 1);
            }
            if (written < n) {
                throw CodecFailure.encode("map shrank while it was encoded");
            }
        }

        @Override
        Object readValue(In in, MessageFormat f, int depth) throws IOException {
            if (f.getValueType() != ValueType.MAP) {
                throw In.mismatch("map", f);
            }
            in.checkDepth(depth);
            int n = in.mapHeader();
            Map<Object, Object> m = Containers.create(factory, n, this);
            for (int i = 0; i < n; i++) {
                Object k = key.read(in, depth + 1);
                m.put(k, value.read(in, depth + 1));
            }
            return m;
        }
    }

    /** Arrays of references ({@code String[]}, {@code Point[]}, {@code List<String>[]}). */
    static final class ArrayNode extends Node {
        private final Node element;
        private final Class<?> componentClass;

        ArrayNode(Binder b, Type t, Node element, Class<?> componentClass) {
            super(b, t);
            this.element = element;
            this.componentClass = componentClass;
        }

        @Override
        void write(Out out, Object value, int depth) throws IOException {
            out.checkDepth(depth);
            Object[] a = (Object[]) value;
            out.packer.packArrayHeader(a.length);
            for (Object e : a) {
                element.writeNullable(out, e, depth + 1);
            }
        }

        @Override
        Object readValue(In in, MessageFormat f, int depth) throws IOException {
            if (f.getValueType() != ValueType.ARRAY) {
                throw In.mismatch("array", f);
            }
            in.checkDepth(depth);
            int n = in.arrayHeader();
            Object[] a = (Object[]) Array.newInstance(componentClass, n);
            for (int i = 0; i < n; i++) {
                a[i] = element.read(in, depth + 1);
            }
            return a;
        }
    }

    /** Arrays of primitives other than byte ({@code int[]}, {@code double[]}, ...): msgpack arrays. */
    static final class PrimitiveArrayNode extends Node {
        private final Class<?> component;
        private final Node element;

        PrimitiveArrayNode(Binder b, Class<?> t, Node element) {
            super(b, t);
            this.component = t.getComponentType();
            this.element = element;
        }

        @Override
        void write(Out out, Object value, int depth) throws IOException {
            int n = Array.getLength(value);
            out.packer.packArrayHeader(n);
            if (value instanceof int[] a) {
                for (int v : a) {
                    out.packer.packInt(v);
                }
            } else if (value instanceof long[] a) {
                for (long v : a) {
                    out.packer.packLong(v);
                }
            } else if (value instanceof double[] a) {
                for (double v : a) {
                    out.packer.packDouble(v);
                }
            } else {
                for (int i = 0; i < n; i++) {
                    element.write(out, Array.get(value, i), depth + 1);
                }
            }
        }

        @Override
        Object readValue(In in, MessageFormat f, int depth) throws IOException {
            if (f.getValueType() != ValueType.ARRAY) {
                throw In.mismatch("array", f);
            }
            int n = in.arrayHeader();
            Object a = Array.newInstance(component, n);
            for (int i = 0; i < n; i++) {
                Array.set(a, i, element.read(in, depth + 1));
            }
            return a;
        }
    }

    /** {@code Optional<T>}: nil or the value. Nil and a missing field decode as {@code Optional.empty()}. */
    static final class OptionalNode extends Node {
        private final Node inner;

        OptionalNode(Binder b, Type t, Node inner) {
            super(b, t);
            this.inner = inner;
        }

        @Override
        void write(Out out, Object value, int depth) throws IOException {
            Optional<?> o = (Optional<?>) value;
            if (o.isPresent()) {
                inner.write(out, o.get(), depth);
            } else {
                out.packer.packNil();
            }
        }

        @Override
        Object readValue(In in, MessageFormat f, int depth) throws IOException {
            return Optional.ofNullable(inner.readValue(in, f, depth));
        }

        @Override
        Object nilValue() {
            return Optional.empty();
        }
    }

    /** {@code OptionalInt}, {@code OptionalLong}, {@code OptionalDouble}: nil or the number. */
    static final class OptionalNumberNode extends Node {
        private final Class<?> kind;

        OptionalNumberNode(Binder b, Class<?> kind) {
            super(b, kind);
            this.kind = kind;
        }

        @Override
        void write(Out out, Object value, int depth) throws IOException {
            if (value instanceof OptionalInt o) {
                if (o.isPresent()) {
                    out.packer.packInt(o.getAsInt());
                } else {
                    out.packer.packNil();
                }
            } else if (value instanceof OptionalLong o) {
                if (o.isPresent()) {
                    out.packer.packLong(o.getAsLong());
                } else {
                    out.packer.packNil();
                }
            } else {
                OptionalDouble o = (OptionalDouble) value;
                if (o.isPresent()) {
                    out.packer.packDouble(o.getAsDouble());
                } else {
                    out.packer.packNil();
                }
            }
        }

        @Override
        Object readValue(In in, MessageFormat f, int depth) throws IOException {
            if (kind == OptionalInt.class) {
                return OptionalInt.of((int) in.readLong(f, "int", Integer.MIN_VALUE, Integer.MAX_VALUE));
            }
            if (kind == OptionalLong.class) {
                return OptionalLong.of(in.readLong(f, "long"));
            }
            return OptionalDouble.of(in.readDouble(f, "double"));
        }

        @Override
        Object nilValue() {
            if (kind == OptionalInt.class) {
                return OptionalInt.empty();
            }
            return kind == OptionalLong.class ? OptionalLong.empty() : OptionalDouble.empty();
        }
    }

    static <C> C create(Factory<C> factory, int n, Node node) {
        if (factory == null) {
            throw CodecFailure.decode("cannot create a " + node.describe() + ": no public no-argument constructor");
        }
        try {
            return factory.create(n);
        } catch (CodecFailure | Error f) {
            throw f;
        } catch (Throwable t) {
            throw new CodecFailure(
                    io.occams.rpc.api.RpcCode.DECODE, "creating a " + node.describe() + " failed: " + t, t);
        }
    }
}
