package io.occams.rpc.itest.rsa;

import io.occams.rpc.itest.rsa.api.Greeter;
import java.util.Hashtable;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.launch.Framework;
import org.osgi.service.remoteserviceadmin.ExportReference;
import org.osgi.service.remoteserviceadmin.RemoteServiceAdmin;
import org.osgi.util.tracker.ServiceTracker;

/**
 * An exporting framework in a JVM of its own, for {@link RemoteServicesIT}'s kill: exports a Greeter ("child")
 * under {@code occams.tcp.name} {@code args[0]}, prints {@code ENDPOINT <endpoint.id>}, then waits to be killed.
 */
public final class ExporterMain {
    private ExporterMain() {
    }

    public static void main(String[] args) throws Exception {
        Framework fw = RemoteServicesIT.start("rsa-child-" + ProcessHandle.current().pid());
        BundleContext b = fw.getBundleContext();
        Hashtable<String, Object> props = RemoteServicesIT.exportProps("killed");
        props.put("occams.tcp.name", args[0]);
        b.registerService(Greeter.class, new RemoteServicesIT.Impl("child"), props);
        ServiceTracker<RemoteServiceAdmin, RemoteServiceAdmin> rsas = new ServiceTracker<>(b, RemoteServiceAdmin.class, null);
        rsas.open();
        for (int i = 0; i < 600; i++) {
            for (ServiceReference<RemoteServiceAdmin> r : rsas.getServiceReferences() == null ? new ServiceReference[0] : rsas.getServiceReferences()) {
                for (ExportReference e : rsas.getService(r).getExportedServices()) {
                    if (e.getExportedEndpoint() != null && "killed".equals(e.getExportedEndpoint().getProperties().get("test.case"))) {
                        System.out.println("ENDPOINT " + e.getExportedEndpoint().getId());
                        System.out.flush();
                        System.in.read(); // until killed (or the parent's stdin closes)
                        fw.stop();
                        return;
                    }
                }
            }
            Thread.sleep(100); // polling RSA for the topology manager's export: there is no event for "exported" here
        }
        System.out.println("NO EXPORT");
        fw.stop();
    }
}
