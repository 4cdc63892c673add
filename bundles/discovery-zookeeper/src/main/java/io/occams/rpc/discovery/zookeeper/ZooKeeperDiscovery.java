package io.occams.rpc.discovery.zookeeper;

import io.occams.rpc.api.RpcAddress;
import io.occams.rpc.discovery.zookeeper.internal.ServerRegistrar;
import io.occams.rpc.discovery.zookeeper.internal.ServiceWatch;
import io.occams.rpc.server.RpcServer;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.recipes.nodes.PersistentNode;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.retry.BoundedExponentialBackoffRetry;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.osgi.annotation.versioning.ProviderType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Service discovery through ZooKeeper, on Apache Curator: one ZooKeeper session, shared by the servers
 * it registers and the clients it feeds.
 *
 * <p><b>Layout.</b> Each endpoint of each service is one <em>ephemeral</em> node
 * {@code <root>/services/<service>/<host:port>} whose data is an {@link Endpoint} (address, runtime,
 * protocol version, the provider's bundle version, weight). Ephemeral: ZooKeeper deletes it itself when
 * the session that made it ends, so a killed server's entries go once its session expires (the session
 * timeout after the process died), with no one to clean up. The service nodes are containers, which
 * ZooKeeper removes once empty.
 *
 * <p><b>Servers</b> ({@link #register(RpcServer)}): the entries follow the server. One appears when the
 * server's dispatcher gets its first provider of a service, and goes when the last provider leaves (a hot
 * swap removes and re-adds it: clients drain the server meanwhile, and the dispatcher parks calls for the
 * name, so nothing fails), and when the registration is closed (server stop). The provider's version is
 * updated in place when another provider takes over a name.
 *
 * <p><b>Clients</b> ({@link #callerFor(String)}, {@link #watch}): a Curator cache of
 * {@code <root>/services/<service>}, fed by ZooKeeper's watches, so a new endpoint reaches the client
 * within the round trip of one notification, and a removed one is drained by the pool (calls in flight
 * finish, no connection is closed under a call).
 *
 * <p><b>When ZooKeeper is unavailable.</b>
 * <ul>
 *   <li><em>At start</em>: {@link Builder#build()} does not wait. If no connection is made within the
 *       connect timeout, one error line says so ({@code ZooKeeper at ... not reachable within ...; retrying})
 *       and the session keeps trying in the background, for ever; registrations and watches take effect
 *       when it connects. {@link #awaitConnected} lets a caller wait and decide (the CLI's {@code list}
 *       fails with a clear message); {@link #list()} fails with an {@link IOException} that names the
 *       connect string.
 *   <li><em>Connection lost, session alive</em> (a ZooKeeper restart, a network blip shorter than the
 *       session timeout): clients keep the last known endpoint lists and keep calling them; the servers'
 *       entries are still there when it comes back. Nothing to do.
 *   <li><em>Session expired</em> (ZooKeeper away for longer than the session timeout): ZooKeeper deleted
 *       our ephemeral entries. Curator opens a new session, and every registration creates its entries
 *       again; clients keep their last lists until the new session's caches have read the current ones.
 *   <li><em>ZooKeeper down for good</em>: clients go on with the last known lists (pools still notice
 *       dead servers by themselves); new servers cannot be found until it is back.
 * </ul>
 *
 * <p><b>Bad entries.</b> A node under a service that is not ours, or malformed, is skipped with one
 * warning naming its path (once per path and content), never passed to a pool.
 *
 * <p>Thread-safe. Callbacks of {@link #watch} run on Curator's event thread and must not block.
 * {@link #close()} closes the registrations, watches and callers made here, then the session (so the
 * entries go at once).
 *
 * <pre>{@code
 * try (ZooKeeperDiscovery zk = ZooKeeperDiscovery.builder().connect("127.0.0.1:2181").build();
 *      ServiceCaller cal = zk.callerFor("CalService").runtime(runtime).build()) {
 *     CalService proxy = RpcClient.create(CalService.class, cal, codec, errors);   // spread over every endpoint
 *     ...
 * }
 * // a server: zk.register(server) after server.listen(...), closed before server.close()
 * }</pre>
 */
@ProviderType
public final class ZooKeeperDiscovery implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ZooKeeperDiscovery.class);
    /** The default root of our nodes. */
    public static final String DEFAULT_ROOT = "/occams";

    private final String connect;
    private final String root;
    private final Duration connectTimeout;
    private final CuratorFramework client;
    /** Reconciles registrations, times out waiting calls; one daemon thread. */
    private final ScheduledThreadPoolExecutor executor;
    /** Everything to close with the discovery. */
    private final Set<AutoCloseable> owned = ConcurrentHashMap.newKeySet();
    /** Paths and contents already warned about, so that a bad entry is logged once. */
    private final Set<String> warned = ConcurrentHashMap.newKeySet();

    private volatile boolean closed;

    private ZooKeeperDiscovery(Builder b) {
        this.connect = b.connect;
        this.root = b.root;
        this.connectTimeout = b.connectTimeout;
        executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "occams-rpc zookeeper " + b.connect);
            t.setDaemon(true);
            return t;
        });
        executor.setRemoveOnCancelPolicy(true);
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false); // close() fails waiting calls itself
        client = CuratorFrameworkFactory.builder()
                .connectString(connect)
                .sessionTimeoutMs((int) b.sessionTimeout.toMillis())
                .connectionTimeoutMs((int) b.connectTimeout.toMillis())
                .retryPolicy(new BoundedExponentialBackoffRetry(100, 2000, 3))
                .build();
        client.getConnectionStateListenable().addListener((c, state) -> stateChanged(state));
        client.start();
        var unused = executor.schedule( // only logs; close() shuts the executor down
                () -> {
                    if (!closed && !isConnected()) {
                        LOG.error(
                                "ZooKeeper at {} not reachable within {} ms; retrying in the background (registrations and "
                                        + "lookups take effect once it answers)",
                                connect,
                                connectTimeout.toMillis());
                    }
                },
                connectTimeout.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    /** A builder; {@link Builder#connect} is required. */
    public static Builder builder() {
        return new Builder();
    }

    private void stateChanged(ConnectionState state) {
        switch (state) {
            case CONNECTED -> LOG.info("ZooKeeper at {}: connected", connect);
            case SUSPENDED ->
                LOG.warn("ZooKeeper at {}: connection lost; clients keep their last endpoint lists", connect);
            case RECONNECTED -> LOG.info("ZooKeeper at {}: reconnected", connect);
            case LOST ->
                LOG.warn("ZooKeeper at {}: session lost; registrations are made again with the next session", connect);
            default -> {}
        }
    }

    /** The ZooKeeper connect string. */
    public String connectString() {
        return connect;
    }

    /** The root of our nodes. */
    public String root() {
        return root;
    }

    /** Whether the session is connected now. */
    public boolean isConnected() {
        return client.getZookeeperClient().isConnected();
    }

    /** Waits up to {@code timeout} for a connection; true when connected. */
    public boolean awaitConnected(Duration timeout) throws InterruptedException {
        return client.blockUntilConnected((int) Math.max(1, timeout.toMillis()), TimeUnit.MILLISECONDS);
    }

    /** The node of a service's endpoints. */
    public String servicePath(String service) {
        if (!Endpoint.validServiceName(service)) {
            throw new IllegalArgumentException("not a service name: \"" + service + "\"");
        }
        return root + "/services/" + service;
    }

    /**
     * Registers one endpoint: an ephemeral entry, made again by every new session until the returned
     * registration is closed (which deletes it). Does not wait for ZooKeeper.
     */
    public EntryRegistration register(Endpoint endpoint) {
        checkOpen();
        String path = servicePath(endpoint.service()) + "/" + endpoint.address();
        PersistentNode node = new PersistentNode(client, CreateMode.EPHEMERAL, false, path, endpoint.toBytes(), true);
        node.start();
        EntryRegistration r = new EntryRegistration(this, path, node, endpoint);
        owned.add(r);
        return r;
    }

    /**
     * Registers {@code server}: one entry per service its dispatcher serves and TCP address it listens on,
     * following the dispatcher as described above. Call after {@link RpcServer#listen}; close the returned
     * registration before closing the server. The advertised host is the bound one, except that a
     * wildcard address ({@code 0.0.0.0}, {@code ::}) is replaced by {@code advertisedHost}.
     *
     * @param advertisedHost the host clients should connect to when the server bound a wildcard (null:
     *        the machine's address)
     * @param weight the weight of every entry
     * @param versionOf the version of a provider, from its implementation (the OSGi component passes the
     *        bundle version); null: the implementation's module version, else {@code 0.0.0}
     */
    public ServerRegistration register(
            RpcServer server, String advertisedHost, int weight, Function<Object, String> versionOf) {
        checkOpen();
        ServerRegistrar r = new ServerRegistrar(
                this,
                server,
                advertisedHost,
                weight,
                versionOf != null ? versionOf : ZooKeeperDiscovery::moduleVersion,
                executor);
        ServerRegistration reg = new ServerRegistration(this, r);
        owned.add(reg);
        r.start();
        return reg;
    }

    /** {@link #register(RpcServer, String, int, Function)} with weight 1 and the module version. */
    public ServerRegistration register(RpcServer server) {
        return register(server, null, 1, null);
    }

    /**
     * Follows the endpoints of {@code service}: {@code listener} gets the whole current list (sorted by
     * address, bad entries skipped) once the first read is done, and again after every change. It runs
     * on Curator's event thread and must not block. While ZooKeeper is unreachable no call comes: the last
     * list stands. Close the returned handle to stop.
     */
    public AutoCloseable watch(String service, Consumer<List<Endpoint>> listener) {
        checkOpen();
        ServiceWatch w = new ServiceWatch(this, client, servicePath(service), service, listener);
        owned.add(w);
        w.start();
        return () -> {
            owned.remove(w);
            w.close();
        };
    }

    /** A builder of a {@link ServiceCaller}: a pool over the endpoints of {@code service}, kept live. */
    public ServiceCaller.Builder callerFor(String service) {
        checkOpen();
        servicePath(service);
        return new ServiceCaller.Builder(this, service);
    }

    /**
     * Every registered service with its endpoints, read once (bad entries skipped and logged), sorted by
     * name and address. Waits up to the connect timeout for a connection.
     *
     * @throws IOException when ZooKeeper does not answer within the connect timeout, naming it
     */
    public Map<String, List<Endpoint>> list() throws IOException, InterruptedException {
        checkOpen();
        if (!awaitConnected(connectTimeout)) {
            throw new IOException(
                    "ZooKeeper at " + connect + " not reachable within " + connectTimeout.toMillis() + " ms");
        }
        Map<String, List<Endpoint>> out = new TreeMap<>();
        try {
            for (String service : children(root + "/services")) {
                if (!Endpoint.validServiceName(service)) {
                    continue;
                }
                List<Endpoint> eps = new ArrayList<>();
                String sp = servicePath(service);
                for (String child : children(sp)) {
                    byte[] data;
                    try {
                        data = client.getData().forPath(sp + "/" + child);
                    } catch (KeeperException.NoNodeException gone) {
                        continue;
                    }
                    Endpoint e = parseEntry(sp + "/" + child, service, child, data);
                    if (e != null) {
                        eps.add(e);
                    }
                }
                eps.sort((a, b) -> a.address().toString().compareTo(b.address().toString()));
                if (!eps.isEmpty()) {
                    out.put(service, eps);
                }
            }
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException("reading " + root + " from ZooKeeper at " + connect + " failed: " + e, e);
        }
        return out;
    }

    private List<String> children(String path) throws Exception {
        try {
            List<String> c = new ArrayList<>(client.getChildren().forPath(path));
            Collections.sort(c);
            return c;
        } catch (KeeperException.NoNodeException none) {
            return List.of();
        }
    }

    /**
     * An entry's endpoint, or null (after one warning per path and content) when it is not ours, is
     * malformed, or disagrees with where it sits (another service, another address than its name).
     * Internal; public for the watch.
     */
    public Endpoint parseEntry(String path, String service, String nodeName, byte[] data) {
        String problem;
        try {
            Endpoint e = Endpoint.parse(data);
            if (!e.service().equals(service)) {
                problem = "it names service " + e.service() + ", not " + service;
            } else if (!e.address().toString().equals(nodeName) && !e.address().equals(parseOrNull(nodeName))) {
                problem = "its address " + e.address() + " is not its name";
            } else {
                return e;
            }
        } catch (IllegalArgumentException bad) {
            problem = bad.getMessage();
        }
        if (warned.size() < 10_000 && warned.add(path + "\n" + java.util.Arrays.hashCode(data))) {
            LOG.warn("ZooKeeper entry {} skipped: {}", path, problem);
        }
        return null;
    }

    private static RpcAddress parseOrNull(String s) {
        try {
            return RpcAddress.parse(s);
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** The implementation's module version, or 0.0.0. */
    static String moduleVersion(Object impl) {
        if (impl == null) {
            return "0.0.0";
        }
        Module m = impl.getClass().getModule();
        if (m.isNamed() && m.getDescriptor() != null) {
            return m.getDescriptor().rawVersion().orElse("0.0.0");
        }
        Package p = impl.getClass().getPackage();
        String v = p == null ? null : p.getImplementationVersion();
        return v != null ? v : "0.0.0";
    }

    /** The scheduler shared by the callers (waiting calls' deadlines). Internal. */
    ScheduledExecutorService executor() {
        return executor;
    }

    void forget(AutoCloseable c) {
        owned.remove(c);
    }

    void own(AutoCloseable c) {
        owned.add(c);
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the ZooKeeper discovery of " + connect + " is closed");
        }
    }

    /** Whether {@link #close()} was called. */
    public boolean isClosed() {
        return closed;
    }

    /**
     * Closes the callers (gracefully), watches and registrations made here (deleting their entries, as far
     * as ZooKeeper answers), then the session, which deletes whatever ephemeral entry is left. Idempotent.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (AutoCloseable c : List.copyOf(owned)) {
            try {
                c.close();
            } catch (Exception e) {
                LOG.debug("closing {} failed", c, e);
            }
        }
        owned.clear();
        executor.shutdown();
        try {
            executor.awaitTermination(connectTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        client.close();
    }

    @Override
    public String toString() {
        return "ZooKeeperDiscovery[" + connect + root
                + (closed ? ", closed" : isConnected() ? ", connected" : ", not connected") + "]";
    }

    /** One registered entry; closing it deletes the entry. */
    @ProviderType
    public static final class EntryRegistration implements AutoCloseable {
        private final ZooKeeperDiscovery owner;
        private final String path;
        private final PersistentNode node;
        private volatile Endpoint endpoint;

        EntryRegistration(ZooKeeperDiscovery owner, String path, PersistentNode node, Endpoint endpoint) {
            this.owner = owner;
            this.path = path;
            this.node = node;
            this.endpoint = endpoint;
        }

        /** The node's path. */
        public String path() {
            return path;
        }

        /** The endpoint as last written. */
        public Endpoint endpoint() {
            return endpoint;
        }

        /** Replaces the entry's data (same service and address); applied now or when connected. */
        public void update(Endpoint next) {
            if (!next.service().equals(endpoint.service()) || !next.address().equals(endpoint.address())) {
                throw new IllegalArgumentException("another service or address needs another entry: " + next);
            }
            endpoint = next;
            try {
                node.setData(next.toBytes());
            } catch (Exception e) {
                LOG.warn("updating ZooKeeper entry {} failed: {}", path, e.toString());
            }
        }

        /** Whether the entry exists in ZooKeeper now, as far as this session knows. */
        public boolean isCreated() {
            return node.getActualPath() != null;
        }

        /** Deletes the entry (retried by Curator while ZooKeeper is away; the session's end deletes it anyway). */
        @Override
        public void close() {
            owner.forget(this);
            try {
                node.close();
            } catch (IOException | RuntimeException e) {
                LOG.debug("deleting ZooKeeper entry {} failed: {}", path, e.toString());
            }
        }

        @Override
        public String toString() {
            return "EntryRegistration[" + path + "]";
        }
    }

    /** A server's registration; closing it deletes its entries (in the background) and stops following it. */
    @ProviderType
    public static final class ServerRegistration implements AutoCloseable {
        private final ZooKeeperDiscovery owner;
        private final ServerRegistrar registrar;

        ServerRegistration(ZooKeeperDiscovery owner, ServerRegistrar registrar) {
            this.owner = owner;
            this.registrar = registrar;
        }

        /** The endpoints registered now (what the last reconciliation wrote). */
        public List<Endpoint> endpoints() {
            return registrar.endpoints();
        }

        /** Makes the entries agree with the server now (normally done on every change by itself). */
        public void refresh() {
            registrar.changed();
        }

        /** Stops following the server and deletes its entries; returns at once. Idempotent. */
        @Override
        public void close() {
            owner.forget(this);
            registrar.close();
        }

        @Override
        public String toString() {
            return "ServerRegistration" + endpoints();
        }
    }

    /** Builds a {@link ZooKeeperDiscovery}; not thread-safe. */
    @ProviderType
    public static final class Builder {
        private String connect;
        private String root = DEFAULT_ROOT;
        private Duration sessionTimeout = Duration.ofSeconds(15);
        private Duration connectTimeout = Duration.ofSeconds(5);

        private Builder() {}

        /** The ZooKeeper connect string, {@code host:port[,host:port...]}; required. */
        public Builder connect(String connect) {
            Objects.requireNonNull(connect, "connect");
            if (connect.isBlank()) {
                throw new IllegalArgumentException("the ZooKeeper connect string is empty");
            }
            this.connect = connect.trim();
            return this;
        }

        /** The root of our nodes; default {@value #DEFAULT_ROOT}. */
        public Builder root(String root) {
            if (root == null || !root.startsWith("/") || root.endsWith("/") || root.length() < 2) {
                throw new IllegalArgumentException("root must be an absolute ZooKeeper path like /occams: " + root);
            }
            this.root = root;
            return this;
        }

        /**
         * The session timeout asked for (ZooKeeper bounds it to 2-20 times its tick): how long after a
         * server dies its entries go. Default 15 s.
         */
        public Builder sessionTimeout(Duration sessionTimeout) {
            if (sessionTimeout.isNegative() || sessionTimeout.isZero()) {
                throw new IllegalArgumentException("sessionTimeout must be positive: " + sessionTimeout);
            }
            this.sessionTimeout = sessionTimeout;
            return this;
        }

        /** How long a connect may take before it is reported (and retried). Default 5 s. */
        public Builder connectTimeout(Duration connectTimeout) {
            if (connectTimeout.isNegative() || connectTimeout.isZero()) {
                throw new IllegalArgumentException("connectTimeout must be positive: " + connectTimeout);
            }
            this.connectTimeout = connectTimeout;
            return this;
        }

        /** Starts the session in the background and returns at once. @throws IllegalStateException without connect */
        public ZooKeeperDiscovery build() {
            if (connect == null) {
                throw new IllegalStateException("a ZooKeeper connect string is required");
            }
            return new ZooKeeperDiscovery(this);
        }
    }
}
