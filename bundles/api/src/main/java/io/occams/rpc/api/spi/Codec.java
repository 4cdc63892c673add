package io.occams.rpc.api.spi;

import java.lang.reflect.Type;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * Turns Java values into the structured message of a frame and back. A codec is identified by its
 * {@link #format() format byte} (0 = msgpack, the only one occams-rpc 0.2 peers speak).
 *
 * <p>Call {@link #binding(Type)} once per type and keep the result: a binding holds everything the
 * codec learned about the type, so encoding and decoding do no reflection lookups.
 *
 * <p>Implementations are thread-safe and immutable (any mutable state is internal and synchronized).
 *
 * <pre>{@code
 * Binding<Point> b = codec.binding(Point.class);
 * b.encode(new Point(10, 20), buf);      // appends 82 a1 78 0a a1 79 14
 * Point p = b.decode(buf);
 * }</pre>
 */
@ConsumerType
public interface Codec {
    /** The msgpack format byte. */
    int MSGPACK = 0;

    /** The format byte this codec speaks. */
    int format();

    /**
     * The binding of {@code type} (a {@code Class} or a parameterized type such as
     * {@code List<String>}); built on first use, cached afterwards.
     *
     * @throws io.occams.rpc.api.RpcException with {@code ENCODE} when the type cannot be bound
     */
    <T> Binding<T> binding(Type type);

    /**
     * The binding of a method's argument list, as the wire wants it: no argument is nil, one argument
     * is the value itself, several are an array (the Rust tuple).
     */
    Binding<Object[]> argumentsBinding(Type... parameterTypes);

    /**
     * The default codec, for clients and servers built outside OSGi: the first {@link #MSGPACK} codec that
     * {@link java.util.ServiceLoader} offers through this module's class loader (the module path, the
     * class path), then through the thread's context class loader. A provider that fails to load is
     * logged and skipped.
     *
     * @throws IllegalStateException when there is none (inside OSGi, take the {@code Codec} service instead)
     */
    static Codec loadDefault() {
        return DefaultCodec.load();
    }
}
