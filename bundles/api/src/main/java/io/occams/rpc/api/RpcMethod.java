package io.occams.rpc.api;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Optional per-method settings of a service interface: the wire name (to interoperate with services
 * written in other languages, e.g. {@code @RpcMethod("io_error") void ioError(String s)}) and whether
 * the method is idempotent (then a failover pool may retry it after a timeout, or after its connection
 * broke once the request was written).
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface RpcMethod {
    /** The method name on the wire; empty means the Java name. */
    String value() default "";

    /** Whether running the call twice is harmless, so a call that timed out or lost its connection may be retried elsewhere. */
    boolean idempotent() default false;
}
