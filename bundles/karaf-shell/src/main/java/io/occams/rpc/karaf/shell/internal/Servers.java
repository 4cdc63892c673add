package io.occams.rpc.karaf.shell.internal;

import io.occams.rpc.server.RpcServer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;

/**
 * The {@link RpcServer}s registered now (the server component registers each while it listens), with the
 * name the commands show: the configuration's {@code name}, else its PID, else the service id.
 */
final class Servers {
    /** One server and the name the commands show it under. */
    record Named(String name, RpcServer server) {}

    private Servers() {}

    /** The servers, ordered by service id; each is got and ungot again (the commands use it briefly). */
    static List<Named> all(BundleContext context) {
        Collection<ServiceReference<RpcServer>> refs;
        try {
            refs = context.getServiceReferences(RpcServer.class, null);
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
        List<ServiceReference<RpcServer>> sorted = new ArrayList<>(refs);
        sorted.sort((a, b) ->
                Long.compare((Long) a.getProperty(Constants.SERVICE_ID), (Long) b.getProperty(Constants.SERVICE_ID)));
        List<Named> out = new ArrayList<>();
        for (ServiceReference<RpcServer> ref : sorted) {
            RpcServer s = context.getService(ref);
            if (s != null) {
                context.ungetService(ref);
                out.add(new Named(name(ref), s));
            }
        }
        return out;
    }

    private static String name(ServiceReference<?> ref) {
        for (String key : new String[] {"name", Constants.SERVICE_PID}) {
            Object v = ref.getProperty(key);
            if (v != null) {
                return String.valueOf(v);
            }
        }
        return "#" + ref.getProperty(Constants.SERVICE_ID);
    }

    /** Prints {@code rows} as columns, the first row being the header. */
    static void print(List<String[]> rows) {
        int[] width = new int[rows.get(0).length];
        for (String[] r : rows) {
            for (int i = 0; i < r.length; i++) {
                width[i] = Math.max(width[i], r[i].length());
            }
        }
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < r.length; i++) {
                line.append(r[i]);
                if (i < r.length - 1) {
                    line.append(" ".repeat(width[i] - r[i].length() + 2));
                }
            }
            System.out.println(line);
        }
    }
}
