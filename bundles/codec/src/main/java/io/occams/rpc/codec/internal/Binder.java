package io.occams.rpc.codec.internal;

import io.netty.buffer.ByteBuf;
import io.occams.rpc.api.RpcCode;
import io.occams.rpc.api.RpcException;
import io.occams.rpc.codec.internal.Containers.Factory;
import io.occams.rpc.codec.internal.Scalars.Width;
import io.occams.rpc.codec.internal.StructNode.Kind;
import io.occams.rpc.codec.internal.StructNode.Property;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.AccessibleObject;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Member;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.math.BigInteger;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.NavigableSet;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Queue;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * Builds the node of a type once and caches it; the only place that reflects.
 *
 * <p>A type is built with everything it refers to in one go. Recursive types ({@code record
 * Tree(List<Tree> children)}) meet themselves through a forward reference that is resolved
 * before the build ends. Only a complete build is published to the cache, and it is published
 * through the {@link ConcurrentHashMap}, so every thread that gets a node sees it whole. Two
 * threads that bind the same new type at once both build it; the first to publish wins and both
 * return the winner, so {@link #bind} always returns one instance per type.
 *
 * <p>Thread-safe. Holds every type it was asked for (and the runtime classes of values encoded as
 * {@code Object}) for the life of the codec.
 */
public final class Binder {
    /** How deeply one type may nest other types while it is bound ({@code A<A<A<...>>>}). */
    private static final int MAX_TYPE_NESTING = 128;

    private static final MethodHandles.Lookup LOOKUP = MethodHandles.lookup();

    private final int maxDepth;
    private final ConcurrentHashMap<Type, Node> cache = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<List<Type>, ArgumentsBinding> arguments = new ConcurrentHashMap<>();

    /** @param maxDepth how deeply values may nest on the wire, in either direction */
    public Binder(int maxDepth) {
        if (maxDepth < 1) {
            throw new IllegalArgumentException("maxDepth must be at least 1: " + maxDepth);
        }
        this.maxDepth = maxDepth;
    }

    public int maxDepth() {
        return maxDepth;
    }

    /**
     * The binding of {@code type}, built on first use.
     *
     * @throws RpcException with ENCODE when the type cannot be bound
     */
    @SuppressWarnings("unchecked")
    public <T> io.occams.rpc.api.spi.Binding<T> bind(Type type) {
        if (type == null) {
            throw new NullPointerException("type");
        }
        Node n = cache.get(type);
        if (n == null) {
            try {
                n = build(type);
            } catch (CodecFailure f) {
                throw cannotBind(type, f);
            }
        }
        return (io.occams.rpc.api.spi.Binding<T>) (io.occams.rpc.api.spi.Binding<?>) n;
    }

    /**
     * The binding of a method's parameter list: nil for none, the value for one, an array for
     * several.
     *
     * @throws RpcException with ENCODE when a parameter type cannot be bound
     */
    public io.occams.rpc.api.spi.Binding<Object[]> bindArguments(Type... parameterTypes) {
        List<Type> key = List.of(parameterTypes.clone());
        ArgumentsBinding b = arguments.get(key);
        if (b != null) {
            return b;
        }
        Node[] nodes = new Node[key.size()];
        for (int i = 0; i < nodes.length; i++) {
            Type t = key.get(i);
            Node n = cache.get(t);
            try {
                nodes[i] = n != null ? n : build(t);
            } catch (CodecFailure f) {
                throw new RpcException(
                        RpcCode.ENCODE,
                        "cannot bind parameter " + i + " (" + t.getTypeName() + "): " + f.getMessage(),
                        f.getCause());
            }
        }
        ArgumentsBinding fresh = new ArgumentsBinding(this, nodes);
        b = arguments.putIfAbsent(key, fresh);
        return b != null ? b : fresh;
    }

    private static RpcException cannotBind(Type type, CodecFailure f) {
        return new RpcException(
                RpcCode.ENCODE, "cannot bind " + type.getTypeName() + ": " + f.getMessage(), f.getCause());
    }

    /** The node a value of runtime class {@code c} is encoded with (values typed {@code Object}). */
    Node runtimeNode(Class<?> c) {
        if (c == Object.class) {
            throw CodecFailure.encode("a plain java.lang.Object has no msgpack form");
        }
        if (Enum.class.isAssignableFrom(c) && !c.isEnum()) {
            c = c.getSuperclass(); // a constant with a body
        }
        Node n = cache.get(c);
        return n != null ? n : build(c);
    }

    private Node build(Type type) {
        Build b = new Build();
        Node built = b.node(type, 0);
        for (Map.Entry<Type, Node> e : b.done.entrySet()) {
            cache.putIfAbsent(e.getKey(), e.getValue());
        }
        Node prior = cache.putIfAbsent(type, built);
        return prior != null ? prior : built;
    }

    /** One build: the nodes made so far and the forward references of those still in progress. */
    private final class Build {
        final Map<Type, Node> done = new HashMap<>();
        final Map<Type, Node.Lazy> inProgress = new HashMap<>();

        Node node(Type type, int nesting) {
            if (type == ByteBuf.class && nesting > 0) {
                // A buffer is a borrowed view of a message, or handed over to be released: rules for a
                // whole parameter or result, which a value inside another one could not follow.
                throw CodecFailure.encode(
                        "ByteBuf is bound only as a whole parameter or result, not inside another type");
            }
            Node n = cache.get(type);
            if (n == null) {
                n = done.get(type);
            }
            if (n == null) {
                n = inProgress.get(type);
            }
            if (n != null) {
                return n;
            }
            if (nesting > MAX_TYPE_NESTING) {
                throw CodecFailure.encode("types nest deeper than " + MAX_TYPE_NESTING + " levels");
            }
            Node.Lazy lazy = new Node.Lazy(Binder.this, type);
            inProgress.put(type, lazy);
            try {
                n = create(type, nesting + 1);
            } finally {
                inProgress.remove(type);
            }
            lazy.resolve(n);
            done.put(type, n);
            return n;
        }

        private Node create(Type declared, int nesting) {
            Type t = Types.resolve(declared, java.util.Collections.emptyMap());
            if (!t.equals(declared)) {
                return node(t, nesting); // wildcards and free variables gone; share that type's node
            }
            if (t instanceof GenericArrayType g) {
                Type component = g.getGenericComponentType();
                return new Containers.ArrayNode(Binder.this, t, node(component, nesting), Types.raw(component));
            }
            Class<?> raw = Types.raw(t);
            Node scalar = scalar(raw);
            if (scalar != null) {
                return scalar;
            }
            if (raw.isArray()) {
                Class<?> component = raw.getComponentType();
                if (component.isPrimitive()) {
                    return new Containers.PrimitiveArrayNode(Binder.this, raw, node(component, nesting));
                }
                return new Containers.ArrayNode(Binder.this, t, node(component, nesting), component);
            }
            if (raw.isEnum()) {
                return new Scalars.EnumNode(Binder.this, raw);
            }
            if (Enum.class.isAssignableFrom(raw) && raw != Enum.class) {
                return node(raw.getSuperclass(), nesting);
            }
            if (raw == Optional.class) {
                return new Containers.OptionalNode(
                        Binder.this, t, node(Types.argumentOf(t, Optional.class, 0), nesting));
            }
            if (raw == OptionalInt.class || raw == OptionalLong.class || raw == OptionalDouble.class) {
                return new Containers.OptionalNumberNode(Binder.this, raw);
            }
            if (Map.class.isAssignableFrom(raw)) {
                Node k = node(Types.argumentOf(t, Map.class, 0), nesting);
                Node v = node(Types.argumentOf(t, Map.class, 1), nesting);
                return new Containers.MapNode(Binder.this, t, k, v, mapFactory(raw));
            }
            if (Collection.class.isAssignableFrom(raw)) {
                Node e = node(Types.argumentOf(t, Collection.class, 0), nesting);
                return new Containers.CollectionNode(Binder.this, t, e, collectionFactory(raw));
            }
            if (raw.isInterface() || Modifier.isAbstract(raw.getModifiers())) {
                return new DynamicNode(Binder.this, raw);
            }
            if (isPlatform(raw)) {
                throw CodecFailure.encode("no msgpack mapping for " + raw.getName());
            }
            if (raw.isRecord()) {
                return record(t, raw, nesting);
            }
            return bean(t, raw, nesting);
        }

        private Node scalar(Class<?> c) {
            Binder b = Binder.this;
            if (c == Object.class) {
                return new DynamicNode(b, c);
            }
            if (c == String.class) {
                return new Scalars.StringNode(b, c);
            }
            if (c == void.class || c == Void.class) {
                return new Scalars.VoidNode(b, c);
            }
            if (c == byte[].class) {
                return new Scalars.BytesNode(b, c);
            }
            if (c == ByteBuf.class) {
                return new Scalars.BufNode(b, c);
            }
            if (c == BigInteger.class) {
                return new Scalars.BigIntegerNode(b, c);
            }
            boolean p = c.isPrimitive();
            if (c == int.class || c == Integer.class) {
                return new Scalars.IntNode(b, c, Width.INT, p);
            }
            if (c == long.class || c == Long.class) {
                return new Scalars.IntNode(b, c, Width.LONG, p);
            }
            if (c == short.class || c == Short.class) {
                return new Scalars.IntNode(b, c, Width.SHORT, p);
            }
            if (c == byte.class || c == Byte.class) {
                return new Scalars.IntNode(b, c, Width.BYTE, p);
            }
            if (c == boolean.class || c == Boolean.class) {
                return new Scalars.BoolNode(b, c, p);
            }
            if (c == double.class || c == Double.class) {
                return new Scalars.DoubleNode(b, c, p);
            }
            if (c == float.class || c == Float.class) {
                return new Scalars.FloatNode(b, c, p);
            }
            if (c == char.class || c == Character.class) {
                return new Scalars.CharNode(b, c, p);
            }
            return null;
        }

        private Node record(Type t, Class<?> raw, int nesting) {
            Map<TypeVariable<?>, Type> env = Types.env(t);
            RecordComponent[] components = raw.getRecordComponents();
            List<Property> props = new ArrayList<>(components.length);
            Class<?>[] types = new Class<?>[components.length];
            for (int i = 0; i < components.length; i++) {
                RecordComponent rc = components[i];
                types[i] = rc.getType();
                Node n = node(Types.resolve(rc.getGenericType(), env), nesting);
                Method accessor = rc.getAccessor();
                props.add(new Property(
                        rc.getName(), n, kind(rc.getType()), getter(unreflect(accessor), rc.getType()), null));
            }
            MethodHandle ctor;
            try {
                ctor = unreflect(raw.getDeclaredConstructor(types));
            } catch (NoSuchMethodException e) {
                throw CodecFailure.encode("record " + raw.getName() + " has no canonical constructor");
            }
            ctor = ctor.asSpreader(Object[].class, components.length)
                    .asType(MethodType.methodType(Object.class, Object[].class));
            return new StructNode(Binder.this, t, true, props, ctor);
        }

        private Node bean(Type t, Class<?> raw, int nesting) {
            // The class and its superclasses (below any platform class), each with its own type variables bound.
            Deque<Type> chain = new ArrayDeque<>();
            for (Type cur = t; cur != null && !isPlatform(Types.raw(cur)); ) {
                chain.addFirst(cur);
                Type sup = Types.raw(cur).getGenericSuperclass();
                cur = sup == null ? null : Types.resolve(sup, Types.env(cur));
            }
            List<Property> props = new ArrayList<>();
            int hidden = 0;
            for (Type level : chain) {
                Class<?> c = Types.raw(level);
                Map<TypeVariable<?>, Type> env = Types.env(level);
                for (Field f : c.getDeclaredFields()) {
                    int mod = f.getModifiers();
                    if (Modifier.isStatic(mod) || Modifier.isTransient(mod) || f.isSynthetic()) {
                        continue;
                    }
                    Method get = findGetter(c, f);
                    boolean publicField = Modifier.isPublic(mod);
                    if (get == null && !publicField) {
                        hidden++;
                        continue;
                    }
                    Method set = findSetter(c, f);
                    Type ft = Types.resolve(f.getGenericType(), env);
                    Node n = node(ft, nesting);
                    Class<?> fc = f.getType();
                    MethodHandle getter = get != null ? unreflect(get) : unreflectGetter(f);
                    MethodHandle setter = null;
                    if (set != null) {
                        setter = unreflect(set);
                    } else if (publicField && !Modifier.isFinal(mod)) {
                        setter = unreflectSetter(f);
                    }
                    if (setter != null) {
                        setter = setter.asType(MethodType.methodType(void.class, Object.class, Object.class));
                    }
                    props.add(new Property(
                            f.getName(), n, kind(fc), getter(getter, get != null ? get.getReturnType() : fc), setter));
                }
            }
            if (props.isEmpty() && hidden > 0) {
                throw CodecFailure.encode(
                        raw.getName() + " has fields but no public getters or public fields to encode them"
                                + " (use a record, or add getters and setters)");
            }
            MethodHandle ctor = null;
            if (!raw.isMemberClass() || Modifier.isStatic(raw.getModifiers())) {
                try {
                    Constructor<?> c = raw.getDeclaredConstructor();
                    if (accessible(c)) {
                        ctor = unreflect(c).asType(MethodType.methodType(Object.class));
                    }
                } catch (NoSuchMethodException e) {
                    // encode-only: decoding says so when it is tried
                }
            }
            return new StructNode(Binder.this, t, false, props, ctor);
        }
    }

    private static Kind kind(Class<?> c) {
        if (c == long.class || c == int.class || c == short.class || c == byte.class) {
            return Kind.LONG;
        }
        if (c == double.class) {
            return Kind.DOUBLE;
        }
        if (c == float.class) {
            return Kind.FLOAT;
        }
        if (c == boolean.class) {
            return Kind.BOOLEAN;
        }
        return Kind.REF;
    }

    /** A getter handle adapted to the shape {@link Property#write} invokes it with. */
    private static MethodHandle getter(MethodHandle h, Class<?> type) {
        Kind k = kind(type);
        Class<?> ret = k == Kind.LONG
                ? long.class
                : k == Kind.DOUBLE
                        ? double.class
                        : k == Kind.FLOAT ? float.class : k == Kind.BOOLEAN ? boolean.class : Object.class;
        return h.asType(MethodType.methodType(ret, Object.class));
    }

    private static Method findGetter(Class<?> c, Field f) {
        String cap = capitalize(f.getName());
        Class<?> ft = f.getType();
        String[] names = {"get" + cap, "is" + cap, f.getName()};
        for (int i = 0; i < names.length; i++) {
            if (i == 1 && ft != boolean.class && ft != Boolean.class) {
                continue; // isX() only for booleans
            }
            String name = names[i];
            try {
                Method m = c.getDeclaredMethod(name);
                if (Modifier.isPublic(m.getModifiers())
                        && !Modifier.isStatic(m.getModifiers())
                        && m.getReturnType() == ft) {
                    return m;
                }
            } catch (NoSuchMethodException e) {
                // try the next convention
            }
        }
        return null;
    }

    private static Method findSetter(Class<?> c, Field f) {
        try {
            Method m = c.getDeclaredMethod("set" + capitalize(f.getName()), f.getType());
            return Modifier.isPublic(m.getModifiers()) && !Modifier.isStatic(m.getModifiers()) ? m : null;
        } catch (NoSuchMethodException e) {
            return null;
        }
    }

    private static String capitalize(String s) {
        return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }

    /** Classes of the Java platform: the codec maps the ones it knows and never looks inside the others. */
    private static boolean isPlatform(Class<?> c) {
        String n = c.getName();
        return n.startsWith("java.")
                || n.startsWith("javax.")
                || n.startsWith("jdk.")
                || n.startsWith("sun.")
                || n.startsWith("com.sun.");
    }

    private static boolean accessible(Constructor<?> c) {
        return Modifier.isPublic(c.getModifiers()) || c.trySetAccessible();
    }

    private static MethodHandle unreflect(Method m) {
        try {
            return open(m) ? LOOKUP.unreflect(m) : MethodHandles.publicLookup().unreflect(m);
        } catch (IllegalAccessException e) {
            throw inaccessible(m, e);
        }
    }

    private static MethodHandle unreflect(Constructor<?> c) {
        try {
            return open(c)
                    ? LOOKUP.unreflectConstructor(c)
                    : MethodHandles.publicLookup().unreflectConstructor(c);
        } catch (IllegalAccessException e) {
            throw inaccessible(c, e);
        }
    }

    private static MethodHandle unreflectGetter(Field f) {
        try {
            return open(f)
                    ? LOOKUP.unreflectGetter(f)
                    : MethodHandles.publicLookup().unreflectGetter(f);
        } catch (IllegalAccessException e) {
            throw inaccessible(f, e);
        }
    }

    private static MethodHandle unreflectSetter(Field f) {
        try {
            return open(f)
                    ? LOOKUP.unreflectSetter(f)
                    : MethodHandles.publicLookup().unreflectSetter(f);
        } catch (IllegalAccessException e) {
            throw inaccessible(f, e);
        }
    }

    /** Whether the member could be made accessible (its package is open to us, or it is plainly public). */
    private static boolean open(AccessibleObject o) {
        try {
            return o.trySetAccessible();
        } catch (SecurityException e) {
            return false;
        }
    }

    private static CodecFailure inaccessible(Member m, IllegalAccessException e) {
        Class<?> c = m.getDeclaringClass();
        return new CodecFailure(
                RpcCode.ENCODE,
                "cannot access " + c.getName() + "." + m.getName()
                        + ": make it public in an exported package, or open package " + c.getPackageName()
                        + " to module io.occams.rpc.codec",
                e);
    }

    private static Factory<Map<Object, Object>> mapFactory(Class<?> raw) {
        if (raw == Map.class || raw == LinkedHashMap.class) {
            return Containers.factory(LinkedHashMap::new);
        }
        if (raw == HashMap.class) {
            return Containers.factory(HashMap::new);
        }
        if (raw == SortedMap.class || raw == NavigableMap.class || raw == TreeMap.class) {
            return n -> new TreeMap<>();
        }
        if (raw == ConcurrentMap.class || raw == ConcurrentHashMap.class) {
            return Containers.factory(ConcurrentHashMap::new);
        }
        if (raw == ConcurrentNavigableMap.class || raw == ConcurrentSkipListMap.class) {
            return n -> new ConcurrentSkipListMap<>();
        }
        if (raw == IdentityHashMap.class) {
            return Containers.factory(IdentityHashMap::new);
        }
        return noArg(raw);
    }

    private static Factory<Collection<Object>> collectionFactory(Class<?> raw) {
        if (raw == Collection.class || raw == List.class || raw == ArrayList.class || raw == Iterable.class) {
            return Containers.factory(ArrayList::new);
        }
        if (raw == Set.class || raw == LinkedHashSet.class) {
            return Containers.factory(LinkedHashSet::new);
        }
        if (raw == java.util.HashSet.class) {
            return Containers.factory(java.util.HashSet::new);
        }
        if (raw == SortedSet.class || raw == NavigableSet.class || raw == TreeSet.class) {
            return n -> new TreeSet<>();
        }
        if (raw == Queue.class || raw == Deque.class || raw == ArrayDeque.class) {
            return Containers.factory(ArrayDeque::new);
        }
        if (raw == java.util.LinkedList.class) {
            return n -> new java.util.LinkedList<>();
        }
        return noArg(raw);
    }

    /** A factory over a public no-argument constructor of a concrete container class, or null. */
    private static <C> Factory<C> noArg(Class<?> raw) {
        if (raw.isInterface() || Modifier.isAbstract(raw.getModifiers()) || !Modifier.isPublic(raw.getModifiers())) {
            return null;
        }
        try {
            Constructor<?> c = raw.getConstructor();
            return Containers.factory(MethodHandles.publicLookup().unreflectConstructor(c));
        } catch (NoSuchMethodException | IllegalAccessException e) {
            return null;
        }
    }
}
