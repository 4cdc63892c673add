package io.occams.rpc.api;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a Java interface as an occams-rpc service contract. Calls travel as the string action
 * {@code "<name>.<method>"}; the name defaults to the interface's simple name, as the Rust seed
 * uses the trait name.
 *
 * <pre>{@code
 * @RpcService
 * public interface CalService {
 *     long inc(long x);
 *     long add(long a, long b);                       // sent as the msgpack array [a, b]
 *     CompletableFuture<Long> div(long a, long b) throws MessageException;
 * }
 * }</pre>
 *
 * <p><b>Where a server runs each method</b>, and why. A plain synchronous method ({@code inc}, {@code add})
 * may block, so it runs off the connection's reader: on a virtual thread where the JVM has them (Java
 * 21+, under either runtime), on a bounded pool on Java 17. Calls read together share one hand-off, and
 * a call that blocks never holds up the others, of its connection or of another. A method returning
 * {@code CompletableFuture} or {@code CompletionStage} ({@code div}) runs on the reader and must return
 * at once; it is answered when its future completes. A synchronous method that is cheap and never waits
 * may say so with {@link NonBlocking @NonBlocking} (on the method or the interface) and runs on the reader
 * as well. Calls beyond the server's limits on unanswered calls are not refused: the server stops
 * reading that connection until calls complete.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface RpcService {
    /** The service name on the wire; empty means the interface's simple name. */
    String value() default "";
}
