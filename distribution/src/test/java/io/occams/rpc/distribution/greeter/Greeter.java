package io.occams.rpc.distribution.greeter;

import io.occams.rpc.api.RpcService;

/** The contract of the service bundle the test drops into deploy/: {@code Greeter.greet}. */
@RpcService
public interface Greeter {
    String greet(String name);
}
