package io.occams.rpc.server.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.occams.rpc.api.MethodContract;
import io.occams.rpc.api.RpcCode;
import io.occams.rpc.api.RpcException;
import io.occams.rpc.api.spi.Binding;
import io.occams.rpc.api.spi.Codec;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Method;
import java.util.concurrent.CompletionStage;

/**
 * One method of one provider, bound once at registration: a {@link MethodHandle} on the implementation
 * taking the argument array, the codec's argument binding and its result binding. Calls do no
 * reflection lookups. Immutable and thread-safe.
 */
public final class MethodInvoker {
    private static final MethodType SPREAD = MethodType.methodType(Object.class, Object[].class);

    private final MethodContract contract;
    private final MethodHandle handle;
    private final Binding<Object[]> arguments;
    private final Binding<Object> result;
    /** The positions of the primitive parameters (a nil there is a decode failure), and their types. */
    private final int[] primitiveAt;

    private final Class<?>[] primitiveType;
    /** Whether the result is a {@code ByteBuf}: taken by the server and released once encoded. */
    private final boolean bufferResult;

    private MethodInvoker(
            MethodContract contract, MethodHandle handle, Binding<Object[]> arguments, Binding<Object> result) {
        this.contract = contract;
        this.handle = handle;
        this.arguments = arguments;
        this.result = result;
        Class<?>[] types = contract.method().getParameterTypes();
        int n = 0;
        for (Class<?> t : types) {
            n += t.isPrimitive() ? 1 : 0;
        }
        this.bufferResult = contract.resultType() == ByteBuf.class;
        this.primitiveAt = new int[n];
        this.primitiveType = new Class<?>[n];
        for (int i = 0, j = 0; i < types.length; i++) {
            if (types[i].isPrimitive()) {
                primitiveAt[j] = i;
                primitiveType[j++] = types[i];
            }
        }
    }

    /**
     * Binds {@code contract}'s method to {@code impl} and to {@code codec}.
     *
     * @throws IllegalArgumentException when the method cannot be reached or a type cannot be bound
     */
    public static MethodInvoker bind(MethodContract contract, Object impl, Codec codec) {
        Method m = contract.method();
        MethodHandle mh;
        try {
            mh = unreflect(m);
        } catch (IllegalAccessException | RuntimeException e) {
            throw new IllegalArgumentException(
                    "cannot call " + m + " of " + impl.getClass().getName() + ": " + e.getMessage(), e);
        }
        mh = mh.bindTo(impl);
        Class<?> rt = m.getReturnType();
        if (contract.isAsync() && !java.util.concurrent.CompletionStage.class.isAssignableFrom(rt)) {
            // An OSGi Promise (MethodContract): answered through its own toCompletionStage().
            try {
                mh = MethodHandles.filterReturnValue(
                        mh,
                        MethodHandles.publicLookup()
                                .findVirtual(
                                        rt,
                                        "toCompletionStage",
                                        java.lang.invoke.MethodType.methodType(
                                                java.util.concurrent.CompletionStage.class)));
            } catch (NoSuchMethodException | IllegalAccessException e) {
                throw new IllegalArgumentException(m + ": " + rt.getName() + " has no public toCompletionStage()", e);
            }
        }
        mh = mh.asSpreader(Object[].class, m.getParameterCount()).asType(SPREAD);
        Binding<Object[]> args;
        Binding<Object> res;
        try {
            args = codec.argumentsBinding(contract.parameterTypes());
            res = codec.binding(contract.resultType());
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(
                    contract.action() + ": the codec cannot bind its types: " + e.getMessage(), e);
        }
        return new MethodInvoker(contract, mh, args, res);
    }

    private static MethodHandle unreflect(Method m) throws IllegalAccessException {
        Module self = MethodInvoker.class.getModule();
        Module target = m.getDeclaringClass().getModule();
        if (self.isNamed() && !self.canRead(target)) {
            // A service interface in a module we do not require statically (it was registered at run time).
            self.addReads(target);
        }
        String pkg = m.getDeclaringClass().getPackageName();
        if (target.isNamed() && !target.isExported(pkg, self) && !target.isOpen(pkg, self)) {
            // The module path's rule, said plainly (the codec says the same for its types): the server
            // reaches the interface only through an exported (or open) package.
            throw new IllegalArgumentException(m.getDeclaringClass().getName() + " is in package " + pkg
                    + ", which module " + target.getName() + " does not export: add \"exports " + pkg
                    + ";\" to its module-info.java (or open the package)");
        }
        try {
            return MethodHandles.lookup().unreflect(m);
        } catch (IllegalAccessException notPublic) {
            // A non-public interface (package-private, or in a package exported to nobody): callable when
            // its module is open to us, as the class path is.
            if (m.trySetAccessible()) {
                return MethodHandles.lookup().unreflect(m);
            }
            throw notPublic;
        }
    }

