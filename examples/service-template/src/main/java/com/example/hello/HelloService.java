package com.example.hello;

import io.occams.rpc.api.MessageException;
import io.occams.rpc.api.RpcService;

/**
 * The contract: an interface annotated {@code @RpcService}. Its simple name is the service name on the
 * wire, so {@code hello} is called as {@code HelloService.hello} ({@code occams call HelloService.hello world}).
 * Arguments and results are msgpack: numbers, strings, booleans, lists, maps, records. A declared
 * {@link MessageException} is the service's own error: its text goes to the caller as an error string.
 */
@RpcService
public interface HelloService {
    /** {@code "hello, <name>"}. */
    String hello(String name);

    /**
     * The number of characters of {@code text}.
     *
     * @throws MessageException {@code "empty text"} when {@code text} is empty
     */
    int length(String text) throws MessageException;
}
