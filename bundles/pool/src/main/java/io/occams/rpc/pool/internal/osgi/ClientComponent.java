package io.occams.rpc.pool.internal.osgi;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.netty.buffer.ByteBuf;
import io.occams.rpc.api.ClientConfig;
import io.occams.rpc.api.RpcAddress;
import io.occams.rpc.api.RpcCode;
import io.occams.rpc.api.RpcException;
import io.occams.rpc.api.intercept.CallInterceptor;
import io.occams.rpc.api.intercept.CallInterceptors;
import io.occams.rpc.api.spi.ConfigProperties;
import io.occams.rpc.api.spi.Runtime;
import io.occams.rpc.api.spi.RuntimePreference;
import io.occams.rpc.pool.AddressSource;
import io.occams.rpc.pool.FailoverPool;
import io.occams.rpc.pool.internal.Tasks;
import io.occams.rpc.stream.Caller;
import io.occams.rpc.stream.ClientTask;
import io.occams.rpc.stream.ForwardingClientTask;
import java.util.ArrayList;
import java.util.Hashtable;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
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
 * One client per factory configuration of {@value #PID}: a {@link FailoverPool} over the configured
 * addresses, registered as a {@link Caller} service (with the configuration's properties, plus
 * {@code occams.client.addresses} and {@code occams.runtime}), so that any bundle can make proxies over it
 * with {@code RpcClient}. The properties are listed in the pool bundle's package documentation.
 *
 * <p>The registered {@code Caller} is one object for the life of the configuration; behind it sits the
 * pool of the current <em>generation</em> (a pool on one runtime). A runtime that leaves, or a
 * configuration change other than the address list, starts a new generation: new calls go to the new
 * pool at once, the old pool closes gracefully (its calls in flight get their replies), and a call that
 * the old pool lost with its connection ({@code rpc_io_err}, which the pool itself retries) is sent again
 * through the new one, and so is, after a pause, a call whose own retries all met connections that were
 * closing (at most {@code retryLimit} more times, the pool's rule for {@code rpc_io_err}). A call that reached no server ({@code rpc_unreachable}: the address refused for a
 * moment while a server moved its listeners) is sent again after a short pause, for up to
 * {@code connectTimeout}, instead of failing at once. A change of the address list
 * alone is handed to {@link FailoverPool#updateAddresses}, which drains removed addresses without losing a
 * call. A runtime's departure is handled inside its unbind, so the runtime closes only after the pool let
 * go of it.
 *
 * <p><b>Discovery.</b> A configuration with {@code service} and {@code discovery} instead of
 * {@code addresses} takes its addresses from the {@link AddressSource} service of that name (a discovery
 * bundle's): the pool starts empty and follows the source's list through
 * {@link FailoverPool#updateAddresses}. While the service has no address a call waits, up to
 * {@code taskTimeout}, for one, then fails with {@code rpc_unreachable} naming the service. When the
 * source leaves (its bundle updated or stopped) the last list stands and calls go on; when it comes back
 * it is followed again. The registered {@code Caller} stays the same object throughout, so proxies over
 * it, or over a {@code TrackingCaller} of it, live through a discovery bundle's update.
 *
 * <p><b>Interceptors.</b> The {@link CallInterceptor} services of the registry meant for clients (no
 * {@value CallInterceptor#SIDE_PROPERTY}, or {@code client}), highest {@code service.ranking} first, are
 * the registered Caller's {@linkplain Caller#interceptors() interceptors}: every proxy over it runs them
 * after its own. They follow the registry: one that comes or goes applies to the calls that start after,
 * without touching the pool or the calls in flight.
 *
 * <p>Threading: DS callbacks come from any thread and are serialized on {@link #lock}; {@code submit} takes
 * no lock.
 */
@Component(
        configurationPid = ClientComponent.PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE,
        service = {})
@Designate(ocd = ClientMetatype.class, factory = true)
public final class ClientComponent {
    /** The factory PID of client pools. */
    public static final String PID = "io.occams.rpc.client";

    private static final Logger LOG = LoggerFactory.getLogger(ClientComponent.class);

    private final Object lock = new Object();
    /** The runtimes in the registry, best ranked first. */
    @GuardedBy("lock")
    private final Map<ServiceReference<Runtime>, Runtime> runtimes = new TreeMap<>((a, b) -> b.compareTo(a));

    private final SwitchingCaller caller = new SwitchingCaller();
    private BundleContext context;

    @GuardedBy("lock")
    private Settings settings;

    @GuardedBy("lock")
    private Runtime runtime;

    @GuardedBy("lock")
    private ServiceRegistration<Caller> registration;

    @GuardedBy("lock")
    private boolean active;
    /** The address sources in the registry. */
    @GuardedBy("lock")
    private final Map<ServiceReference<AddressSource>, AddressSource> sources = new java.util.HashMap<>();
    /** The source followed now, and the handle of that following. */
    @GuardedBy("lock")
    private AddressSource source;

    private AutoCloseable following;
    /** The client interceptors in the registry, best ranked first. */
    @GuardedBy("lock")
    private final Map<ServiceReference<CallInterceptor>, CallInterceptor> interceptors =
            new TreeMap<>((a, b) -> b.compareTo(a));
    /** The last list a source gave (discovery mode); written by the source's thread, read by moveTo. */
    private volatile List<RpcAddress> discovered = List.of();

    @Activate
    void activate(BundleContext context, Map<String, Object> properties) {
        synchronized (lock) {
            this.context = context;
            this.settings = new Settings(properties);
            caller.patienceNanos = patience(settings);
            caller.ioRetries = settings.retryLimit;
            caller.retryAfterSend = settings.retryAfterSend;
            caller.emptyMessage = settings.emptyMessage();
            active = true;
            moveTo(pick(null));
            followSource();
        }
    }

    @Modified
    void modified(Map<String, Object> properties) {
        synchronized (lock) {
            Settings next = new Settings(properties);
            Settings before = settings;
            settings = next;
            caller.patienceNanos = patience(next);
            caller.ioRetries = next.retryLimit;
            caller.retryAfterSend = next.retryAfterSend;
            caller.emptyMessage = next.emptyMessage();
            if (!java.util.Objects.equals(next.service, before.service)
                    || !java.util.Objects.equals(next.discovery, before.discovery)) {
                stopFollowing();
                discovered = List.of();
                followSource();
            }
            FailoverPool pool = caller.current;
            if (pool != null && next.sameExceptAddresses(before) && runtime != null && next.accepts(runtime.name())) {
                pool.updateAddresses(addressesOf(next));
                publish();
            } else {
                moveTo(pick(null));
            }
        }
    }

    @Deactivate
    void deactivate() {
        synchronized (lock) {
            active = false;
            stopFollowing();
            if (registration != null) {
                registration.unregister();
                registration = null;
            }
            caller.shutdown();
        }
    }

    @Reference(
            service = Runtime.class,
            cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addRuntime(ServiceReference<Runtime> reference, Runtime r) {
        synchronized (lock) {
            runtimes.put(reference, r);
            if (active && (runtime == null || (r != runtime && settings.prefers(r.name(), runtime.name())))) {
                moveTo(pick(null));
            }
        }
    }

    void removeRuntime(ServiceReference<Runtime> reference, Runtime r) {
        synchronized (lock) {
            runtimes.remove(reference);
            if (active && r == runtime) {
                moveTo(pick(r));
            }
        }
    }

    @Reference(
            service = AddressSource.class,
            cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addSource(ServiceReference<AddressSource> reference, AddressSource s) {
        synchronized (lock) {
            sources.put(reference, s);
            if (active && source == null) {
                followSource();
            }
        }
    }

    void removeSource(ServiceReference<AddressSource> reference, AddressSource s) {
        synchronized (lock) {
            sources.remove(reference);
            if (s == source) {
                LOG.info(
                        "client {}: discovery {} left; keeping its last addresses {}",
                        settings.name,
                        settings.discovery,
                        discovered);
                stopFollowing();
                followSource(); // another of the same name, if any
            }
        }
    }

    @Reference(
            service = CallInterceptor.class,
            cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY,
            unbind = "removeInterceptor",
            updated = "updatedInterceptor")
    void addInterceptor(ServiceReference<CallInterceptor> reference, CallInterceptor i) {
        Object side = reference.getProperty(CallInterceptor.SIDE_PROPERTY);
        if (side != null && !"client".equalsIgnoreCase(String.valueOf(side))) {
            return;
        }
        synchronized (lock) {
            interceptors.remove(reference); // a ranking change re-binds it: re-sort
            interceptors.put(reference, i);
            caller.interceptors = CallInterceptors.of(new ArrayList<>(interceptors.values()));
        }
    }

    void updatedInterceptor(ServiceReference<CallInterceptor> reference, CallInterceptor i) {
        synchronized (lock) {
            interceptors.remove(reference);
        }
        addInterceptor(reference, i);
        synchronized (lock) {
            caller.interceptors = CallInterceptors.of(new ArrayList<>(interceptors.values()));
        }
    }

    void removeInterceptor(ServiceReference<CallInterceptor> reference, CallInterceptor i) {
        synchronized (lock) {
            if (interceptors.remove(reference) != null) {
                caller.interceptors = CallInterceptors.of(new ArrayList<>(interceptors.values()));
            }
        }
    }

    /** In discovery mode, follows the source of the configured name, if there is one. */
    @GuardedBy("lock")
    private void followSource() {
        if (settings.discovery == null || source != null) {
            return;
        }
        for (Map.Entry<ServiceReference<AddressSource>, AddressSource> e : sources.entrySet()) {
            if (settings.discovery.equals(e.getKey().getProperty(AddressSource.NAME))) {
                source = e.getValue();
                String service = settings.service;
                following = source.follow(service, this::discovered);
                return;
            }
        }
        LOG.debug("client {}: no discovery named {} yet", settings.name, settings.discovery);
    }

    @GuardedBy("lock")
    private void stopFollowing() {
        if (following != null) {
            try {
                following.close();
            } catch (Exception e) {
                LOG.debug("client {}: closing the discovery watch failed", settings.name, e);
            }
        }
        following = null;
        source = null;
    }

    /** A new list from the source, on its thread: applied to the current pool without the component's lock. */
    private void discovered(List<RpcAddress> addresses) {
        discovered = List.copyOf(addresses);
        FailoverPool pool = caller.current;
        if (pool != null) {
            try {
                pool.updateAddresses(addresses);
            } catch (IllegalStateException closed) {
                // replaced meanwhile: moveTo gives the new pool the latest list
            }
        }
    }

    private List<RpcAddress> addressesOf(Settings s) {
        return s.discovery != null ? discovered : s.addresses;
    }

    /** How long a call that reached no server keeps trying: in discovery mode, the whole task timeout. */
    private static long patience(Settings s) {
        return (s.discovery != null ? s.config.taskTimeout() : s.config.connectTimeout()).toNanos();
    }

    @GuardedBy("lock")
    private Runtime pick(Runtime leaving) {
        return settings.runtimes.pick(runtimes.values(), leaving);
    }

    /** A new generation on {@code next} (null: none; calls fail with rpc_unreachable until a runtime comes). */
    @GuardedBy("lock")
    private void moveTo(Runtime next) {
        runtime = next;
        List<RpcAddress> start = addressesOf(settings);
        FailoverPool pool = next == null
                ? null
                : new FailoverPool(
                        next, start, settings.config, settings.selection, settings.retryLimit, settings.retryAfterSend);
        caller.retire(pool);
        List<RpcAddress> latest = addressesOf(settings);
        if (pool != null && latest != start) {
            pool.updateAddresses(latest); // a list that came while the pool was being made
        }
        LOG.debug("client {} on {}", settings.name, next == null ? "no runtime" : next.name());
        publish();
    }

    /** Registers the Caller, or updates its properties. */
    @GuardedBy("lock")
    private void publish() {
        Hashtable<String, Object> props = new Hashtable<>(settings.serviceProperties);
        List<String> addresses = new ArrayList<>();
        for (RpcAddress a : settings.addresses) {
            addresses.add(a.toString());
        }
        props.put("occams.client.addresses", addresses.toArray(String[]::new));
        if (settings.discovery != null) {
            props.put("occams.client.service", settings.service);
            props.put("occams.client.discovery", settings.discovery);
        }
        if (runtime != null) {
            props.put("occams.runtime", runtime.name());
        }
        if (registration == null) {
            registration = context.registerService(Caller.class, caller, props);
        } else {
            registration.setProperties(props);
        }
    }

    /**
     * The registered Caller: the current generation's pool, and a second chance through the new pool for a
     * call that a retired pool gave back unsent or lost with its connection.
     */
    static final class SwitchingCaller implements Caller {
        /** The pool new calls go to; null without a runtime. Written under the component's lock. */
        volatile FailoverPool current;
        /** How long a call that reached no server may keep waiting for one; set with the settings. */
        volatile long patienceNanos = java.time.Duration.ofSeconds(10).toNanos();
        /** How many more attempts, after a pause, a call lost with its connection gets: the pool's retryLimit. */
        volatile int ioRetries = 2;
        /** The pool's retryAfterSend: whether a call lost after its frame was written is sent again anyway. */
        volatile boolean retryAfterSend;
        /** The registry's client interceptors; null for none. Written under the component's lock. */
        volatile CallInterceptors interceptors;
        /** In discovery mode, why a call failed when the service has no address (names it); else null. */
        volatile String emptyMessage;
        /** Runs the later attempts of calls that reached no server; one daemon thread, only while used. */
        private final java.util.concurrent.ScheduledThreadPoolExecutor timer;
        /** The calls waiting for their next attempt on {@link #timer}; whoever removes one sends or fails it. */
        private final java.util.concurrent.ConcurrentHashMap<Object, ClientTask> waiting =
                new java.util.concurrent.ConcurrentHashMap<>();

        SwitchingCaller() {
            timer = new java.util.concurrent.ScheduledThreadPoolExecutor(1, r -> {
                Thread t = new Thread(r, "occams-rpc client reroute");
                t.setDaemon(true);
                return t;
            });
            timer.setKeepAliveTime(10, java.util.concurrent.TimeUnit.SECONDS);
            timer.allowCoreThreadTimeOut(true);
            timer.setRemoveOnCancelPolicy(true);
        }

        /** Makes {@code next} current and closes the pool it replaces, gracefully. */
        void retire(FailoverPool next) {
            FailoverPool old = current;
            current = next;
            if (old != null) {
                old.close();
            }
        }

        /** Closes the pool; the calls waiting for another attempt fail now (the timer refuses them). */
        void shutdown() {
            retire(null);
            timer.shutdownNow(); // drops the scheduled attempts: their tasks are failed here instead
            for (Object key : waiting.keySet()) {
                ClientTask task = waiting.remove(key);
                if (task != null) {
                    Tasks.fail(
                            task,
                            new RpcException(
                                    RpcCode.IO, "client configuration removed or stopped before the call was sent"));
                }
            }
        }

        @Override
        public void submit(ClientTask task) {
            submit(task, System.nanoTime(), 0);
        }

        void submit(ClientTask task, long since, int attempt) {
            FailoverPool pool = current;
            if (pool == null) {
                if (!later(task, since, attempt)) {
                    Tasks.fail(
                            task,
                            new RpcException(
                                    RpcCode.UNREACHABLE,
                                    "no runtime for this client: none of the configured runtimes is there"));
                }
                return;
            }
            pool.submit(new Rerouted(task, pool, this, since, attempt));
        }

        /** Sends {@code task} again after a short pause; false when its patience is spent or the client closed. */
        boolean later(ClientTask task, long since, int attempt) {
            if (System.nanoTime() - since > patienceNanos || timer.isShutdown()) {
                return false;
            }
            long delayMillis = Math.min(200, 5L << Math.min(attempt, 6));
            Object key = new Object();
            waiting.put(key, task);
            try {
                // submit completes the task on every path, so the timer's future has nothing to report
                var unused = timer.schedule(
                        () -> {
                            if (waiting.remove(key) != null) {
                                submit(task, since, attempt + 1);
                            }
                        },
                        delayMillis,
                        java.util.concurrent.TimeUnit.MILLISECONDS);
                return true;
            } catch (java.util.concurrent.RejectedExecutionException closed) {
                return waiting.remove(key) == null; // shutdown() took it and failed it meanwhile
            }
        }

        @Override
        public CallInterceptors interceptors() {
            return interceptors;
        }

        @Override
        public boolean isHealthy() {
            FailoverPool pool = current;
            return pool != null && pool.isHealthy();
        }
    }

    /**
     * One call through a generation's pool, with two second chances the pool alone cannot give. A call
     * that failed with {@code rpc_unreachable} never reached a server (the address was down for a moment:
     * a server moving its listeners, a runtime being replaced), so it is sent again after a short pause,
     * for up to {@code connectTimeout}. A call that a retired pool gave back with {@code rpc_io_err} (which
     * the pool itself would have retried) goes once more through the current pool. A call whose blob is
     * gone (sent once) is never sent again, nor is one that failed with {@code rpc_io_err} after its frame
     * was written, unless it is idempotent or the pool has {@code retryAfterSend} (the pool's own rule).
     */
    static final class Rerouted extends ForwardingClientTask {
        private final FailoverPool pool;
        private final SwitchingCaller caller;
        private final long since;
        private final int attempt;
        /** Whether the pool began writing the call's frame (then it may have reached a server). */
        private volatile boolean written;

        Rerouted(ClientTask task, FailoverPool pool, SwitchingCaller caller, long since, int attempt) {
            super(task);
            this.pool = pool;
            this.caller = caller;
            this.since = since;
            this.attempt = attempt;
        }

        @Override
        public void encodeMsg(ByteBuf out) {
            written = true;
            super.encodeMsg(out);
        }

        @Override
        public void onFailure(RpcException failure) {
            boolean mayResendIo = !written || task.isIdempotent() || caller.retryAfterSend;
            if (!blobTaken() && (failure.code() != RpcCode.IO || mayResendIo)) {
                if (failure.code() == RpcCode.UNREACHABLE && caller.later(task, since, attempt)) {
                    return;
                }
                // rpc_io_err is what the pool itself retries (retryLimit times, at once); when those attempts hit
                // the same closing connections, a few more after a pause reach the re-bound server.
                if (failure.code() == RpcCode.IO && attempt < caller.ioRetries && caller.later(task, since, attempt)) {
                    return;
                }
                FailoverPool now = caller.current;
                if (failure.code() == RpcCode.IO && now != null && now != pool && pool.isClosed()) {
                    now.submit(new Rerouted(task, now, caller, since, attempt));
                    return;
                }
                String empty = caller.emptyMessage;
                if (failure.code() == RpcCode.UNREACHABLE
                        && empty != null
                        && pool.addresses().isEmpty()) {
                    failure = new RpcException(RpcCode.UNREACHABLE, empty, failure);
                }
            }
            task.onFailure(failure);
        }
    }

    /** The configuration of one client. Immutable. */
    static final class Settings {
        final String name;
        final List<RpcAddress> addresses;
        final RuntimePreference runtimes;
        final ClientConfig config;
        final FailoverPool.Selection selection;
        final int retryLimit;
        final boolean retryAfterSend;
        final Map<String, Object> serviceProperties;
        /** Discovery mode: the service to look up and the discovery's name; both null otherwise. */
        final String service;

        final String discovery;

        Settings(Map<String, Object> p) {
            ConfigProperties props = new ConfigProperties(p);
            this.name = props.string("name", props.string(Constants.SERVICE_PID, PID));
            List<RpcAddress> a = new ArrayList<>();
            for (String s : props.strings("addresses")) {
                a.add(RpcAddress.parse(s));
            }
            String svc = props.string("service", "").trim();
            String disc = props.string("discovery", "").trim();
            this.service = svc.isEmpty() || disc.isEmpty() ? null : svc;
            this.discovery = svc.isEmpty() || disc.isEmpty() ? null : disc;
            if (a.isEmpty() && discovery == null) {
                throw new IllegalArgumentException(
                        "client configuration " + name + " has no addresses (nor a service and a discovery)");
            }
            if (!a.isEmpty() && discovery != null) {
                throw new IllegalArgumentException(
                        "client configuration " + name + " gives both addresses and a discovery");
            }
            this.addresses = List.copyOf(a);
            this.runtimes = RuntimePreference.fromProperties(p);
            this.config = ClientConfig.fromProperties(p);
            String sel = props.string("selection", "round_robin")
                    .toUpperCase(Locale.ROOT)
                    .replace('-', '_');
            try {
                this.selection = FailoverPool.Selection.valueOf(sel);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("selection must be round_robin or first_healthy: " + sel, e);
            }
            this.retryLimit = props.integer("retryLimit", 2);
            this.retryAfterSend = props.bool("retryAfterSend", false);
            this.serviceProperties = props.publicProperties();
        }

        /** In discovery mode, the failure message of a call made while the service has no address. */
        String emptyMessage() {
            return discovery == null
                    ? null
                    : "no endpoint of service " + service + " in discovery " + discovery + " within taskTimeout "
                            + config.taskTimeout().toMillis() + " ms";
        }

        /** Whether only the address list may differ (what {@link FailoverPool#updateAddresses} can apply). */
        boolean sameExceptAddresses(Settings o) {
            return o != null
                    && runtimes.equals(o.runtimes)
                    && config.toString().equals(o.config.toString())
                    && selection == o.selection
                    && retryLimit == o.retryLimit
                    && retryAfterSend == o.retryAfterSend;
        }

        boolean accepts(String runtime) {
            return runtimes.accepts(runtime);
        }

        boolean prefers(String a, String b) {
            return runtimes.prefers(a, b);
        }
    }
}
