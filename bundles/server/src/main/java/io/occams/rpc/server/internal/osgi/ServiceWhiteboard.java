package io.occams.rpc.server.internal.osgi;

import io.occams.rpc.api.RpcService;
import io.occams.rpc.server.ServiceDispatcher;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.util.tracker.ServiceTracker;
import org.osgi.util.tracker.ServiceTrackerCustomizer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whiteboard of RPC services for one server: tracks every OSGi service whose registered interface is
 * annotated {@link RpcService}, or that names its interfaces in the property {@value #SERVICE_PROPERTY}, and
 * registers it in a dispatcher with its {@code service.ranking} (among equals, the one registered last wins).
 *
 * <p>Hot swap happens in the tracker callbacks, on the thread that registers or unregisters the service:
 * a new provider is offered at once; a leaving provider is withdrawn and {@link #removedService} returns
 * only when its in-flight calls finished (bounded by the dispatcher). Because the framework delivers the
 * unregistering event synchronously, this is what makes {@code Bundle.stop}, {@code update} and
 * {@code uninstall} of a service bundle wait for the calls running in it.
 */
final class ServiceWhiteboard implements ServiceTrackerCustomizer<Object, ServiceWhiteboard.Offered> {
    /** The service property naming the {@code @RpcService} interfaces a service is served under. */
    static final String SERVICE_PROPERTY = "occams.rpc.service";

    private static final Logger LOG = LoggerFactory.getLogger(ServiceWhiteboard.class);

    private final BundleContext context;
    private final ServiceDispatcher dispatcher;
    private final ServiceTracker<Object, Offered> tracker;

    ServiceWhiteboard(BundleContext context, ServiceDispatcher dispatcher) {
        this.context = context;
        this.dispatcher = dispatcher;
        try {
            this.tracker =
                    new ServiceTracker<>(context, context.createFilter("(" + Constants.OBJECTCLASS + "=*)"), this);
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    void open() {
        tracker.open(true);
    }

    /** Withdraws every provider (waiting for their calls, bounded) and stops tracking. */
    void close() {
        tracker.close();
    }

    @Override
    public Offered addingService(ServiceReference<Object> reference) {
        List<Class<?>> interfaces = rpcInterfaces(reference);
        if (interfaces.isEmpty()) {
            return null;
        }
        Object service = context.getService(reference);
        if (service == null) {
            return null;
        }
        Offered offered = new Offered(reference);
        for (Class<?> type : interfaces) {
            if (!type.isInstance(service)) {
                LOG.warn("service {} does not implement {}; not served under it", reference, type.getName());
                continue;
            }
            try {
                offered.registrations.add(register(type, service, ranking(reference)));
                LOG.debug("serving {} from {}", type.getName(), reference);
            } catch (RuntimeException e) {
                LOG.warn("cannot serve {} from {}: {}", type.getName(), reference, e.toString());
            }
        }
        if (offered.registrations.isEmpty()) {
            context.ungetService(reference);
            return null;
        }
        return offered;
    }

    @SuppressWarnings("unchecked")
    private ServiceDispatcher.Registration register(Class<?> type, Object service, int ranking) {
        return dispatcher.register((Class<Object>) type, service, ranking);
    }

    /** A new ranking: the provider is registered again with it, then its old registration drains. */
    @Override
    public void modifiedService(ServiceReference<Object> reference, Offered offered) {
        int ranking = ranking(reference);
        List<ServiceDispatcher.Registration> old = new ArrayList<>(offered.registrations);
        offered.registrations.clear();
        for (ServiceDispatcher.Registration r : old) {
            if (r.ranking() == ranking) {
                offered.registrations.add(r);
                continue;
            }
            try {
                offered.registrations.add(register(r.serviceInterface(), r.implementation(), ranking));
            } catch (RuntimeException e) {
                LOG.warn(
                        "cannot serve {} from {} with its new ranking: {}",
                        r.serviceInterface().getName(),
                        reference,
                        e.toString());
            }
            r.close();
        }
    }

    @Override
    public void removedService(ServiceReference<Object> reference, Offered offered) {
        try {
            for (ServiceDispatcher.Registration r : offered.registrations) {
                r.close(); // out of the table at once; waits, bounded by the drain timeout, for its calls
            }
        } finally {
            context.ungetService(reference);
        }
    }

    /** The {@code @RpcService} interfaces {@code reference} is served under; empty when none. */
    private List<Class<?>> rpcInterfaces(ServiceReference<?> reference) {
        Bundle bundle = reference.getBundle();
        if (bundle == null) {
            return List.of(); // unregistered meanwhile
        }
        Set<String> names = new LinkedHashSet<>(strings(reference.getProperty(SERVICE_PROPERTY)));
        boolean named = !names.isEmpty();
        if (!named) {
            names.addAll(strings(reference.getProperty(Constants.OBJECTCLASS)));
        }
        List<Class<?>> out = new ArrayList<>();
        for (String name : names) {
            Class<?> type;
            try {
                type = bundle.loadClass(name);
            } catch (ClassNotFoundException | RuntimeException | LinkageError e) {
                if (named) {
                    LOG.warn(
                            "service {} names {} in {}, which its bundle cannot load; ignored",
                            reference,
                            name,
                            SERVICE_PROPERTY);
                }
                continue;
            }
            if (type.isInterface() && isRpcService(type)) {
                out.add(type);
            } else if (named) {
                LOG.warn(
                        "service {} names {} in {}, which is no @RpcService interface; ignored",
                        reference,
                        name,
                        SERVICE_PROPERTY);
            }
        }
        return out;
    }

    /**
     * Whether {@code type} carries {@code @RpcService}; the contract class reads it through our own
     * {@link RpcService}, so a bundle wired to another copy of the api is refused with a warning.
     */
    private static boolean isRpcService(Class<?> type) {
        if (type.isAnnotationPresent(RpcService.class)) {
            return true;
        }
        for (java.lang.annotation.Annotation a : type.getAnnotations()) {
            if (a.annotationType().getName().equals(RpcService.class.getName())) {
                LOG.warn(
                        "{} is annotated with another copy of {} (its bundle is wired to another api bundle); not served",
                        type.getName(),
                        RpcService.class.getName());
            }
        }
        return false;
    }

    private static List<String> strings(Object v) {
        if (v instanceof String) {
            return List.of(((String) v).split("\\s*,\\s*"));
        }
        if (v instanceof String[]) {
            return List.of((String[]) v);
        }
        if (v instanceof java.util.Collection) {
            List<String> out = new ArrayList<>();
            for (Object o : (java.util.Collection<?>) v) {
                out.add(String.valueOf(o));
            }
            return out;
        }
        return List.of();
    }

    static int ranking(ServiceReference<?> reference) {
        Object r = reference.getProperty(Constants.SERVICE_RANKING);
        return r instanceof Integer ? (Integer) r : 0;
    }

    /** A service's providers in the dispatcher, one per interface it is served under. */
    static final class Offered {
        final ServiceReference<?> reference;
        final List<ServiceDispatcher.Registration> registrations = new ArrayList<>();

        Offered(ServiceReference<?> reference) {
            this.reference = reference;
        }
    }
}
