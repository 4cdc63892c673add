package io.occams.rpc.examples;

import io.occams.rpc.api.MessageException;
import io.occams.rpc.api.RpcService;
import java.util.concurrent.CompletableFuture;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * {@link CalService} with futures: the same service on the wire (name {@code "CalService"}, same methods,
 * same bytes), so either interface can call a server that implements the other. On a server, its
 * methods are invoked on the connection's reader and must return at once; on a client, its calls never
 * block. A failed division completes the future exceptionally with a {@link MessageException}.
 *
 * <pre>{@code
 * AsyncCalService cal = client.proxy(AsyncCalService.class, stream);
 * cal.add(10, 20).thenAccept(sum -> ...);   // 30
 * }</pre>
 */
@ConsumerType
@RpcService("CalService")
public interface AsyncCalService {
    /** {@code x + 1}. */
    CompletableFuture<Long> inc(long x);

    /** {@code a + b}. */
    CompletableFuture<Long> add(long a, long b);

    /**
     * {@code a / b}; fails with {@link MessageException} {@code "divide by zero"} when {@code b} is 0.
     *
     * @throws MessageException never thrown: it completes the future. Declared because a client proxy maps
     *         a string error frame only into the exceptions a method declares, async ones included
     */
    CompletableFuture<Long> div(long a, long b) throws MessageException;
}
