package io.occams.rpc.client.internal;

import io.occams.rpc.api.MethodContract;
import io.occams.rpc.api.spi.Binding;
import io.occams.rpc.api.spi.Codec;
import java.lang.reflect.Method;
import java.util.List;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Everything one call of one method needs, prepared once: the action bytes, the bindings of the argument
 * list and of the result, the declared errors and what may be thrown; and the stream tasks its calls
 * gave back for reuse ({@link #take}, {@link #recycle}). Thread-safe.
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

    /** A power of two: the spare tasks' slots, one per calling thread (by id) modulo this. */
    private static final int STRIPES = 8;
    /** References from one slot to the next: 64 bytes or more, so no two slots share a cache line. */
    private static final int SPACING = 16;
    /**
     * One spare {@link ProxyCall} per stripe, given back by the completion of the last call that used it and
     * taken by the next call made on a thread of that stripe: a reader thread that makes the next call from
     * a completion, as a pipelining client does, takes back the task it just gave. One slot a cache line
     * apart per stripe, so that readers on two cores do not take one line from each other per call (the
     * lesson of the server's provider counts, benchmarks/README.md).
     */
    private final AtomicReferenceArray<ProxyCall> spares = new AtomicReferenceArray<>((STRIPES + 1) * SPACING);

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

    /** A stream task for a call of this method: a spare one given back by an earlier call, or a new one. */
    ProxyCall take() {
        int i = slot();
        // A plain look first: a thread whose calls complete elsewhere finds its slot empty, without a locked write.
        ProxyCall c = spares.get(i) == null ? null : spares.getAndSet(i, null);
        return c != null ? c : new ProxyCall(this);
    }

    /**
     * Keeps {@code c}, which its caller completed and forgot (and which no deadline holds), for the next call
     * made on a thread of this one's stripe; one in the slot already is dropped.
     */
    void recycle(ProxyCall c) {
        spares.lazySet(slot(), c);
    }

    private static int slot() {
        @SuppressWarnings("deprecation") // Thread.threadId() is Java 19+; the bundle runs on 17
        int s = (((int) Thread.currentThread().getId() & (STRIPES - 1)) + 1) * SPACING;
        return s;
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
