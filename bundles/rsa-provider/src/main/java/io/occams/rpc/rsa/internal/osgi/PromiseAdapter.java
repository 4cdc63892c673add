package io.occams.rpc.rsa.internal.osgi;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.util.concurrent.CompletionStage;
import org.osgi.util.promise.PromiseFactory;

/**
 * Wraps an occams proxy handler so that methods returning an OSGi {@code Promise} return one: the occams
 * handler answers such a method with a {@code CompletableFuture} (it knows no Promise), turned here into a
 * Promise resolved with it. Loaded only when the Promise package is wired (an optional import).
 */
final class PromiseAdapter implements InvocationHandler {
    private static final PromiseFactory FACTORY = new PromiseFactory(PromiseFactory.inlineExecutor());
    private final InvocationHandler delegate;

    PromiseAdapter(InvocationHandler delegate) {
        this.delegate = delegate;
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
        Object r = delegate.invoke(proxy, method, args);
        if (method.getReturnType() == org.osgi.util.promise.Promise.class) {
            return FACTORY.resolvedWith((CompletionStage<?>) r);
        }
        return r;
    }

    /** Whether {@code type} has a method returning a Promise (of any class loader's Promise). */
    static boolean needed(Class<?> type) {
        for (Method m : type.getMethods()) {
            if (m.getReturnType().getName().equals("org.osgi.util.promise.Promise")) {
                return true;
            }
        }
        return false;
    }
}
