package io.occams.rpc.api;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Declares that a synchronous method of an {@link RpcService} interface is cheap and never blocks, so
 * the server runs it on the connection's reader, where it answers a method returning a future, instead
 * of handing it to another thread. On an interface it applies to every method of the interface.
 *
 * <p>Why: a synchronous method is otherwise run off the reader (on a virtual thread, or a bounded pool
 * on Java 17), because a method may sleep, wait for a lock or do I/O, and a reader that blocks stops
 * every call of its connection. The hand-off costs little (calls read together share one thread), but a
 * few arithmetic instructions cost less still. Only declare it for methods that return in microseconds
 * and never wait: a method declared so that blocks holds up its whole connection while it runs.
 * Clients ignore it.
 *
 * <pre>{@code
 * @RpcService
 * public interface Clock {
 *     @NonBlocking long now();          // runs on the reader
 *     String report(String day);        // may block: runs off the reader
 * }
 * }</pre>
 *
 * @since 0.2
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.METHOD, ElementType.TYPE})
public @interface NonBlocking {}
