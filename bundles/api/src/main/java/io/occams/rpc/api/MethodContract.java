package io.occams.rpc.api;

import java.lang.reflect.Method;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * One method of a {@link ServiceContract}: its action {@code "<Service>.<method>"}, what it takes and
 * returns, and the errors it declares. Immutable.
 *
 * <p>Arguments cross the wire as the Rust seed's single argument: none is nil, one is the value,
 * several are an array. A method returning {@code CompletableFuture<T>} or {@code CompletionStage<T>}
 * (or OSGi's {@code Promise<T>}, served by the server and called through the Remote Services provider)
 * is asynchronous and its result type is {@code T}; {@code void} (and {@code Void}) answer nil.
 */
public final class MethodContract {
    /**
     * OSGi's Promise (named, not linked: the api needs no OSGi). Asynchronous as well: the server answers
     * through its {@code toCompletionStage()}; a client proxy's handler returns a CompletableFuture, which
     * only a bridge that makes Promises (the Remote Services provider) can hand out.
     */
    private static final String PROMISE = "org.osgi.util.promise.Promise";

    private final ServiceContract service;
    private final Method method;
    private final String wireName;
    private final String action;
    private final byte[] actionBytes;
    private final Type[] parameterTypes;
    private final Type resultType;
    private final boolean async;
    private final boolean idempotent;
    private final boolean nonBlocking;
    private final List<Class<? extends Throwable>> declaredErrors;

    MethodContract(ServiceContract service, Method m) {
        this.service = service;
        this.method = m;
        RpcMethod ann = m.getAnnotation(RpcMethod.class);
        this.wireName = ann == null || ann.value().isEmpty() ? m.getName() : ann.value();
        if (wireName.isEmpty()) {
            throw new IllegalArgumentException(m + ": empty wire name");
        }
        this.idempotent = ann != null && ann.idempotent();
        this.nonBlocking = m.isAnnotationPresent(NonBlocking.class)
                || m.getDeclaringClass().isAnnotationPresent(NonBlocking.class)
                || service.type().isAnnotationPresent(NonBlocking.class);
        this.action = service.name() + "." + wireName;
        this.actionBytes = action.getBytes(StandardCharsets.UTF_8);
        this.parameterTypes = m.getGenericParameterTypes();
        Class<?> raw = m.getReturnType();
        if (raw == CompletableFuture.class
                || raw == CompletionStage.class
                || raw.getName().equals(PROMISE)) {
            this.async = true;
            Type g = m.getGenericReturnType();
            if (!(g instanceof ParameterizedType)) {
                throw new IllegalArgumentException(
                        m + ": give the future a type argument, e.g. CompletableFuture<Long>");
            }
            this.resultType = ((ParameterizedType) g).getActualTypeArguments()[0];
        } else {
            this.async = false;
            this.resultType = raw == void.class ? Void.class : m.getGenericReturnType();
        }
        List<Class<? extends Throwable>> errs = new ArrayList<>();
        for (Class<?> e : m.getExceptionTypes()) {
            if (!RpcException.class.isAssignableFrom(e)) {
                errs.add(e.asSubclass(Throwable.class));
            }
        }
        this.declaredErrors = List.copyOf(errs);
    }

    public ServiceContract service() {
        return service;
    }

    /** The interface method. */
    public Method method() {
        return method;
    }

    /** The method's name on the wire. */
    public String wireName() {
        return wireName;
    }

    /** The string action, {@code "<Service>.<method>"}. */
    public String action() {
        return action;
    }

    /** The action in UTF-8; shared, do not change. */
    public byte[] actionBytes() {
        return actionBytes;
    }

    /** The generic parameter types (a copy). */
    public Type[] parameterTypes() {
        return parameterTypes.clone();
    }

    /** The result type: the future's type argument for async methods, {@code Void.class} for void. */
    public Type resultType() {
        return resultType;
    }

    /** Whether the method returns a future. */
    public boolean isAsync() {
        return async;
    }

    /**
     * Whether the method, its interface or the service interface is marked {@link NonBlocking}: a
     * server then runs it on the connection's reader. Always true of a method that returns a future.
     *
     * @since 0.2
     */
    public boolean isNonBlocking() {
        return nonBlocking || async;
    }

    /** Whether the method is marked {@link RpcMethod#idempotent()}. */
    public boolean isIdempotent() {
        return idempotent;
    }

    /** The exceptions the method declares, in declaration order, RpcException and its subclasses left out. */
    public List<Class<? extends Throwable>> declaredErrors() {
        return declaredErrors;
    }

    @Override
    public String toString() {
        return action;
    }
}
