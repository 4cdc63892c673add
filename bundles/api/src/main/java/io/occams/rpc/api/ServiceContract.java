package io.occams.rpc.api;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What an {@link RpcService} interface means on the wire: the service name and, for each method, its
 * action, argument and result types and declared errors. Client proxies and the server's dispatcher
 * both read interfaces through this class, so the two sides cannot disagree.
 *
 * <p>Rules: the service name is {@link RpcService#value()} or the interface's simple name; a method's
 * wire name is {@link RpcMethod#value()} or its Java name; two methods may not share a wire name;
 * static and default methods are not part of the contract. Immutable, cached per interface.
 *
 * <pre>{@code
 * ServiceContract c = ServiceContract.of(CalService.class);
 * c.name();                          // "CalService"
 * c.method("add").action();          // "CalService.add"
 * }</pre>
 */
public final class ServiceContract {
    private static final ClassValue<ServiceContract> CACHE = new ClassValue<>() {
        @Override
        protected ServiceContract computeValue(Class<?> type) {
            return new ServiceContract(type);
        }
    };

    private final Class<?> type;
    private final String name;
    private final Map<String, MethodContract> byWireName;
    private final Map<Method, MethodContract> byMethod;

    private ServiceContract(Class<?> type) {
        this(type, annotatedName(type));
    }

    private ServiceContract(Class<?> type, String name) {
        if (!type.isInterface()) {
            throw new IllegalArgumentException(type.getName() + " is not an interface");
        }
        this.type = type;
        this.name = name;
        checkName(name, "service name of " + type.getName());
        Map<String, MethodContract> wire = new LinkedHashMap<>();
        Map<Method, MethodContract> methods = new LinkedHashMap<>();
        List<Method> all = new ArrayList<>(List.of(type.getMethods()));
        all.sort((a, b) -> a.getName().equals(b.getName())
                ? Integer.compare(a.getParameterCount(), b.getParameterCount())
                : a.getName().compareTo(b.getName()));
        for (Method m : all) {
            if (Modifier.isStatic(m.getModifiers()) || m.isDefault() || m.getDeclaringClass() == Object.class) {
                continue;
            }
            MethodContract mc = new MethodContract(this, m);
            MethodContract clash = wire.putIfAbsent(mc.wireName(), mc);
            if (clash != null) {
                throw new IllegalArgumentException(type.getName() + ": methods " + clash.method() + " and " + m
                        + " share the wire name \"" + mc.wireName() + "\"; give one an @RpcMethod name");
            }
            methods.put(m, mc);
        }
        this.byWireName = Collections.unmodifiableMap(wire);
        this.byMethod = Collections.unmodifiableMap(methods);
    }

    /**
     * The contract of {@code serviceInterface}.
     *
     * @throws IllegalArgumentException when it is not an {@code @RpcService} interface or two methods
     *         share a wire name
     */
    public static ServiceContract of(Class<?> serviceInterface) {
        return CACHE.get(serviceInterface);
    }

    /**
     * The contract of a plain interface, annotated {@link RpcService} or not, served under {@code name}
     * instead of the annotation's name. For bridges that expose interfaces they do not own (OSGi Remote
     * Services, say), where the annotation cannot be required. The method rules are those of
     * {@link #of(Class)} ({@link RpcMethod} names still apply). Not cached: the caller keeps it.
     *
     * @throws IllegalArgumentException when {@code type} is not an interface, {@code name} is empty or
     *         contains a dot, or two methods share a wire name
     */
    public static ServiceContract of(Class<?> type, String name) {
        return new ServiceContract(type, name);
    }

    private static String annotatedName(Class<?> type) {
        RpcService svc = type.getAnnotation(RpcService.class);
        if (!type.isInterface()) {
            throw new IllegalArgumentException(type.getName() + " is not an interface");
        }
        if (svc == null) {
            throw new IllegalArgumentException(type.getName() + " is not annotated @RpcService");
        }
        return svc.value().isEmpty() ? type.getSimpleName() : svc.value();
    }

    /** Whether {@code type} is an interface annotated {@link RpcService}. */
    public static boolean isService(Class<?> type) {
        return type.isInterface() && type.isAnnotationPresent(RpcService.class);
    }

    /** The interface. */
    public Class<?> type() {
        return type;
    }

    /** The service name on the wire. */
    public String name() {
        return name;
    }

    /** The methods, sorted by Java name. */
    public List<MethodContract> methods() {
        return List.copyOf(byWireName.values());
    }

    /** The method with wire name {@code wireName}, or null. */
    public MethodContract method(String wireName) {
        return byWireName.get(wireName);
    }

    /** The contract of interface method {@code m}, or null when it is not part of the contract. */
    public MethodContract method(Method m) {
        return byMethod.get(m);
    }

    static void checkName(String n, String what) {
        if (n.isEmpty() || n.indexOf('.') >= 0) {
            throw new IllegalArgumentException(what + " \"" + n + "\" must be non-empty and contain no dot");
        }
    }

    @Override
    public String toString() {
        return "ServiceContract[" + name + " " + byWireName.keySet() + "]";
    }
}
