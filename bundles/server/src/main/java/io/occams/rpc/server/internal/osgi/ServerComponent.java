package io.occams.rpc.server.internal.osgi;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.occams.rpc.api.RpcAddress;
import io.occams.rpc.api.ServerConfig;
import io.occams.rpc.api.introspect.ProviderOrigin;
import io.occams.rpc.api.spi.Codec;
import io.occams.rpc.api.spi.ConfigProperties;
import io.occams.rpc.api.spi.Runtime;
import io.occams.rpc.api.spi.RuntimePreference;
import io.occams.rpc.errors.ErrorCodecRegistry;
import io.occams.rpc.server.Authorizer;
import io.occams.rpc.server.RpcServer;
import io.occams.rpc.server.ServiceDispatcher;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.framework.SynchronousBundleListener;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One occams-rpc server per factory configuration of {@value #PID}: it listens where the configuration
 * says, on the runtime it names, and serves every {@code @RpcService} OSGi service of the framework (the
 * whiteboard, see {@link ServiceWhiteboard}). The properties are listed in the server bundle's package
 * documentation ({@code io.occams.rpc.server}).
 *
 * <p>While it listens, the server is itself registered as an {@link RpcServer} service carrying the
 * configuration's properties plus {@code occams.server.addresses} (the bound addresses, with the real
 * port when 0 was asked for) and {@code occams.runtime} (the runtime in use).
 *
 * <p><b>Generations.</b> What listens is a <em>generation</em>: an {@link RpcServer} on one runtime. A
 * runtime that leaves, or a configuration that changes, replaces the generation without dropping an
 * accepted call: the old one stops accepting (which frees its addresses), the new one binds them (the same
 * port when 0 was asked for, so clients reconnect to the address they know), and only then does the old
 * one stop reading, answer every call it accepted and close its connections (bounded by
 * {@code serverCloseWait}): a client that reconnects finds the new listener there.
 * A change of the whiteboard settings ({@code swapGrace}, {@code drainTimeout}) also replaces the
 * dispatcher and its whiteboard.
 *
 * <p><b>Runtimes</b> are taken from the registry ({@code Runtime} services, dynamic, greedy). The
 * {@code runtime} property lists acceptable names in order of preference; empty takes the best ranked
 * one. The server stays on its runtime until it leaves, or until a runtime it prefers arrives. All of this
 * happens inside the runtime service's unbind, so the runtime bundle's stop waits until the server let go.
 *
 * <p><b>Framework stop.</b> When the framework itself begins to stop (the system bundle's
 * {@code STOPPING} event, delivered synchronously before any bundle stops), the server stops first: it
 * stops accepting and reading, answers every call it accepted (bounded by {@code serverCloseWait}) and
 * closes its connections, so clients move to another address while the services are all still there.
 * Without this, the framework may stop a service bundle (or Declarative Services) before the server
 * bundle, and calls arriving meanwhile would be answered {@code rpc_service_notfound}, which a pool does
 * not retry. A service bundle stopped on its own is a hot swap, as before.
 *
 * <p>Threading: DS callbacks come from any thread; they are serialized on {@link #lock}.
 */
@Component(
        configurationPid = ServerComponent.PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE,
        service = {})
@Designate(ocd = ServerMetatype.class, factory = true)
public final class ServerComponent {
    /** The factory PID of servers. */
    public static final String PID = "io.occams.rpc.server";

    static final String ADDRESSES = "occams.server.addresses";
    static final String RUNTIME = "occams.runtime";
    private static final Logger LOG = LoggerFactory.getLogger(ServerComponent.class);

    private final Object lock = new Object();
    /** The runtimes in the registry, best ranked first. */
    @GuardedBy("lock")
    private final Map<ServiceReference<Runtime>, Runtime> runtimes = new TreeMap<>((a, b) -> b.compareTo(a));

    @Reference(target = "(occams.codec.format=0)")
    private Codec codec;

    @Reference
    private ErrorCodecRegistry errors;
    /** Who may call what: the best ranked Authorizer service, or null (everyone may call everything). */
    @Reference(
            cardinality = ReferenceCardinality.OPTIONAL,
            policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile Authorizer authorizer;

    private BundleContext context;

    @GuardedBy("lock")
    private ServerSettings settings;

    @GuardedBy("lock")
    private ServiceDispatcher dispatcher;

    @GuardedBy("lock")
    private ServiceWhiteboard whiteboard;
    /** The interceptor services, pushed into {@link #dispatcher}. */
    @GuardedBy("lock")
    private InterceptorWhiteboard interceptorBoard;
    /** The generation listening now, or null. */
    @GuardedBy("lock")
    private RpcServer server;

    @GuardedBy("lock")
    private ServiceRegistration<?> registration;
    /** Between activate and deactivate. */
    @GuardedBy("lock")
    private boolean active;
    /** Set once the framework began to stop: no generation is started any more. */
    @GuardedBy("lock")
    private boolean frameworkStopping;
    /** Stops the server first when the framework begins to stop (see the class comment). */
    private final SynchronousBundleListener frameworkStop = event -> {
        if (event.getType() == BundleEvent.STOPPING && event.getBundle().getBundleId() == 0) {
            frameworkStopping();
        }
    };

    @Activate
    void activate(BundleContext context, Map<String, Object> properties) {
        synchronized (lock) {
            this.context = context;
            settings = ServerSettings.from(properties);
            startWhiteboard();
            active = true;
            context.addBundleListener(frameworkStop);
            moveTo(pick(null));
        }
    }

    @Modified
    void modified(Map<String, Object> properties) {
        synchronized (lock) {
            ServerSettings next = ServerSettings.from(properties);
            ServerSettings before = settings;
            settings = next;
            ServiceDispatcher oldDispatcher = dispatcher;
            ServiceWhiteboard oldWhiteboard = whiteboard;
            InterceptorWhiteboard oldInterceptors = interceptorBoard;
            boolean newDispatcher = !next.sameDispatcher(before);
            if (newDispatcher) {
                startWhiteboard();
            }
            // A new generation even when only a limit changed: ServerConfig is fixed per StreamServer.
            moveTo(pick(null));
            if (newDispatcher) {
                oldWhiteboard.close();
                oldInterceptors.close();
                LOG.debug("retired dispatcher {}", oldDispatcher);
            }
        }
    }

    @Deactivate
    void deactivate() {
        try {
            context.removeBundleListener(frameworkStop);
        } catch (IllegalStateException stopped) {
            // the bundle's context is no longer valid: its listeners are gone with it
        }
        synchronized (lock) {
            active = false;
            dispatcher.serving(false); // health checks answer NOT_SERVING while the server drains
            unregister();
            if (server != null) {
                retire(server);
                server = null;
            }
            whiteboard.close();
            interceptorBoard.close();
        }
    }

    @Reference(
            service = Runtime.class,
            cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addRuntime(ServiceReference<Runtime> reference, Runtime runtime) {
        synchronized (lock) {
            runtimes.put(reference, runtime);
            if (!active) {
                return;
            }
            Runtime best = pick(null);
            if (server == null
                    || (best != server.runtime()
                            && settings.prefers(best.name(), server.runtime().name()))) {
                moveTo(best);
            }
        }
    }

    void removeRuntime(ServiceReference<Runtime> reference, Runtime runtime) {
        synchronized (lock) {
            runtimes.remove(reference);
            if (active && server != null && server.runtime() == runtime) {
                LOG.info(
                        "runtime {} is leaving; moving {} to {}",
                        runtime.name(),
                        settings.name(),
                        describe(pick(runtime)));
                moveTo(pick(runtime));
            }
        }
    }

    /**
     * The framework began to stop: stop taking calls, answer what was accepted and close the connections
     * now, while every service is still registered; start no other generation.
     */
    private void frameworkStopping() {
        synchronized (lock) {
            if (frameworkStopping) {
                return;
            }
            frameworkStopping = true;
            unregister();
            if (active && server != null) {
                LOG.info(
                        "server {}: the framework is stopping; answering accepted calls and closing before the services leave",
                        settings.name());
                RpcServer old = server;
                server = null;
                retire(old);
            }
        }
    }

    /** The runtime to serve on: the most preferred acceptable one, never {@code leaving}; null when none. */
    @GuardedBy("lock")
    private Runtime pick(Runtime leaving) {
        return settings.runtimes.pick(runtimes.values(), leaving);
    }

    @GuardedBy("lock")
    private void startWhiteboard() {
        dispatcher = ServiceDispatcher.builder()
                .codec(codec)
                .errors(errors)
                .swapGrace(settings.swapGrace)
                .drainTimeout(settings.drainTimeout)
                .introspection(settings.introspection)
                .origins(ServerComponent::origin)
                .build();
        ServiceDispatcher d = dispatcher;
        interceptorBoard = new InterceptorWhiteboard(context, "server", d::interceptors);
        interceptorBoard.open();
        whiteboard = new ServiceWhiteboard(context, dispatcher);
        whiteboard.open();
    }

    /**
     * Replaces the generation with one on {@code runtime} (null: none, the server waits for a runtime).
     * The old one stops accepting first, so that the new one can bind the same addresses; then it drains.
     */
    @GuardedBy("lock")
    private void moveTo(Runtime runtime) {
        if (frameworkStopping) {
            return; // the server stopped for good when the framework began to stop
        }
        RpcServer old = server;
        server = null;
        unregister();
        List<RpcAddress> addresses = settings.addresses;
        if (old != null) {
            addresses = sameAddresses(old);
            old.stopAccepting(); // frees the addresses; its connections drain only once the new listeners are up
        }
        if (runtime == null) {
            if (active) {
                LOG.warn(
                        "server {}: no runtime {} in the registry; not listening until one arrives",
                        settings.name(),
                        settings.runtimes.names().isEmpty() ? "" : settings.runtimes);
            }
        } else {
            server = start(runtime, addresses);
        }
        if (old != null) {
            retire(old);
        }
    }

    /** The addresses a new generation binds: those of {@code old}, except that a port 0 becomes the real one. */
    @GuardedBy("lock")
    private List<RpcAddress> sameAddresses(RpcServer old) {
        List<RpcAddress> bound = old.addresses();
        List<RpcAddress> out = new ArrayList<>();
        for (int i = 0; i < settings.addresses.size(); i++) {
            RpcAddress want = settings.addresses.get(i);
            boolean sameAsBefore = i < bound.size()
                    && !want.isUnix()
                    && want.port() == 0
                    && !bound.get(i).isUnix();
            out.add(sameAsBefore ? RpcAddress.tcp(want.host(), bound.get(i).port()) : want);
        }
        return out;
    }

    @GuardedBy("lock")
    private RpcServer start(Runtime runtime, List<RpcAddress> addresses) {
        RpcServer s = RpcServer.builder()
                .runtime(runtime)
                .config(settings.config)
                .dispatcher(dispatcher)
                .authorizer(() -> authorizer)
                .build();
        List<String> bound = new ArrayList<>();
        for (RpcAddress a : addresses) {
            try {
                bound.add(s.listen(a).toString());
            } catch (IOException | RuntimeException e) {
                LOG.error("server {}: cannot listen on {} ({}): {}", settings.name(), a, runtime.name(), e.toString());
            }
        }
        if (bound.isEmpty()) {
            s.shutdownNow();
            return null;
        }
        LOG.info("server {} listening on {} ({} runtime)", settings.name(), bound, runtime.name());
        Hashtable<String, Object> props = new Hashtable<>(settings.serviceProperties);
        props.put(ADDRESSES, bound.toArray(String[]::new));
        props.put(RUNTIME, runtime.name());
        registration = context.registerService(RpcServer.class, s, props);
        return s;
    }

    /** Answers what {@code old} accepted (bounded by serverCloseWait), then closes what is left. */
    @GuardedBy("lock")
    private void retire(RpcServer old) {
        old.shutdown();
        try {
            if (!old.awaitTermination(settings.config.serverCloseWait())) {
                LOG.warn(
                        "server {}: {} connections still busy after serverCloseWait {}; closing them",
                        settings.name(),
                        old.connectionCount(),
                        settings.config.serverCloseWait());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        old.shutdownNow();
    }

    @GuardedBy("lock")
    private void unregister() {
        if (registration != null) {
            try {
                registration.unregister();
            } catch (IllegalStateException alreadyGone) {
                // the bundle is stopping: the framework unregistered it
            }
            registration = null;
        }
    }

    /** The bundle a service implementation class comes from, for the reflection service; null outside a bundle. */
    private static ProviderOrigin origin(Class<?> impl) {
        Bundle b = FrameworkUtil.getBundle(impl);
        return b == null
                ? null
                : new ProviderOrigin(b.getSymbolicName(), b.getVersion().toString());
    }

    private static String describe(Runtime r) {
        return r == null ? "no runtime" : r.name();
    }

    /** The configuration of one server, read once per change. Immutable. */
    static final class ServerSettings {
        final String name;
        final List<RpcAddress> addresses;
        final RuntimePreference runtimes;
        final ServerConfig config;
        final Duration swapGrace;
        final Duration drainTimeout;
        final boolean introspection;
        final Map<String, Object> serviceProperties;

        private ServerSettings(Map<String, Object> p) {
            ConfigProperties props = new ConfigProperties(p);
            this.name = props.string("name", props.string(Constants.SERVICE_PID, PID));
            List<RpcAddress> a = new ArrayList<>();
            String host = props.string("host", "127.0.0.1");
            int port = props.integer("port", -1);
            if (port >= 0) {
                a.add(RpcAddress.tcp(host, port));
            }
            String unix = props.string("unix", "");
            if (!unix.isEmpty()) {
                a.add(RpcAddress.parse(unix));
            }
            for (String s : props.strings("addresses")) {
                a.add(RpcAddress.parse(s));
            }
            if (a.isEmpty()) {
                throw new IllegalArgumentException(
                        "server configuration " + name + " has no port, unix path or addresses");
            }
            this.addresses = List.copyOf(a);
            this.runtimes = RuntimePreference.fromProperties(p);
            this.config = ServerConfig.fromProperties(p);
            this.swapGrace = config.swapGrace();
            this.drainTimeout = props.duration("drainTimeout", ServiceDispatcher.DEFAULT_DRAIN_TIMEOUT);
            this.introspection = props.bool("introspection", true);
            this.serviceProperties = props.publicProperties();
        }

        static ServerSettings from(Map<String, Object> properties) {
            return new ServerSettings(properties);
        }

        boolean sameDispatcher(ServerSettings o) {
            return o != null
                    && swapGrace.equals(o.swapGrace)
                    && drainTimeout.equals(o.drainTimeout)
                    && introspection == o.introspection;
        }

        /** Whether {@code a} comes before {@code b} in the configured preference (never, without one). */
        boolean prefers(String a, String b) {
            return runtimes.prefers(a, b);
        }

        String name() {
            return name;
        }

        @Override
        public String toString() {
            return name + addresses + " runtime " + runtimes;
        }
    }
}