    public MethodContract contract() {
        return contract;
    }

    /** Whether the method returns a future (invoked on the reader, answered on completion). */
    public boolean isAsync() {
        return contract.isAsync();
    }

    /** Whether the method runs on the reader: it returns a future or is marked {@code @NonBlocking}. */
    public boolean runsOnReader() {
        return contract.isNonBlocking();
    }

    /**
     * Decodes the arguments from {@code msg} (borrowed; its indexes are left as they are).
     *
     * @throws RpcException with {@code DECODE} when the bytes are not this method's arguments, or leave
     *         bytes over
     */
    public Object[] decodeArguments(ByteBuf msg) {
        // Decoded in place (no duplicate): the binding moves the reader index only on success, and it is
        // put back below whatever happens.
        int start = msg.readerIndex();
        Object[] args;
        int left;
        try {
            args = arguments.decode(msg);
            left = msg.readableBytes();
        } catch (RpcException e) {
            throw e.code() == RpcCode.DECODE ? e : new RpcException(RpcCode.DECODE, e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new RpcException(RpcCode.DECODE, contract.action() + ": " + e, e);
        } finally {
            msg.readerIndex(start);
        }
        if (left > 0) {
            throw new RpcException(RpcCode.DECODE, contract.action() + ": " + left + " bytes left after the arguments");
        }
        for (int j = 0; j < primitiveAt.length; j++) {
            int i = primitiveAt[j];
            if (args[i] == null) {
                throw new RpcException(
                        RpcCode.DECODE, contract.action() + ": argument " + i + " is nil for a " + primitiveType[j]);
            }
        }
        return args;
    }

    /**
     * Calls the method; throws what it throws. A {@code ByteBuf} result is the server's to release
     * ({@link #encodeResult}); one of the (borrowed) arguments returned as it is gets a reference of its
     * own first, so that returning an argument, as an echo does, is right.
     */
    public Object invoke(Object[] args) throws Throwable {
        Object r = (Object) handle.invokeExact(args);
        if (!bufferResult || r == null) {
            return r;
        }
        if (!isAsync()) {
            return own(r, args);
        }
        if (r instanceof CompletionStage<?> stage) {
            return stage.thenApply(v -> own(v, args));
        }
        return r;
    }

    private static Object own(Object r, Object[] args) {
        for (Object a : args) {
            if (a == r) {
                ((ByteBuf) r).retain();
                break;
            }
        }
        return r;
    }

    /**
     * The buffer to encode {@code result} into, of which the caller owns one reference: for a
     * {@code ByteBuf} result, a long {@code String} or a large {@code byte[]} a composite, into which the
     * codec puts the large payload as a buffer of its own (a {@code ByteBuf} as it is, no copy; a string
     * or array in a direct buffer of its exact size), so the reply goes to the socket as encoded; else the
     * thread's {@link ReplyBuffer} (give it back with {@link ReplyBuffer#done}), which needs no allocation.
     */
    public ByteBuf replyBuffer(ByteBufAllocator alloc, Object result) {
        if (bufferResult
                || result instanceof String s && s.length() >= LARGE_RESULT
                || result instanceof byte[] b && b.length >= LARGE_RESULT) {
            return alloc.compositeDirectBuffer();
        }
        return ReplyBuffer.take(alloc);
    }

    /** Strings (chars) and arrays (bytes) of at least this length are encoded into a composite reply. */
    static final int LARGE_RESULT = 64 * 1024;

    /**
     * Appends the encoding of {@code value} as the method's result to {@code out} (borrowed). A
     * {@code ByteBuf} value is released, encoded or not: {@code out} holds what it needs of it.
     */
    public void encodeResult(Object value, ByteBuf out) {
        try {
            result.encode(value, out);
        } finally {
            if (bufferResult && value instanceof ByteBuf b) {
                b.release();
            }
        }
    }

    @Override
    public String toString() {
        return contract.action();
    }
}
