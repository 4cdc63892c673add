package io.occams.rpc.rsa.internal.osgi;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.occams.rpc.api.ClientConfig;
import io.occams.rpc.api.RpcAddress;
import io.occams.rpc.api.ServiceContract;
import io.occams.rpc.api.spi.Codec;
import io.occams.rpc.api.spi.Runtime;
import io.occams.rpc.client.RpcClient;
import io.occams.rpc.errors.ErrorCodecRegistry;
import io.occams.rpc.rsa.OccamsRemoteServices;
import io.occams.rpc.rsa.internal.ExportSettings;
import io.occams.rpc.rsa.internal.Imports;
import io.occams.rpc.rsa.internal.Servers;
import io.occams.rpc.server.ServiceDispatcher;
import java.lang.reflect.InvocationHandler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Function;
import org.apache.aries.rsa.spi.DistributionProvider;
import org.apache.aries.rsa.spi.Endpoint;
import org.apache.aries.rsa.spi.IntentUnsatisfiedException;
import org.osgi.annotation.bundle.Capability;
import org.osgi.framework.AllServiceListener;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceEvent;
import org.osgi.framework.ServiceListener;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.remoteserviceadmin.EndpointDescription;
import org.osgi.service.remoteserviceadmin.RemoteConstants;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Aries RSA distribution provider for the config type {@value OccamsRemoteServices#CONFIG_TYPE} (the
 * properties and rules are in {@link OccamsRemoteServices}).
 *
 * <p><b>Export.</b> Each exported interface is registered with the dispatcher of the server for the export's
 * {@code host:port} ({@link Servers}: one server per port, shared, lingering through a re-registration), as a
 * plain interface under its wire name. Closing the endpoint unregisters it and waits for its calls in flight
 * (the dispatcher's drain), so a service bundle's stop does not pull the implementation from under them.
 *
 * <p><b>Import.</b> The proxy is made by {@link Imports} over a failover pool. The 1.16.1 SPI has no close
 * hook for imports, so this component watches the proxy services RSA registers ({@code service.imported},
 * {@code endpoint.id}): when the last one of an endpoint is unregistered, the endpoint leaves its pool, and
 * the pool closes after a linger when it was the last. (With the 2.0 SPI, the returned
 * {@code ImportedService}'s close would call the same {@link Imports#release}.)
 *
 * <p><b>Runtimes</b> come from the registry (dynamic): a new export or import takes the one it names, or the
 * best ranked. Not done yet: moving servers and pools off a runtime that leaves (the server component's
 * generations do it); until then a runtime's departure breaks the exports and imports on it until they are
 * made again. Stopping the provider closes every server and pool.
 *
 * <p>Threading: SPI calls come from RSA's threads, listener calls from the framework's; the parts it uses
 * are thread-safe.
 */
@Capability(
        namespace = "osgi.remoteserviceadmin.distribution",
        attribute = "configs:List<String>=\"" + OccamsRemoteServices.CONFIG_TYPE + "\"",
        version = "1.1.0")
@Component(
        service = DistributionProvider.class,
        property = {
            RemoteConstants.REMOTE_CONFIGS_SUPPORTED + "=" + OccamsRemoteServices.CONFIG_TYPE,
            RemoteConstants.REMOTE_INTENTS_SUPPORTED + "=osgi.basic",
            RemoteConstants.REMOTE_INTENTS_SUPPORTED + "=osgi.async"
        })
public final class OccamsDistributionProvider implements DistributionProvider {
    private static final Logger LOG = LoggerFactory.getLogger(OccamsDistributionProvider.class);
    static final List<String> INTENTS = List.of("osgi.basic", "osgi.async");
    /** How long a server or pool without exports or imports stays, for a re-registration to find it. */
    static final Duration LINGER = Duration.ofSeconds(5);

    private static final String IMPORTED_FILTER =
            "(&(" + RemoteConstants.SERVICE_IMPORTED + "=*)(" + RemoteConstants.ENDPOINT_ID + "=*))";

    @Reference(target = "(occams.codec.format=0)")
    private Codec codec;

    @Reference
    private ErrorCodecRegistry errors;
    /** The runtimes, best ranked first. */
    @GuardedBy("runtimes")
    private final Map<ServiceReference<Runtime>, Runtime> runtimes = new TreeMap<>((a, b) -> b.compareTo(a));

    private BundleContext context;
    private Servers servers;
    private Imports imports;
    private ServiceListener importWatch;

    @Activate
    void activate(BundleContext context) throws InvalidSyntaxException {
        this.context = context;
        servers = new Servers(codec, errors, LINGER);
        imports = new Imports(RpcClient.builder().codec(codec).errors(errors).build(), ClientConfig.defaults(), LINGER);
        importWatch = (AllServiceListener) this::importChanged;
        context.addServiceListener(importWatch, IMPORTED_FILTER);
    }

    @Deactivate
    void deactivate() {
        context.removeServiceListener(importWatch);
        imports.close();
        servers.close();
    }

    @Reference(
            cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindRuntime(ServiceReference<Runtime> ref, Runtime runtime) {
        synchronized (runtimes) {
            runtimes.put(ref, runtime);
        }
    }

    void unbindRuntime(ServiceReference<Runtime> ref, Runtime runtime) {
        synchronized (runtimes) {
            runtimes.remove(ref);
        }
    }

    @Override
    public String[] getSupportedTypes() {
        return new String[] {OccamsRemoteServices.CONFIG_TYPE};
    }

    @Override
    @SuppressWarnings("rawtypes")
    public Endpoint exportService(
            Object service, BundleContext serviceContext, Map<String, Object> props, Class[] interfaces) {
        Set<String> intents = new LinkedHashSet<>();
        intents.addAll(strings(props.get(RemoteConstants.SERVICE_EXPORTED_INTENTS)));
        intents.addAll(strings(props.get(RemoteConstants.SERVICE_EXPORTED_INTENTS_EXTRA)));
        intents.removeAll(INTENTS);
        if (!intents.isEmpty()) {
            LOG.info(
                    "not exporting {}: unsupported intents {}",
                    props.get(RemoteConstants.ENDPOINT_SERVICE_ID),
                    intents);
            throw new IntentUnsatisfiedException(intents.iterator().next());
        }
        ExportSettings s = ExportSettings.from(props);
        Runtime runtime = runtime(s.runtime);
        String scope = s.scope();
        List<ServiceContract> contracts = new ArrayList<>();
        for (Class<?> iface : interfaces) {
            contracts.add(ServiceContract.of(iface, ExportSettings.wireName(scope, iface)));
        }
        Servers.Shared server = servers.acquire(s.host, s.port, runtime, s.runtime != null);
        List<ServiceDispatcher.Registration> regs = new ArrayList<>();
        try {
            for (ServiceContract c : contracts) {
                regs.add(server.register(c, service));
            }
        } catch (RuntimeException e) {
            for (ServiceDispatcher.Registration r : regs) {
                var unused = r.unregister(); // just registered: no call in flight to wait for
            }
            servers.release(server);
            throw e;
        }
        RpcAddress address = server.address();
        // The id carries all an importer needs (RSA core rebuilds a modified endpoint from the service's
        // properties, without ours): occams.tcp://host:port/<scope>/<uuid>.
        String id = "occams.tcp://" + hostPort(address) + "/" + scope + "/" + UUID.randomUUID();
        Map<String, Object> ep = new HashMap<>();
        for (Map.Entry<String, Object> e : props.entrySet()) {
            if (!e.getKey().startsWith("service.exported.")) {
                ep.put(e.getKey(), e.getValue());
            }
        }
        ep.put(RemoteConstants.ENDPOINT_ID, id);
        ep.put(RemoteConstants.SERVICE_IMPORTED_CONFIGS, new String[] {OccamsRemoteServices.CONFIG_TYPE});
        ep.put(RemoteConstants.SERVICE_INTENTS, INTENTS.toArray(new String[0]));
        ep.put(OccamsRemoteServices.ADDRESS, hostPort(address));
        ep.put(OccamsRemoteServices.ID, id);
        EndpointDescription description = new EndpointDescription(ep);
        LOG.debug("exported {} as {}", contracts, id);
        return new OccamsEndpoint(description, regs, server, servers);
    }

    @Override
    @SuppressWarnings("rawtypes")
    public Object importEndpoint(
            ClassLoader loader, BundleContext consumer, Class[] interfaces, EndpointDescription endpoint) {
        Map<String, Object> p = endpoint.getProperties();
        String id = endpoint.getId();
        String prefix = "occams.tcp://";
        int slash = id.startsWith(prefix) ? id.indexOf('/', prefix.length()) : -1;
        int last = id.lastIndexOf('/');
        if (slash < 0 || last <= slash + 1) {
            throw new IllegalArgumentException("not an occams.tcp endpoint id: " + id);
        }
        String address = id.substring(prefix.length(), slash);
        String scope = id.substring(slash + 1, last);
        Object name = p.get(OccamsRemoteServices.NAME);
        Duration timeout = Duration.ofMillis(timeoutMillis(p.get("osgi.basic.timeout")));
        Function<InvocationHandler, InvocationHandler> adapt = Function.identity();
        for (Class<?> c : interfaces) {
            if (PromiseAdapter.needed(c)) {
                adapt = PromiseAdapter::new;
            }
        }
        return imports.importEndpoint(
                id, scope, name != null, RpcAddress.parse(address), runtime(null), timeout, loader, interfaces, adapt);
    }

    /** A proxy service of an import changed; when the last one of its endpoint leaves, release the endpoint. */
    private void importChanged(ServiceEvent event) {
        if (event.getType() != ServiceEvent.UNREGISTERING) {
            return;
        }
        Object id = event.getServiceReference().getProperty(RemoteConstants.ENDPOINT_ID);
        if (!(id instanceof String) || !imports.imports((String) id)) {
            return;
        }
        try {
            ServiceReference<?>[] left = context.getAllServiceReferences(
                    null,
                    "(&(" + RemoteConstants.SERVICE_IMPORTED + "=*)(" + RemoteConstants.ENDPOINT_ID + "="
                            + escape((String) id) + "))");
            for (ServiceReference<?> r : left == null ? new ServiceReference<?>[0] : left) {
                if (!r.equals(event.getServiceReference())) {
                    return;
                }
            }
        } catch (InvalidSyntaxException e) {
            LOG.warn("endpoint id {} makes no filter", id, e);
        }
        imports.release((String) id);
    }

    private Runtime runtime(String name) {
        synchronized (runtimes) {
            for (Runtime r : runtimes.values()) {
                if (name == null || r.name().equals(name)) {
                    return r;
                }
            }
            List<String> names = new ArrayList<>();
            for (Runtime r : runtimes.values()) {
                names.add(r.name());
            }
            if (name == null) {
                throw new IllegalStateException("no occams runtime is registered");
            }
            throw new IllegalArgumentException(
                    OccamsRemoteServices.RUNTIME + ": no runtime named " + name + " (there are " + names + ")");
        }
    }

    static long timeoutMillis(Object v) {
        if (v == null) {
            return OccamsRemoteServices.DEFAULT_TIMEOUT_MILLIS;
        }
        long ms;
        try {
            ms = v instanceof Number
                    ? ((Number) v).longValue()
                    : Long.parseLong(v.toString().trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("osgi.basic.timeout: not a number of milliseconds: " + v);
        }
        if (ms <= 0) {
            throw new IllegalArgumentException("osgi.basic.timeout: must be > 0: " + v);
        }
        return ms;
    }

    private static String hostPort(RpcAddress a) {
        String h = a.host();
        return (h.indexOf(':') >= 0 ? "[" + h + "]" : h) + ":" + a.port();
    }

    private static List<String> strings(Object v) {
        List<String> out = new ArrayList<>();
        if (v instanceof String) {
            for (String s : ((String) v).split(",")) {
                if (!s.isBlank()) {
                    out.add(s.trim());
                }
            }
        } else if (v instanceof String[]) {
            for (String s : (String[]) v) {
                out.addAll(strings(s));
            }
        } else if (v instanceof Collection) {
            for (Object o : (Collection<?>) v) {
                out.addAll(strings(o));
            }
        }
        return out;
    }

    private static String escape(String s) {
        StringBuilder b = new StringBuilder();
        for (char c : s.toCharArray()) {
            if (c == '\\' || c == '(' || c == ')' || c == '*') {
                b.append('\\');
            }
            b.append(c);
        }
        return b.toString();
    }
}
