package io.occams.rpc.pool;

import io.occams.rpc.api.RpcAddress;
import java.util.List;
import java.util.function.Consumer;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * Where the addresses of a service come from when a client configuration ({@code io.occams.rpc.client})
 * names a {@code service} and a {@code discovery} instead of listing {@code addresses}: an OSGi service
 * with the property {@value #NAME} set to the discovery's name, registered by a discovery bundle (the
 * ZooKeeper one registers one per connection). The pool bundle only consumes it, so it depends on no
 * discovery.
 */
@ConsumerType
public interface AddressSource {
    /** The service property that names the discovery. */
    String NAME = "occams.discovery.name";

    /**
     * Follows the addresses of {@code service}: {@code listener} gets the whole current list once it is
     * known and again after every change, on the source's own thread; it must not block. While the
     * source cannot reach its registry no call comes (the last list stands). Closing the returned handle
     * stops it.
     */
    AutoCloseable follow(String service, Consumer<List<RpcAddress>> listener);
}
