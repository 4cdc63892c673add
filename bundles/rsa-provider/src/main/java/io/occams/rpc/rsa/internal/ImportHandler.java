package io.occams.rpc.rsa.internal;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.util.Map;

/**
 * The handler of an imported proxy, which may implement several interfaces: each method goes to the occams
 * handler of the interface that declares it (or inherits it). {@code equals}, {@code hashCode} and
 * {@code toString} are answered here. Immutable.
 */
final class ImportHandler implements InvocationHandler {
    private final Map<Class<?>, InvocationHandler> byInterface;
    private final String what;

    ImportHandler(Map<Class<?>, InvocationHandler> byInterface, String what) {
        this.byInterface = byInterface;
        this.what = what;
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
        Class<?> declaring = method.getDeclaringClass();
        if (declaring == Object.class) {
            switch (method.getName()) {
                case "equals":
                    return proxy == args[0];
                case "hashCode":
                    return System.identityHashCode(proxy);
                default:
                    return "occams.tcp import of " + what;
            }
        }
        InvocationHandler h = byInterface.get(declaring);
        if (h == null) {
            for (Map.Entry<Class<?>, InvocationHandler> e : byInterface.entrySet()) {
                if (declaring.isAssignableFrom(e.getKey())) {
                    h = e.getValue();
                    break;
                }
            }
        }
        if (h == null) {
            throw new UnsupportedOperationException(method + " is not part of " + what);
        }
        return h.invoke(proxy, method, args);
    }
}
