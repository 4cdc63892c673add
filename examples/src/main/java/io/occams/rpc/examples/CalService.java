package io.occams.rpc.examples;

import io.occams.rpc.api.MessageException;
import io.occams.rpc.api.RpcService;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * The Rust test suite's {@code CalService} (spec §10 A1): on the wire {@code CalService.inc} takes the
 * number itself ({@code 41} is {@code 29}), {@code add} and {@code div} a two-element array (the Rust tuple:
 * {@code (10, 20)} is {@code 92 0a 14}), and every result is a msgpack integer.
 *
 * <p>Implemented by the examples bundle (and by any user who wants to); served by a {@code ServiceDispatcher},
 * called through a client proxy. Implementations are called from several threads at once.
 *
 * <pre>{@code
 * CalService cal = client.proxy(CalService.class, stream);
 * cal.inc(41);       // 42
 * cal.div(10, 0);    // throws MessageException("divide by zero"), a string frame
 * }</pre>
 */
@ConsumerType
@RpcService
public interface CalService {
    /** {@code x + 1}. */
    long inc(long x);

    /** {@code a + b}. */
    long add(long a, long b);

    /**
     * {@code a / b}.
     *
     * @throws MessageException {@code "divide by zero"} when {@code b} is 0
     */
    long div(long a, long b) throws MessageException;
}
