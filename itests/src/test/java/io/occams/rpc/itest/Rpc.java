package io.occams.rpc.itest;

import io.occams.rpc.api.spi.Codec;
import io.occams.rpc.client.RpcClient;
import io.occams.rpc.errors.ErrorCodecRegistry;
import io.occams.rpc.stream.Caller;
import java.io.IOException;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.concurrent.TimeUnit;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Filter;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.util.tracker.ServiceTracker;

/**
 * What the OSGi scenario tests do through the registry, the way a user's bundle would: create server and
 * client configurations in Configuration Admin, find the server's bound address, and build a proxy over
 * the {@code Caller} service of a client configuration with the framework's codec and error-codec
 * registry. Runs inside the framework. Classes of the server, pool and runtime bundles are never loaded
 * here (services are found by class name), so refreshing those bundles leaves the probe alone.
 */
final class Rpc {
    static final String SERVER_PID = "io.occams.rpc.server";
    static final String CLIENT_PID = "io.occams.rpc.client";
    static final String SERVER_CLASS = "io.occams.rpc.server.RpcServer";
    static final long WAIT_MILLIS = 20_000;

    private final BundleContext context;
    private final ConfigurationAdmin cm;

    Rpc(BundleContext context, ConfigurationAdmin cm) {
        this.context = context;
        this.cm = cm;
    }

    /** A new factory configuration of {@code factoryPid} with {@code props} (key, value, key, value, ...). */
    Configuration configure(String factoryPid, Object... props) throws IOException {
        Configuration c = cm.createFactoryConfiguration(factoryPid, "?");
        c.update(dictionary(props));
        return c;
    }

    static Dictionary<String, Object> dictionary(Object... props) {
        Hashtable<String, Object> d = new Hashtable<>();
        for (int i = 0; i < props.length; i += 2) {
            d.put((String) props[i], props[i + 1]);
        }
        return d;
    }

    /** The first service matching {@code filter}, waiting for it. */
    <T> T await(Class<T> type, String filter) throws Exception {
        return type.cast(awaitObject("(&(objectClass=" + type.getName() + ")" + (filter == null ? "" : filter) + ")"));
    }

    Object awaitObject(String filter) throws Exception {
        ServiceTracker<Object, Object> t = new ServiceTracker<>(context, FrameworkUtil.createFilter(filter), null);
        t.open(true);
        try {
            Object s = t.waitForService(WAIT_MILLIS);
            if (s == null) {
                throw new AssertionError("no service " + filter + " within " + WAIT_MILLIS + " ms" + diagnose(context));
            }
            return s;
        } finally {
            t.close();
        }
    }

    /** The service reference of the server made from {@code config}, waiting for it to listen. */
    ServiceReference<?> server(Configuration config) throws Exception {
        String f =
                "(&(objectClass=" + SERVER_CLASS + ")(service.pid=" + config.getPid() + ")(occams.server.addresses=*))";
        awaitObject(f);
        // getAllServiceReferences: the class-space check of getServiceReferences would make Felix wire the
        // probe's DynamicImport-Package * to the server bundle, and a refresh of that bundle would restart the probe.
        return context.getAllServiceReferences(SERVER_CLASS, "(service.pid=" + config.getPid() + ")")[0];
    }

    /** The first bound address of the server made from {@code config}. */
    String address(Configuration config) throws Exception {
        Object a = server(config).getProperty("occams.server.addresses");
        return a instanceof String[] ? ((String[]) a)[0] : String.valueOf(a);
    }

    /** The runtime the server made from {@code config} serves on now. */
    String runtime(Configuration config) throws Exception {
        return (String) server(config).getProperty("occams.runtime");
    }

    /** What DS says of our components, and which bundles are not active: for failure messages. */
    static String diagnose(BundleContext context) {
        StringBuilder sb = new StringBuilder();
        for (org.osgi.framework.Bundle b : context.getBundles()) {
            if (b.getState() != org.osgi.framework.Bundle.ACTIVE
                    && b.getHeaders().get("Fragment-Host") == null) {
                sb.append("\n  bundle ")
                        .append(b.getSymbolicName())
                        .append(" state ")
                        .append(b.getState());
            }
        }
        ServiceReference<org.osgi.service.component.runtime.ServiceComponentRuntime> ref =
                context.getServiceReference(org.osgi.service.component.runtime.ServiceComponentRuntime.class);
        if (ref != null) {
            org.osgi.service.component.runtime.ServiceComponentRuntime scr = context.getService(ref);
            for (org.osgi.service.component.runtime.dto.ComponentDescriptionDTO d : scr.getComponentDescriptionDTOs()) {
                if (!d.name.startsWith("io.occams")) {
                    continue;
                }
                for (org.osgi.service.component.runtime.dto.ComponentConfigurationDTO c :
                        scr.getComponentConfigurationDTOs(d)) {
                    sb.append("\n  ").append(d.name).append(" state ").append(c.state);
                    if (c.failure != null) {
                        sb.append(": ").append(c.failure);
                    }
                    for (org.osgi.service.component.runtime.dto.UnsatisfiedReferenceDTO u : c.unsatisfiedReferences) {
                        sb.append(" unsatisfied ").append(u.name);
                    }
                }
            }
            context.ungetService(ref);
        }
        return sb.toString();
    }

    /** A tracker of the {@code Caller} of client configuration {@code config}; open. */
    ServiceTracker<Caller, Caller> caller(Configuration config) throws InvalidSyntaxException {
        Filter f = FrameworkUtil.createFilter(
                "(&(objectClass=" + Caller.class.getName() + ")(service.pid=" + config.getPid() + "))");
        ServiceTracker<Caller, Caller> t = new ServiceTracker<>(context, f, null);
        t.open();
        return t;
    }

    /** A client with the framework's codec (format 0) and error-codec registry. */
    RpcClient client() throws Exception {
        return RpcClient.builder()
                .codec(await(Codec.class, "(occams.codec.format=0)"))
                .errors(await(ErrorCodecRegistry.class, null))
                .build();
    }

    /** The {@code Caller} of {@code tracker}, waiting for it. */
    static Caller current(ServiceTracker<Caller, Caller> tracker) {
        try {
            Caller c = tracker.waitForService(WAIT_MILLIS);
            if (c == null) {
                throw new AssertionError("no Caller within " + WAIT_MILLIS + " ms"
                        + diagnose(
                                tracker.getClass() == null
                                        ? null
                                        : org.osgi.framework.FrameworkUtil.getBundle(Rpc.class)
                                                .getBundleContext()));
            }
            return c;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    static long millisSince(long startNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }
}
