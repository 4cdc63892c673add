package io.occams.rpc.rsa.internal.osgi;

import io.occams.rpc.rsa.internal.Servers;
import io.occams.rpc.server.ServiceDispatcher;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.aries.rsa.spi.Endpoint;
import org.osgi.service.remoteserviceadmin.EndpointDescription;

/**
 * One export: its description and its registrations on a shared server. {@link #close()} unregisters them
 * at once (new calls park for the server's swap grace, then go to a re-registration), waits for the calls
 * they still run (the dispatcher's drain timeout bounds it), and releases the server. Idempotent.
 */
final class OccamsEndpoint implements Endpoint {
    private final EndpointDescription description;
    private final List<ServiceDispatcher.Registration> registrations;
    private final Servers.Shared server;
    private final Servers servers;
    private boolean closed;

    OccamsEndpoint(
            EndpointDescription description,
            List<ServiceDispatcher.Registration> registrations,
            Servers.Shared server,
            Servers servers) {
        this.description = description;
        this.registrations = registrations;
        this.server = server;
        this.servers = servers;
    }

    @Override
    public EndpointDescription description() {
        return description;
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        CompletableFuture<?>[] drained = new CompletableFuture<?>[registrations.size()];
        for (int i = 0; i < drained.length; i++) {
            drained[i] = registrations.get(i).unregister();
        }
        for (ServiceDispatcher.Registration r : registrations) {
            r.close(); // unregistered already: waits for its calls, at most the drain timeout
        }
        servers.release(server);
    }

    @Override
    public String toString() {
        return "OccamsEndpoint[" + description.getId() + "]";
    }
}
