package io.occams.rpc.rsa.internal;

import io.occams.rpc.api.ClientConfig;
import io.occams.rpc.api.RpcAddress;
import io.occams.rpc.api.ServiceContract;
import io.occams.rpc.api.spi.Runtime;
import io.occams.rpc.client.CallOptions;
import io.occams.rpc.client.RpcClient;
import io.occams.rpc.pool.FailoverPool;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pools and proxies of the imports. An import is keyed by its endpoint id, or, when the endpoint carries
 * a logical name ({@code occams.tcp.name}), by that name and its interfaces: then every endpoint of the
 * logical service feeds one {@link FailoverPool} (its addresses) and one proxy per set of interface classes.
 * A pool whose last endpoint was released closes after the linger, unless an endpoint of the same key comes
 * back meanwhile (a re-export: the old endpoint leaves, a new one with the same address arrives). Thread-safe.
 */
public final class Imports implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Imports.class);

    private final RpcClient client;
    private final Duration linger;
    private final ClientConfig config;
    private final Map<String, Link> byKey = new HashMap<>();
    private final Map<String, Link> byEndpoint = new HashMap<>();
    private boolean closed;

    public Imports(RpcClient client, ClientConfig config, Duration linger) {
        this.client = client;
        this.config = config;
        this.linger = linger;
    }

    /** The pool and proxies of one key. */
    static final class Link {
        final String key;
        final String scope;
        final FailoverPool pool;
        /** endpoint id to its address, in arrival order. */
        // Guarded by the Imports instance that holds it.
        final Map<String, RpcAddress> endpoints = new LinkedHashMap<>();
        // Guarded by the Imports instance that holds it.
        final Map<List<Class<?>>, Object> proxies = new HashMap<>();
        // Guarded by the Imports instance that holds it.
        long generation;

        Link(String key, String scope, FailoverPool pool) {
            this.key = key;
            this.scope = scope;
            this.pool = pool;
        }

        List<RpcAddress> addresses() {
            return new ArrayList<>(new LinkedHashSet<>(endpoints.values()));
        }
    }

    /**
     * The proxy for endpoint {@code endpointId} at {@code address}, implementing {@code interfaces} (loaded by
     * {@code loader}), calls bounded by {@code timeout}. {@code adapt} wraps each interface's occams handler
     * (for return types the client does not know, like OSGi's Promise).
     */
    public synchronized Object importEndpoint(
            String endpointId,
            String scope,
            boolean shared,
            RpcAddress address,
            Runtime runtime,
            Duration timeout,
            ClassLoader loader,
            Class<?>[] interfaces,
            Function<InvocationHandler, InvocationHandler> adapt) {
        if (closed) {
            throw new IllegalStateException("the provider is closed");
        }
        List<Class<?>> types = List.of(interfaces);
        String key = shared ? "name " + scope + " " + names(types) : "endpoint " + endpointId;
        Link link = byKey.get(key);
        if (link == null) {
            // retryAfterSend: an imported plain interface says nothing of idempotence, and an import promises
            // failover to the callers that hold its proxy (see OccamsRemoteServices), so a call lost with its
            // connection after it was written is sent again, as the seed's pool did.
            FailoverPool pool =
                    new FailoverPool(runtime, List.of(address), config, FailoverPool.Selection.ROUND_ROBIN, 3, true);
            link = new Link(key, scope, pool);
            byKey.put(key, link);
            LOG.debug("import pool for {} at {}", key, address);
        }
        link.generation++;
        Link before = byEndpoint.put(endpointId, link);
        if (before != null && before != link) {
            LOG.warn("endpoint {} moved from {} to {}", endpointId, before.key, link.key);
        }
        if (link.endpoints.put(endpointId, address) == null) {
            link.pool.updateAddresses(link.addresses());
        }
        Object proxy = link.proxies.get(types);
        if (proxy == null) {
            proxy = newProxy(link, types, timeout, loader, adapt);
            link.proxies.put(types, proxy);
        }
        return proxy;
    }

    private Object newProxy(
            Link link,
            List<Class<?>> types,
            Duration timeout,
            ClassLoader loader,
            Function<InvocationHandler, InvocationHandler> adapt) {
        CallOptions options = CallOptions.timeout(timeout);
        Map<Class<?>, InvocationHandler> handlers = new LinkedHashMap<>();
        for (Class<?> t : types) {
            ServiceContract c = ServiceContract.of(t, ExportSettings.wireName(link.scope, t));
            handlers.put(t, adapt.apply(Proxy.getInvocationHandler(client.proxy(c, link.pool, options))));
        }
        return Proxy.newProxyInstance(loader, types.toArray(new Class<?>[0]), new ImportHandler(handlers, link.key));
    }

    /** Whether endpoint {@code endpointId} has a pool now. */
    public synchronized boolean imports(String endpointId) {
        return byEndpoint.containsKey(endpointId);
    }

    /** The addresses the pool of {@code endpointId} calls now (empty when none). */
    public synchronized List<RpcAddress> addressesOf(String endpointId) {
        Link l = byEndpoint.get(endpointId);
        return l == null ? List.of() : l.pool.addresses();
    }

    /** The proxy services of endpoint {@code endpointId} are gone: its address leaves the pool; the pool closes after the linger when it was the last. */
    public void release(String endpointId) {
        Link link;
        long gen;
        synchronized (this) {
            link = byEndpoint.remove(endpointId);
            if (link == null) {
                return;
            }
            link.endpoints.remove(endpointId);
            if (!link.endpoints.isEmpty()) {
                link.pool.updateAddresses(link.addresses());
                return;
            }
            gen = link.generation;
        }
        LOG.debug("import {} released; its pool closes in {} unless it comes back", link.key, linger);
        CompletableFuture.delayedExecutor(linger.toNanos(), TimeUnit.NANOSECONDS)
                .execute(() -> expire(link, gen));
    }

    private void expire(Link link, long gen) {
        synchronized (this) {
            if (!link.endpoints.isEmpty() || link.generation != gen || byKey.get(link.key) != link) {
                return;
            }
            byKey.remove(link.key);
        }
        LOG.debug("import pool for {} closed", link.key);
        link.pool.close();
    }

    /** Closes every pool. */
    @Override
    public void close() {
        List<Link> all;
        synchronized (this) {
            closed = true;
            all = new ArrayList<>(byKey.values());
            byKey.clear();
            byEndpoint.clear();
        }
        for (Link l : all) {
            l.pool.close();
        }
    }

    private static List<String> names(List<Class<?>> types) {
        List<String> out = new ArrayList<>();
        for (Class<?> t : types) {
            out.add(t.getName());
        }
        return out;
    }
}
