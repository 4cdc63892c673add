package io.occams.rpc.itest.rsa.api;

import java.util.concurrent.CompletableFuture;

/**
 * A plain interface (no {@code @RpcService}) exported through OSGi Remote Services. It lives on the test's class
 * path and both test frameworks get it from their system bundle, so the test calls proxies directly.
 */
public interface Greeter {
    String hello(String name);

    /** The benchmarks' small call. */
    long echo(long x);

    CompletableFuture<String> helloAsync(String name);

    /** Blocks until the test lets it go ({@link #release}). */
    String hold(String name);

    /** Lets every held call return. */
    void release();
}
