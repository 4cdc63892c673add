package io.occams.rpc.discovery.zookeeper.internal;

import io.occams.rpc.api.RpcAddress;
import io.occams.rpc.api.introspect.Health;
import io.occams.rpc.api.introspect.Reflection;
import io.occams.rpc.api.introspect.Status;
import io.occams.rpc.discovery.zookeeper.Endpoint;
import io.occams.rpc.discovery.zookeeper.ZooKeeperDiscovery;
import io.occams.rpc.server.RpcServer;
import io.occams.rpc.server.ServiceDispatcher;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps one server's entries equal to what it serves: the dispatcher's change listener asks for a
 * reconciliation, which runs on the discovery's executor (one thread, so reconciliations never overlap
 * and the last one sees the last state): entries for names that appeared are created, entries for names
 * that left are deleted, entries whose provider version changed are rewritten.
 */
public final class ServerRegistrar {
    private static final Logger LOG = LoggerFactory.getLogger(ServerRegistrar.class);

    private final ZooKeeperDiscovery discovery;
    private final RpcServer server;
    private final String advertisedHost;
    private final int weight;
    private final Function<Object, String> versionOf;
    private final Executor executor;
    private final AtomicBoolean pending = new AtomicBoolean();
    /** Entries by path. Only touched on the executor. */
    private final Map<String, ZooKeeperDiscovery.EntryRegistration> entries = new LinkedHashMap<>();

    private volatile List<Endpoint> endpoints = List.of();
    private volatile boolean closed;
    private Runnable removeListener;

    public ServerRegistrar(
            ZooKeeperDiscovery discovery,
            RpcServer server,
            String advertisedHost,
            int weight,
            Function<Object, String> versionOf,
            Executor executor) {
        if (weight < 0) {
            throw new IllegalArgumentException("weight must be >= 0: " + weight);
        }
        this.discovery = discovery;
        this.server = server;
        this.advertisedHost = advertisedHost;
        this.weight = weight;
        this.versionOf = versionOf;
        this.executor = executor;
    }

    public void start() {
        removeListener = server.dispatcher().addChangeListener(this::changed);
        changed();
    }

    /** Asks for a reconciliation; changes that come while one is pending share it. */
    public void changed() {
        if (closed || !pending.compareAndSet(false, true)) {
            return;
        }
        try {
            executor.execute(() -> {
                pending.set(false);
                reconcile();
            });
        } catch (RejectedExecutionException e) {
            pending.set(false); // the discovery is closing: its session's end deletes the entries
        }
    }

    private void reconcile() {
        if (closed) {
            return;
        }
        ServiceDispatcher d = server.dispatcher();
        Map<String, Endpoint> want = new LinkedHashMap<>();
        if (!server.isShutdown()) {
            List<RpcAddress> addresses = advertised(server.addresses());
            for (String name : d.serviceNames()) {
                // Every server serves the built-in OccamsReflection, OccamsHealth and OccamsStatus: they are
                // asked of a server found another way, never looked up by name.
                if (!Endpoint.validServiceName(name)
                        || name.equals(Reflection.NAME)
                        || name.equals(Health.NAME)
                        || name.equals(Status.NAME)) {
                    continue;
                }
                String version = versionOf.apply(d.provider(name));
                for (RpcAddress a : addresses) {
                    Endpoint e = new Endpoint(name, a, server.runtime().name(), Endpoint.PROTOCOL, version, weight);
                    want.put(discovery.servicePath(name) + "/" + a, e);
                }
            }
        }
        entries.entrySet().removeIf(en -> {
            if (!want.containsKey(en.getKey())) {
                LOG.info("unregistering {}", en.getKey());
                en.getValue().close();
                return true;
            }
            return false;
        });
        for (Map.Entry<String, Endpoint> en : want.entrySet()) {
            ZooKeeperDiscovery.EntryRegistration r = entries.get(en.getKey());
            if (r == null) {
                LOG.info("registering {}", en.getKey());
                entries.put(en.getKey(), discovery.register(en.getValue()));
            } else if (!r.endpoint().equals(en.getValue())) {
                r.update(en.getValue());
            }
        }
        endpoints = List.copyOf(want.values());
    }

    /** TCP addresses only; a wildcard host becomes the advertised one. */
    private List<RpcAddress> advertised(List<RpcAddress> bound) {
        List<RpcAddress> out = new ArrayList<>();
        for (RpcAddress a : bound) {
            if (a.isUnix()) {
                continue;
            }
            String host = a.host();
            if (host.equals("0.0.0.0") || host.equals("::") || host.equals("0:0:0:0:0:0:0:0") || host.equals("[::]")) {
                host = advertisedHost != null ? advertisedHost : localHost();
            }
            out.add(RpcAddress.tcp(host, a.port()));
        }
        return out;
    }

    private static String localHost() {
        try {
            return InetAddress.getLocalHost().getHostAddress();
        } catch (UnknownHostException e) {
            return "127.0.0.1";
        }
    }

    public List<Endpoint> endpoints() {
        return endpoints;
    }

    /** Stops following the server; its entries are deleted on the executor (at once when it is gone). */
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (removeListener != null) {
            removeListener.run();
        }
        Runnable deleteAll = () -> {
            for (ZooKeeperDiscovery.EntryRegistration r : entries.values()) {
                LOG.info("unregistering {}", r.path());
                r.close();
            }
            entries.clear();
            endpoints = List.of();
        };
        try {
            executor.execute(deleteAll);
        } catch (RejectedExecutionException e) {
            deleteAll.run();
        }
    }
}
