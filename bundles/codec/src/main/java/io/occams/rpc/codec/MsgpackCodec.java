package io.occams.rpc.codec;

import io.occams.rpc.api.spi.Binding;
import io.occams.rpc.api.spi.Codec;
import io.occams.rpc.codec.internal.Binder;
import java.lang.reflect.Type;

/**
 * The msgpack codec (format byte 0): Java values to and from exactly the bytes rmp-serde writes in
 * "named" mode (spec §3), so Java and Rust occams-rpc peers read each other's messages.
 *
 * <h2>Mapping</h2>
 * <table>
 * <caption>Java type to msgpack</caption>
 * <tr><th>Java</th><th>msgpack (encode)</th><th>also decoded from</th></tr>
 * <tr><td>{@code null}, {@code void}/{@code Void}, {@code Optional.empty()}</td><td>nil {@code c0}</td><td>(Void: anything)</td></tr>
 * <tr><td>{@code boolean}</td><td>{@code c2}/{@code c3}</td><td></td></tr>
 * <tr><td>{@code byte short int long}, {@code BigInteger}</td><td>the smallest integer form
 *     ({@code 41 -> 29}, {@code -1 -> ff})</td><td>any integer width, range-checked</td></tr>
 * <tr><td>{@code float} / {@code double}</td><td>float32 {@code ca} / float64 {@code cb}</td><td>any float or integer</td></tr>
 * <tr><td>{@code char}, {@code String}</td><td>str (fixstr, str8/16/32)</td><td>bin (strict UTF-8)</td></tr>
 * <tr><td>{@code byte[]}</td><td>bin</td><td>str; an array of integers</td></tr>
 * <tr><td>{@code io.netty.buffer.ByteBuf}, only as a whole parameter or result</td><td>bin of its readable
 *     bytes; into a {@code CompositeByteBuf} target a large one is added as a retained slice, not copied</td>
 *     <td>str; decoded as a slice of the input, not a copy (borrowed: valid as long as the input)</td></tr>
 * <tr><td>{@code Collection}, {@code List}, {@code Set}, arrays</td><td>array</td><td></td></tr>
 * <tr><td>{@code Map}</td><td>map</td><td></td></tr>
 * <tr><td>{@code Optional<T>}</td><td>nil or the value</td><td></td></tr>
 * <tr><td>enum</td><td>the constant's name as a str</td><td></td></tr>
 * <tr><td>record, JavaBean</td><td>map of property name to value, in declaration order</td>
 *     <td>an array (by position); unknown keys skipped, missing ones left at their default</td></tr>
 * <tr><td>{@code Object}, interfaces</td><td>by the value's runtime class</td>
 *     <td>natural values: Long, Double, String, byte[], ArrayList, LinkedHashMap</td></tr>
 * </table>
 *
 * <p>A record {@code Point(int a, int b)} with {@code a=10, b=20}:
 * <pre>
 *  82          map of 2
 *  a1 61       "a"
 *  0a          10
 *  a1 62       "b"
 *  14          20
 * </pre>
 * JavaBeans are the non-static, non-transient fields of a class and its superclasses (superclass
 * first) that have a public getter ({@code getX()}, {@code isX()}, or {@code x()}) or are public;
 * they are set through {@code setX(..)} or the public field, after a no-argument constructor. Names
 * are used verbatim: a Rust field {@code ret_size} is a Java component {@code ret_size}.
 *
 * <h2>Use</h2>
 * Call {@link #binding(Type)} once per type and keep the result: it holds method handles made when
 * the type was bound, and encoding or decoding does no reflection. Asking again returns the same
 * instance. Generic types are bound through their {@link Type} ({@code List<Point>}, {@code
 * Map<String, List<Long>>}).
 * <pre>{@code
 * Codec codec = new MsgpackCodec();
 * Binding<Point> points = codec.binding(Point.class);
 * points.encode(new Point(10, 20), buf);       // appends 82 a1 61 0a a1 62 14
 * Point p = points.decode(buf);                 // reads them back, advancing buf's reader index
 * Binding<Object[]> add = codec.argumentsBinding(int.class, int.class);
 * add.encode(new Object[] {10, 20}, buf);       // appends 92 0a 14, the tuple (10, 20)
 * }</pre>
 *
 * <h2>Bad input</h2>
 * Decoding never trusts a length: a str, bin, array or map header that claims more than the bytes
 * that follow fails with {@link io.occams.rpc.api.RpcCode#DECODE} before anything is allocated, and
 * values may nest at most {@link #maxDepth()} levels (on encode too, which also stops a cyclic
 * object graph). A failure names where it happened ({@code "Outer.inner.a: expected int, got
 * str"}), leaves the input's reader index where it was and, on encode, the output's writer index
 * where it was.
 *
 * <h2>Threads and buffers</h2>
 * Immutable and thread-safe; bindings are too. Buffers given to a binding are borrowed: written or
 * read, never released. Packers and unpackers come from a small shared pool, so a call allocates
 * little beyond the values it creates.
 *
 * <p>Registered for {@link java.util.ServiceLoader} ({@code provides io.occams.rpc.api.spi.Codec}).
 */
public final class MsgpackCodec implements Codec {
    /** The default limit on how deeply values nest: {@value}. */
    public static final int DEFAULT_MAX_DEPTH = 256;

    private final Binder binder;

    /** A codec with the default nesting limit ({@value #DEFAULT_MAX_DEPTH}). */
    public MsgpackCodec() {
        this(DEFAULT_MAX_DEPTH);
    }

    /**
     * A codec whose values may nest at most {@code maxDepth} levels (a scalar at the top is level 0).
     *
     * @throws IllegalArgumentException when {@code maxDepth < 1}
     */
    public MsgpackCodec(int maxDepth) {
        this.binder = new Binder(maxDepth);
    }

    /** {@link Codec#MSGPACK}. */
    @Override
    public int format() {
        return MSGPACK;
    }

    /** How deeply values may nest, on encode and on decode. */
    public int maxDepth() {
        return binder.maxDepth();
    }

    /**
     * The binding of {@code type}; built on first use (with everything it refers to) and cached, so
     * the same type always gives the same instance.
     *
     * @throws io.occams.rpc.api.RpcException with {@code ENCODE} when the type has no msgpack form
     *     (a platform class such as {@code java.time.Instant}, a class with private fields and no
     *     getters, a member the codec may not access)
     * @throws NullPointerException when {@code type} is null
     */
    @Override
    public <T> Binding<T> binding(Type type) {
        return binder.bind(type);
    }

    /**
     * The binding of a method's argument list (spec §7.1): none is nil ({@code c0}), and decodes from
     * anything to an empty array; one is the value itself; several are a msgpack array of exactly
     * that many (a Rust tuple; another count fails with {@code DECODE}). An empty buffer decodes to
     * the parameters' defaults. Cached per list of types.
     *
     * @throws io.occams.rpc.api.RpcException with {@code ENCODE} when a parameter type has no msgpack form
     */
    @Override
    public Binding<Object[]> argumentsBinding(Type... parameterTypes) {
        return binder.bindArguments(parameterTypes);
    }

    @Override
    public String toString() {
        return "MsgpackCodec[format=0, maxDepth=" + binder.maxDepth() + "]";
    }
}
