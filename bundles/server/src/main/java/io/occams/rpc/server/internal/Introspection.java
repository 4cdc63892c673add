package io.occams.rpc.server.internal;

import io.occams.rpc.api.MethodContract;
import io.occams.rpc.api.ServiceContract;
import io.occams.rpc.api.introspect.MethodInfo;
import io.occams.rpc.api.introspect.ParameterInfo;
import io.occams.rpc.api.introspect.ProviderOrigin;
import io.occams.rpc.api.introspect.ServiceInfo;
import java.lang.module.ModuleDescriptor;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Method;
import java.lang.reflect.Parameter;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.net.URL;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Turns service contracts into the {@link ServiceInfo} records of the reflection service: methods,
 * parameter names, Java types and wire kinds; and finds a provider's origin where nothing better is told
 * (a named module's name and version, else the jar's manifest, else the jar's file name). Stateless.
 */
public final class Introspection {
    private Introspection() {}

    /** The description of {@code contract} served by {@code providers} providers, the first from {@code origin}. */
    public static ServiceInfo describe(ServiceContract contract, ProviderOrigin origin, int providers) {
        List<MethodInfo> methods = new ArrayList<>();
        for (MethodContract mc : contract.methods()) {
            methods.add(method(mc));
        }
        return new ServiceInfo(
                contract.name(),
                contract.type().getName(),
                origin.name(),
                origin.version(),
                providers,
                List.copyOf(methods));
    }

    static MethodInfo method(MethodContract mc) {
        Method m = mc.method();
        Parameter[] ps = m.getParameters();
        Type[] types = mc.parameterTypes();
        List<ParameterInfo> params = new ArrayList<>();
        for (int i = 0; i < ps.length; i++) {
            params.add(new ParameterInfo(ps[i].getName(), typeName(types[i]), kind(types[i]), ps[i].isNamePresent()));
        }
        Type result = mc.resultType();
        boolean isVoid = result == Void.class;
        List<String> errors = new ArrayList<>();
        for (Class<?> e : mc.declaredErrors()) {
            errors.add(e.getName());
        }
        return new MethodInfo(
                mc.wireName(),
                mc.action(),
                List.copyOf(params),
                isVoid ? "void" : typeName(result),
                isVoid ? "nil" : kind(result),
                mc.isAsync(),
                mc.isIdempotent(),
                List.copyOf(errors));
    }

    /** A Java type's name as a person writes it: {@code long}, {@code String}, {@code List<String>}. */
    public static String typeName(Type t) {
        if (t instanceof Class<?>) {
            Class<?> c = (Class<?>) t;
            if (c.isArray()) {
                return typeName(c.getComponentType()) + "[]";
            }
            return c.getName().startsWith("java.") ? c.getSimpleName() : c.getName();
        }
        if (t instanceof ParameterizedType) {
            ParameterizedType p = (ParameterizedType) t;
            StringBuilder b = new StringBuilder(typeName(p.getRawType())).append('<');
            Type[] args = p.getActualTypeArguments();
            for (int i = 0; i < args.length; i++) {
                b.append(i > 0 ? ", " : "").append(typeName(args[i]));
            }
            return b.append('>').toString();
        }
        if (t instanceof GenericArrayType) {
            return typeName(((GenericArrayType) t).getGenericComponentType()) + "[]";
        }
        return t.getTypeName();
    }

    /** The msgpack shape a value of {@code t} takes (see {@link ParameterInfo#kind()}). */
    public static String kind(Type t) {
        Class<?> c = raw(t);
        if (c == null || c == Object.class) {
            return "any";
        }
        if (c == void.class || c == Void.class) {
            return "nil";
        }
        if (c == long.class
                || c == int.class
                || c == short.class
                || c == byte.class
                || c == Long.class
                || c == Integer.class
                || c == Short.class
                || c == Byte.class
                || c == java.math.BigInteger.class) {
            return "int";
        }
        if (c == double.class || c == float.class || c == Double.class || c == Float.class) {
            return "float";
        }
        if (c == boolean.class || c == Boolean.class) {
            return "bool";
        }
        if (c == String.class
                || c == char.class
                || c == Character.class
                || CharSequence.class.isAssignableFrom(c)
                || c.isEnum()) {
            return "string";
        }
        if (c == byte[].class || c.getName().equals("io.netty.buffer.ByteBuf") || c == java.nio.ByteBuffer.class) {
            return "bytes";
        }
        if (c.isArray() || Collection.class.isAssignableFrom(c)) {
            return "array";
        }
        if (Map.class.isAssignableFrom(c)) {
            return "map";
        }
        if (c == Optional.class && t instanceof ParameterizedType) {
            return kind(((ParameterizedType) t).getActualTypeArguments()[0]);
        }
        return "struct";
    }

    private static Class<?> raw(Type t) {
        if (t instanceof Class<?>) {
            return (Class<?>) t;
        }
        if (t instanceof ParameterizedType) {
            return raw(((ParameterizedType) t).getRawType());
        }
        if (t instanceof GenericArrayType) {
            return Object[].class;
        }
        return null;
    }

    /** Where {@code impl} comes from when nobody said: its module, its jar's manifest, its jar's name. */
    public static ProviderOrigin defaultOrigin(Class<?> impl) {
        Module m = impl.getModule();
        if (m.isNamed()) {
            ModuleDescriptor d = m.getDescriptor();
            return new ProviderOrigin(
                    m.getName(), d == null ? "" : d.rawVersion().orElse(""));
        }
        Package p = impl.getPackage();
        String title = p == null ? null : p.getImplementationTitle();
        String version = p == null ? null : p.getImplementationVersion();
        if (title != null) {
            return new ProviderOrigin(title, version == null ? "" : version);
        }
        try {
            CodeSource cs = impl.getProtectionDomain().getCodeSource();
            URL u = cs == null ? null : cs.getLocation();
            if (u != null) {
                String path = u.getPath();
                if (path.endsWith("/")) {
                    path = path.substring(0, path.length() - 1);
                }
                return new ProviderOrigin(path.substring(path.lastIndexOf('/') + 1), version == null ? "" : version);
            }
        } catch (SecurityException | IllegalStateException e) {
            // no code source to read: unknown
        }
        return ProviderOrigin.UNKNOWN;
    }
}
