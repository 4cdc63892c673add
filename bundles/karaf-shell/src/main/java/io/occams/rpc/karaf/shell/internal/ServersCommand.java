package io.occams.rpc.karaf.shell.internal;

import io.occams.rpc.api.RpcAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.osgi.framework.BundleContext;

/** {@code occams:servers}: every listening occams-rpc server with its addresses, runtime, connections and calls in flight. */
@Service
@Command(
        scope = "occams",
        name = "servers",
        description = "Lists the occams-rpc servers: addresses, runtime, connections, calls in flight.")
public final class ServersCommand implements Action {
    @Reference
    BundleContext context;

    @Override
    public Object execute() {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"NAME", "RUNTIME", "ADDRESSES", "CONNECTIONS", "IN-FLIGHT"});
        for (Servers.Named n : Servers.all(context)) {
            rows.add(new String[] {
                n.name(),
                n.server().runtime().name(),
                n.server().addresses().stream().map(RpcAddress::toString).collect(Collectors.joining(",")),
                Integer.toString(n.server().connectionCount()),
                Integer.toString(n.server().inFlight())
            });
        }
        Servers.print(rows);
        return null;
    }
}
