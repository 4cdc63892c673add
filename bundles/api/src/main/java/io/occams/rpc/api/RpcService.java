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
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface RpcService {
    /** The service name on the wire; empty means the interface's simple name. */
    String value() default "";
}
