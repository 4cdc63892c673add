package io.occams.rpc.client.internal;

import io.occams.rpc.api.MethodContract;
import io.occams.rpc.api.spi.Binding;
import io.occams.rpc.api.spi.Codec;
import java.lang.reflect.Method;
import java.util.List;

/**
 * Everything one call of one method needs, prepared once: the action bytes, the bindings of the argument
 * list and of the result, the declared errors and what may be thrown. Immutable.
 */
final class MethodPlan {
    final MethodContract contract;
    final String action;
    final byte[] actionBytes;
    final Binding<Object[]> arguments;
    /** The result's binding; null for {@code void}/{@code Void}, whose reply message is ignored. */
    final Binding<Object> result;

    final List<Class<? extends Throwable>> declaredErrors;
    /** The exception types the method declares (all of them), for the checked-exception check. */
    final Class<?>[] throwable;

    final boolean async;
    final boolean idempotent;
    /** What an empty reply decodes to: null, or the primitive result's zero (boxed). */
    final Object emptyValue;
    /** The result's primitive type, or null; a null result of a primitive method is a decode failure. */
    final Class<?> primitive;

    MethodPlan(MethodContract c, Codec codec) {
        this.contract = c;
        this.action = c.action();
        this.actionBytes = c.actionBytes();
        this.arguments = codec.argumentsBinding(c.parameterTypes());
        Method m = c.method();
        boolean isVoid = c.resultType() == Void.class || c.resultType() == void.class;
        this.result = isVoid ? null : codec.binding(c.resultType());
        this.declaredErrors = c.declaredErrors();
        this.throwable = m.getExceptionTypes();
        this.async = c.isAsync();
        this.idempotent = c.isIdempotent();
        Class<?> rt = m.getReturnType();
        this.primitive = !async && rt.isPrimitive() && rt != void.class ? rt : null;
        this.emptyValue = primitive == null ? null : zero(primitive);
    }

    /** Whether {@code t} may leave the method as it is: unchecked, or an instance of a declared type. */
    boolean mayThrow(Throwable t) {
        if (t instanceof RuntimeException || t instanceof Error) {
            return true;
        }
        for (Class<?> c : throwable) {
            if (c.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    private static Object zero(Class<?> p) {
        if (p == boolean.class) {
            return Boolean.FALSE;
        } else if (p == char.class) {
            return (char) 0;
        } else if (p == byte.class) {
            return (byte) 0;
        } else if (p == short.class) {
            return (short) 0;
        } else if (p == int.class) {
            return 0;
        } else if (p == long.class) {
            return 0L;
        } else if (p == float.class) {
            return 0f;
        }
        return 0d;
    }

    @Override
    public String toString() {
        return action;
    }
}
