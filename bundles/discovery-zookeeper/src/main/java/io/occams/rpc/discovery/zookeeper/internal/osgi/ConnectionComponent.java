package io.occams.rpc.discovery.zookeeper.internal.osgi;

import io.occams.rpc.api.RpcAddress;
import io.occams.rpc.api.spi.ConfigProperties;
import io.occams.rpc.discovery.zookeeper.Endpoint;
import io.occams.rpc.discovery.zookeeper.ZooKeeperDiscovery;
import io.occams.rpc.pool.AddressSource;
import java.util.ArrayList;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One ZooKeeper session per factory configuration of {@value #PID}, registered as a
 * {@link ZooKeeperDiscovery} service with {@value #NAME} (the configuration's {@code name}, default
 * {@code default}) and {@code occams.discovery.connect}. An empty {@code connect} does nothing (the
 * distribution's configuration when {@code occams serve} is given no {@code --zookeeper}). Activation
 * never waits for ZooKeeper: an unreachable one is logged and retried (see {@link ZooKeeperDiscovery}).
 * A changed configuration closes the session (its entries go) and opens a new one.
 */
@Component(
        configurationPid = ConnectionComponent.PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE,
        service = {})
public final class ConnectionComponent {
    /** The factory PID of ZooKeeper connections. */
    public static final String PID = "io.occams.rpc.discovery.zookeeper";
    /** The service property with the discovery's name. */
    public static final String NAME = "occams.discovery.name";

    private static final Logger LOG = LoggerFactory.getLogger(ConnectionComponent.class);

    private ZooKeeperDiscovery discovery;
    private ServiceRegistration<ZooKeeperDiscovery> registration;
    private ServiceRegistration<AddressSource> source;

    @Activate
    void activate(BundleContext context, Map<String, Object> properties) {
        ConfigProperties p = new ConfigProperties(properties);
        String connect = p.string("connect", "").trim();
        String name = p.string("name", "default");
        if (connect.isEmpty()) {
            LOG.debug("ZooKeeper discovery {}: no connect string; nothing to do", name);
            return;
        }
        ZooKeeperDiscovery.Builder b = ZooKeeperDiscovery.builder().connect(connect);
        String root = p.string("root", "");
        if (!root.isEmpty()) {
            b.root(root);
        }
        p.ifDuration("sessionTimeout", b::sessionTimeout);
        p.ifDuration("connectTimeout", b::connectTimeout);
        discovery = b.build();
        Hashtable<String, Object> props = new Hashtable<>(p.publicProperties());
        props.put(NAME, name);
        props.put("occams.discovery.connect", connect);
        registration = context.registerService(ZooKeeperDiscovery.class, discovery, props);
        // For client configurations that name a service and this discovery (the pool bundle's ClientComponent).
        ZooKeeperDiscovery d = discovery;
        AddressSource addresses = (service, listener) -> d.watch(service, endpoints -> {
            List<RpcAddress> out = new ArrayList<>();
            for (Endpoint e : endpoints) {
                if (e.weight() > 0 && !out.contains(e.address())) {
                    out.add(e.address());
                }
            }
            listener.accept(out);
        });
        source = context.registerService(AddressSource.class, addresses, props);
        LOG.info("ZooKeeper discovery {} on {}{}", name, connect, discovery.root());
    }

    @Deactivate
    void deactivate() {
        if (source != null) {
            try {
                source.unregister();
            } catch (IllegalStateException alreadyGone) {
                // the bundle is stopping
            }
            source = null;
        }
        if (registration != null) {
            try {
                registration.unregister();
            } catch (IllegalStateException alreadyGone) {
                // the bundle is stopping
            }
            registration = null;
        }
        if (discovery != null) {
            discovery.close();
            discovery = null;
        }
    }
}
