package io.occams.rpc.itest.rsa;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Filter;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.remoteserviceadmin.EndpointDescription;
import org.osgi.service.remoteserviceadmin.EndpointEvent;
import org.osgi.service.remoteserviceadmin.EndpointEventListener;
import org.osgi.util.tracker.ServiceTracker;

/**
 * A discovery between two frameworks in one JVM, doing what a real one does: it listens, in the exporting
 * framework, to the endpoints its topology manager announces, and hands them to the importing framework's
 * endpoint event listeners whose scope matches (replaying the current endpoints to listeners that come
 * later). The RSA API is shared by both frameworks (system bundle), so events pass as they are.
 */
final class TestDiscovery implements EndpointEventListener, AutoCloseable {
    private final Map<String, EndpointDescription> current = new ConcurrentHashMap<>();
    private final ServiceRegistration<EndpointEventListener> registration;
    private final ServiceTracker<EndpointEventListener, EndpointEventListener> listeners;
    private final ServiceReference<?> self;

    TestDiscovery(BundleContext exporter, BundleContext importer) {
        java.util.Hashtable<String, Object> props = new java.util.Hashtable<>();
        props.put(
                ENDPOINT_LISTENER_SCOPE,
                "(&(objectClass=*)(endpoint.framework.uuid=" + exporter.getProperty("org.osgi.framework.uuid") + "))");
        registration = exporter.registerService(EndpointEventListener.class, this, props);
        self = registration.getReference();
        listeners = new ServiceTracker<>(importer, EndpointEventListener.class, null) {
            @Override
            public EndpointEventListener addingService(ServiceReference<EndpointEventListener> ref) {
                EndpointEventListener l = super.addingService(ref);
                for (EndpointDescription d : current.values()) {
                    deliver(ref, l, new EndpointEvent(EndpointEvent.ADDED, d));
                }
                return l;
            }

            @Override
            public void modifiedService(ServiceReference<EndpointEventListener> ref, EndpointEventListener l) {
                for (EndpointDescription d : current.values()) {
                    deliver(ref, l, new EndpointEvent(EndpointEvent.ADDED, d));
                }
            }
        };
        listeners.open(true);
    }

    @Override
    public void endpointChanged(EndpointEvent event, String filter) {
        EndpointDescription d = event.getEndpoint();
        if (event.getType() == EndpointEvent.REMOVED) {
            current.remove(d.getId());
        } else {
            current.put(d.getId(), d);
        }
        ServiceReference<EndpointEventListener>[] refs = listeners.getServiceReferences();
        for (ServiceReference<EndpointEventListener> r :
                refs == null ? List.<ServiceReference<EndpointEventListener>>of() : List.of(refs)) {
            EndpointEventListener l = listeners.getService(r);
            if (l != null) {
                deliver(r, l, event);
            }
        }
    }

    private void deliver(ServiceReference<?> ref, EndpointEventListener l, EndpointEvent event) {
        if (ref.equals(self)) {
            return;
        }
        for (String scope : scopes(ref.getProperty(ENDPOINT_LISTENER_SCOPE))) {
            try {
                Filter f = FrameworkUtil.createFilter(scope);
                if (f.matches(event.getEndpoint().getProperties())) {
                    l.endpointChanged(event, scope);
                    return;
                }
            } catch (InvalidSyntaxException e) {
                // not a scope we can match
            }
        }
    }

    private static List<String> scopes(Object v) {
        List<String> out = new ArrayList<>();
        if (v instanceof String) {
            out.add((String) v);
        } else if (v instanceof String[]) {
            out.addAll(List.of((String[]) v));
        } else if (v instanceof Collection) {
            for (Object o : (Collection<?>) v) {
                out.add(String.valueOf(o));
            }
        }
        return out;
    }

    @Override
    public void close() {
        listeners.close();
        try {
            registration.unregister();
        } catch (IllegalStateException e) {
            // the framework stopped first
        }
    }
}
