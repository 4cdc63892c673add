package io.occams.rpc.discovery.zookeeper.internal.osgi;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.occams.rpc.api.spi.ConfigProperties;
import io.occams.rpc.discovery.zookeeper.ZooKeeperDiscovery;
import io.occams.rpc.server.RpcServer;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.osgi.framework.Bundle;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Registers servers in ZooKeeper, one factory configuration of {@value #PID} at a time: every
 * {@link RpcServer} service (those the server bundle's components register while they listen), or only
 * the one named by {@code server}, with the {@link ZooKeeperDiscovery} service named by {@code discovery}.
 * Each server's entries follow what it serves (see {@link ZooKeeperDiscovery#register(RpcServer, String,
 * int, java.util.function.Function)}), with each provider's <em>bundle</em> version. A server that stops
 * listening (its service leaves: server stop, configuration change, runtime change) is unregistered,
 * and the server of the next generation registered again; a discovery that leaves takes its
 * registrations with it and one that comes gets every server registered.
 *
 * <p>Threading: DS callbacks come from any thread and are serialized on {@code lock}; nothing here waits
 * for ZooKeeper (entries are written on the discovery's own thread).
 */
@Component(
        configurationPid = RegistrationComponent.PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE,
        service = {})
public final class RegistrationComponent {
    /** The factory PID of server registrations. */
    public static final String PID = "io.occams.rpc.discovery.zookeeper.registration";

    private static final Logger LOG = LoggerFactory.getLogger(RegistrationComponent.class);

    private final Object lock = new Object();

    @GuardedBy("lock")
    private final Map<ServiceReference<ZooKeeperDiscovery>, ZooKeeperDiscovery> discoveries = new HashMap<>();

    @GuardedBy("lock")
    private final Map<ServiceReference<RpcServer>, RpcServer> servers = new LinkedHashMap<>();

    @GuardedBy("lock")
    private final Map<ServiceReference<RpcServer>, ZooKeeperDiscovery.ServerRegistration> registrations =
            new HashMap<>();

    @GuardedBy("lock")
    private ZooKeeperDiscovery current;

    @GuardedBy("lock")
    private boolean active;

    private String discoveryName = "default";
    private String serverName = "";
    private String host;
    private int weight = 1;

    @Activate
    void activate(Map<String, Object> properties) {
        ConfigProperties p = new ConfigProperties(properties);
        synchronized (lock) {
            discoveryName = p.string("discovery", "default");
            serverName = p.string("server", "");
            String h = p.string("host", "");
            host = h.isEmpty() ? null : h;
            weight = p.integer("weight", 1);
            if (weight < 0) {
                throw new IllegalArgumentException("weight must be >= 0: " + weight);
            }
            active = true;
            follow();
        }
    }

    @Deactivate
    void deactivate() {
        synchronized (lock) {
            active = false;
            unregisterAll();
            current = null;
        }
    }

    @Reference(
            service = ZooKeeperDiscovery.class,
            cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addDiscovery(ServiceReference<ZooKeeperDiscovery> ref, ZooKeeperDiscovery d) {
        synchronized (lock) {
            discoveries.put(ref, d);
            follow();
        }
    }

    void removeDiscovery(ServiceReference<ZooKeeperDiscovery> ref, ZooKeeperDiscovery d) {
        synchronized (lock) {
            discoveries.remove(ref);
            follow();
        }
    }

    @Reference(
            service = RpcServer.class,
            cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addServer(ServiceReference<RpcServer> ref, RpcServer s) {
        synchronized (lock) {
            servers.put(ref, s);
            if (active && current != null) {
                registerLocked(ref, s);
            }
        }
    }

    void removeServer(ServiceReference<RpcServer> ref, RpcServer s) {
        synchronized (lock) {
            servers.remove(ref);
            ZooKeeperDiscovery.ServerRegistration r = registrations.remove(ref);
            if (r != null) {
                r.close();
            }
        }
    }

    /** Picks the discovery of the configured name; when it changed, moves every registration to it. */
    @GuardedBy("lock")
    private void follow() {
        if (!active) {
            return;
        }
        ZooKeeperDiscovery pick = null;
        for (Map.Entry<ServiceReference<ZooKeeperDiscovery>, ZooKeeperDiscovery> e : discoveries.entrySet()) {
            if (discoveryName.equals(e.getKey().getProperty(ConnectionComponent.NAME))) {
                pick = e.getValue();
            }
        }
        if (pick == current) {
            return;
        }
        unregisterAll();
        current = pick;
        if (current == null) {
            LOG.debug("no ZooKeeper discovery named {} yet; servers are registered once it comes", discoveryName);
            return;
        }
        for (Map.Entry<ServiceReference<RpcServer>, RpcServer> e : servers.entrySet()) {
            registerLocked(e.getKey(), e.getValue());
        }
    }

    @GuardedBy("lock")
    private void registerLocked(ServiceReference<RpcServer> ref, RpcServer s) {
        if (!serverName.isEmpty()
                && !serverName.equals(ref.getProperty("name"))
                && !serverName.equals(ref.getProperty(Constants.SERVICE_PID))) {
            return;
        }
        if (current.isClosed()) {
            return;
        }
        registrations.put(ref, current.register(s, host, weight, RegistrationComponent::bundleVersion));
        LOG.info("registering server {} with ZooKeeper at {}", s.addresses(), current.connectString());
    }

    @GuardedBy("lock")
    private void unregisterAll() {
        for (ZooKeeperDiscovery.ServerRegistration r : registrations.values()) {
            r.close();
        }
        registrations.clear();
    }

    /** The version of the bundle that provides {@code impl}, or 0.0.0. */
    static String bundleVersion(Object impl) {
        Bundle b = impl == null ? null : FrameworkUtil.getBundle(impl.getClass());
        return b == null ? "0.0.0" : Objects.toString(b.getVersion());
    }
}
