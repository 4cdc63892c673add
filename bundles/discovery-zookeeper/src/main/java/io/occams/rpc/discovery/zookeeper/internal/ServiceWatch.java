package io.occams.rpc.discovery.zookeeper.internal;

import io.occams.rpc.discovery.zookeeper.Endpoint;
import io.occams.rpc.discovery.zookeeper.ZooKeeperDiscovery;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The endpoints of one service, live: a {@link CuratorCache} of the service's node (fed by a persistent
 * recursive watch), read into a sorted list after the first load and after every event, and handed to
 * the listener when it differs from the last one handed. Events come on Curator's event thread, one at a
 * time. While ZooKeeper is away the cache keeps its content, so the last list stands.
 */
public final class ServiceWatch implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ServiceWatch.class);

    private final ZooKeeperDiscovery discovery;
    private final String path;
    private final String service;
    private final Consumer<List<Endpoint>> listener;
    private final CuratorCache cache;
    /** The last list handed to the listener; only touched on the event thread. */
    private List<Endpoint> last;

    private volatile boolean initialized;

    public ServiceWatch(
            ZooKeeperDiscovery discovery,
            CuratorFramework client,
            String path,
            String service,
            Consumer<List<Endpoint>> listener) {
        this.discovery = discovery;
        this.path = path;
        this.service = service;
        this.listener = listener;
        this.cache = CuratorCache.build(client, path);
        cache.listenable().addListener(new CuratorCacheListener() {
            @Override
            public void event(Type type, ChildData oldData, ChildData data) {
                if (initialized) {
                    publish();
                }
            }

            @Override
            public void initialized() {
                initialized = true;
                publish();
            }
        });
    }

    public void start() {
        cache.start();
    }

    private synchronized void publish() {
        List<Endpoint> now = new ArrayList<>();
        String prefix = path + "/";
        cache.stream().forEach(d -> {
            String p = d.getPath();
            if (p.startsWith(prefix) && p.indexOf('/', prefix.length()) < 0) {
                Endpoint e = discovery.parseEntry(p, service, p.substring(prefix.length()), d.getData());
                if (e != null) {
                    now.add(e);
                }
            }
        });
        now.sort((a, b) -> a.address().toString().compareTo(b.address().toString()));
        if (now.equals(last)) {
            return;
        }
        last = List.copyOf(now);
        LOG.debug("{}: {} endpoints {}", path, now.size(), now);
        try {
            listener.accept(last);
        } catch (RuntimeException e) {
            LOG.warn("a listener of {} failed", path, e);
        }
    }

    @Override
    public void close() {
        cache.close();
    }

    @Override
    public String toString() {
        return "ServiceWatch[" + path + "]";
    }
}
