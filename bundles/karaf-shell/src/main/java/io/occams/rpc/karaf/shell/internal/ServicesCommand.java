package io.occams.rpc.karaf.shell.internal;

import io.occams.rpc.api.introspect.ServiceInfo;
import io.occams.rpc.server.ServiceDispatcher;
import java.util.ArrayList;
import java.util.List;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.osgi.framework.BundleContext;

/**
 * {@code occams:services}: what each server serves, by which bundle and version, with the calls its providers
 * started, how many failed, and how many run now (counted since the providers registered).
 */
@Service
@Command(
        scope = "occams",
        name = "services",
        description =
                "Lists the services each occams-rpc server serves: provider bundle and version, calls, errors, in flight.")
public final class ServicesCommand implements Action {
    @Reference
    BundleContext context;

    @Override
    public Object execute() {
        List<String[]> rows = new ArrayList<>();
        rows.add(
                new String[] {"SERVER", "SERVICE", "PROVIDER", "VERSION", "PROVIDERS", "CALLS", "ERRORS", "IN-FLIGHT"});
        for (Servers.Named n : Servers.all(context)) {
            ServiceDispatcher d = n.server().dispatcher();
            for (ServiceInfo s : d.services()) {
                ServiceDispatcher.CallCounts c = d.callCounts(s.name());
                rows.add(new String[] {
                    n.name(),
                    s.name(),
                    String.valueOf(s.provider()),
                    String.valueOf(s.version()),
                    Integer.toString(s.providers()),
                    c == null ? "-" : Long.toString(c.calls()),
                    c == null ? "-" : Long.toString(c.errors()),
                    c == null ? "-" : Integer.toString(c.inFlight())
                });
            }
        }
        Servers.print(rows);
        return null;
    }
}
