package io.occams.rpc.itest.rsa;

import io.occams.rpc.itest.rsa.api.Greeter;
import java.util.Hashtable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.framework.launch.Framework;
import org.osgi.service.remoteserviceadmin.EndpointDescription;
import org.osgi.service.remoteserviceadmin.ExportReference;
import org.osgi.service.remoteserviceadmin.RemoteServiceAdminEvent;
import org.osgi.service.remoteserviceadmin.RemoteServiceAdminListener;

/**
 * An exporting framework in a JVM of its own, for {@link RemoteServicesIT}'s kill: exports a Greeter ("child")
 * under {@code occams.tcp.name} {@code args[0]}, prints {@code ENDPOINT <endpoint.id>} when RSA reports the export
 * (its {@code EXPORT_REGISTRATION} event), then waits to be killed.
 */
public final class ExporterMain {
    private ExporterMain() {}

    public static void main(String[] args) throws Exception {
        Framework fw =
                RemoteServicesIT.start("rsa-child-" + ProcessHandle.current().pid());
        BundleContext b = fw.getBundleContext();
        CompletableFuture<String> exported = new CompletableFuture<>();
        // Registered before the service: the topology manager's export comes after, and RSA tells its listeners.
        ServiceRegistration<RemoteServiceAdminListener> listener = b.registerService(
                RemoteServiceAdminListener.class,
                event -> {
                    ExportReference ref = event.getExportReference();
                    EndpointDescription ep = ref == null ? null : ref.getExportedEndpoint();
                    if (event.getType() == RemoteServiceAdminEvent.EXPORT_REGISTRATION
                            && ep != null
                            && "killed".equals(ep.getProperties().get("test.case"))) {
                        exported.complete(ep.getId());
                    } else if (event.getType() == RemoteServiceAdminEvent.EXPORT_ERROR) {
                        exported.completeExceptionally(event.getException());
                    }
                },
                null);
        Hashtable<String, Object> props = RemoteServicesIT.exportProps("killed");
        props.put("occams.tcp.name", args[0]);
        b.registerService(Greeter.class, new RemoteServicesIT.Impl("child"), props);
        try {
            System.out.println("ENDPOINT " + exported.get(60, TimeUnit.SECONDS));
            System.out.flush();
            System.in.read(); // until killed (or the parent's stdin closes)
        } catch (TimeoutException | java.util.concurrent.ExecutionException e) {
            System.out.println("NO EXPORT " + e);
        } finally {
            listener.unregister();
            fw.stop();
        }
    }
}
