package io.occams.rpc.examples;

import io.occams.rpc.api.ErrnoException;
import io.occams.rpc.api.RpcMethod;
import io.occams.rpc.api.RpcService;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * The Rust test suite's {@code EchoService} (spec §10 A1): {@code EchoService.repeat} echoes a string, and
 * {@code EchoService.io_error} (its Rust wire name) always fails with errno 5 ({@code EIO}), an errno frame.
 *
 * <p>Implementations are called from several threads at once.
 *
 * <pre>{@code
 * EchoService echo = client.proxy(EchoService.class, stream);
 * echo.repeat("Hello, world!");   // "Hello, world!"
 * echo.ioError("x");              // throws ErrnoException with errno() == 5
 * }</pre>
 */
@ConsumerType
@RpcService
public interface EchoService {
    /** {@code s}, unchanged. */
    String repeat(String s);

    /**
     * Always fails.
     *
     * @throws ErrnoException errno 5 ({@link ErrnoException#EIO})
     */
    @RpcMethod("io_error")
    void ioError(String s) throws ErrnoException;
}
