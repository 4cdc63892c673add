package io.occams.rpc.codec.internal;

import java.lang.reflect.Array;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Generic type arithmetic done at bind time: erasure, substitution of type variables, and the
 * type argument a class gives one of its supertypes ({@code class Tree extends ArrayList<Tree>} is
 * a {@code Collection<Tree>}). Wildcards become their upper bound and unbound variables their
 * erased bound, so every type that reaches a node is concrete as far as it can be.
 */
final class Types {
    private Types() {}

    static Class<?> raw(Type t) {
        if (t instanceof Class<?> c) {
            return c;
        }
        if (t instanceof ParameterizedType p) {
            return (Class<?>) p.getRawType();
        }
        if (t instanceof GenericArrayType g) {
            return Array.newInstance(raw(g.getGenericComponentType()), 0).getClass();
        }
        if (t instanceof TypeVariable<?> v) {
            Type[] b = v.getBounds();
            return b.length == 0 ? Object.class : raw(b[0]);
        }
        if (t instanceof WildcardType w) {
            Type[] b = w.getUpperBounds();
            return b.length == 0 ? Object.class : raw(b[0]);
        }
        throw CodecFailure.encode("unknown kind of type " + t);
    }

    /** The variables of {@code t}'s raw class bound to {@code t}'s arguments (empty for a class). */
    static Map<TypeVariable<?>, Type> env(Type t) {
        if (!(t instanceof ParameterizedType p)) {
            return Collections.emptyMap();
        }
        TypeVariable<?>[] vars = raw(p).getTypeParameters();
        Type[] args = p.getActualTypeArguments();
        Map<TypeVariable<?>, Type> env = new HashMap<>();
        for (int i = 0; i < vars.length && i < args.length; i++) {
            env.put(vars[i], args[i]);
        }
        return env;
    }

    /** {@code t} with the variables of {@code env} substituted, wildcards and free variables erased. */
    static Type resolve(Type t, Map<TypeVariable<?>, Type> env) {
        if (t instanceof Class<?>) {
            return t;
        }
        if (t instanceof ParameterizedType p) {
            Type[] args = p.getActualTypeArguments();
            Type[] resolved = new Type[args.length];
            for (int i = 0; i < args.length; i++) {
                resolved[i] = resolve(args[i], env);
            }
            Type owner = p.getOwnerType();
            return new Parameterized((Class<?>) p.getRawType(), resolved, owner == null ? null : resolve(owner, env));
        }
        if (t instanceof GenericArrayType g) {
            Type c = resolve(g.getGenericComponentType(), env);
            if (c instanceof Class<?> cc) {
                return Array.newInstance(cc, 0).getClass();
            }
            return new GenericArray(c);
        }
        if (t instanceof TypeVariable<?> v) {
            Type bound = env.get(v);
            // A bound variable's value was written in the caller's terms: resolve it there, not here.
            return bound != null ? resolve(bound, Collections.emptyMap()) : raw(v);
        }
        if (t instanceof WildcardType w) {
            if (w.getLowerBounds().length > 0) {
                return Object.class;
            }
            return resolve(w.getUpperBounds()[0], env);
        }
        throw CodecFailure.encode("unknown kind of type " + t);
    }

    /**
     * The {@code index}-th type argument that {@code t} gives to its supertype {@code target}
     * ({@code Object} when it leaves it open), or null when {@code t} is not a {@code target}.
     */
    static Type argumentOf(Type t, Class<?> target, int index) {
        Class<?> raw = raw(t);
        if (!target.isAssignableFrom(raw)) {
            return null;
        }
        if (raw == target) {
            if (t instanceof ParameterizedType p) {
                return resolve(p.getActualTypeArguments()[index], Collections.emptyMap());
            }
            return raw(target.getTypeParameters()[index]);
        }
        Map<TypeVariable<?>, Type> env = env(t);
        Type sup = raw.getGenericSuperclass();
        if (sup != null) {
            Type r = argumentOf(resolve(sup, env), target, index);
            if (r != null) {
                return r;
            }
        }
        for (Type i : raw.getGenericInterfaces()) {
            Type r = argumentOf(resolve(i, env), target, index);
            if (r != null) {
                return r;
            }
        }
        return Object.class;
    }

    static String name(Type t) {
        if (t instanceof Class<?> c) {
            if (c.isArray()) {
                return name(c.getComponentType()) + "[]";
            }
            String n = c.getName();
            int dot = n.lastIndexOf('.');
            return dot < 0 ? n : n.substring(dot + 1);
        }
        if (t instanceof ParameterizedType p) {
            StringBuilder sb = new StringBuilder(name(p.getRawType())).append('<');
            Type[] args = p.getActualTypeArguments();
            for (int i = 0; i < args.length; i++) {
                sb.append(i == 0 ? "" : ", ").append(name(args[i]));
            }
            return sb.append('>').toString();
        }
        if (t instanceof GenericArrayType g) {
            return name(g.getGenericComponentType()) + "[]";
        }
        return t.getTypeName();
    }

    /** A parameterized type equal (and hash-equal) to the JDK's own for the same raw type and arguments. */
    static final class Parameterized implements ParameterizedType {
        private final Class<?> raw;
        private final Type[] args;
        private final Type owner;

        Parameterized(Class<?> raw, Type[] args, Type owner) {
            this.raw = raw;
            this.args = args;
            this.owner = owner;
        }

        @Override
        public Type[] getActualTypeArguments() {
            return args.clone();
        }

        @Override
        public Type getRawType() {
            return raw;
        }

        @Override
        public Type getOwnerType() {
            return owner;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof ParameterizedType p
                    && raw.equals(p.getRawType())
                    && Objects.equals(owner, p.getOwnerType())
                    && Arrays.equals(args, p.getActualTypeArguments());
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(args) ^ Objects.hashCode(owner) ^ Objects.hashCode(raw);
        }

        @Override
        public String toString() {
            return name(this);
        }
    }

    /** A generic array type equal (and hash-equal) to the JDK's own. */
    static final class GenericArray implements GenericArrayType {
        private final Type component;

        GenericArray(Type component) {
            this.component = component;
        }

        @Override
        public Type getGenericComponentType() {
            return component;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof GenericArrayType g && component.equals(g.getGenericComponentType());
        }

        @Override
        public int hashCode() {
            return Objects.hashCode(component);
        }

        @Override
        public String toString() {
            return name(this);
        }
    }
}
