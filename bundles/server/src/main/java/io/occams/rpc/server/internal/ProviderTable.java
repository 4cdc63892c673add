package io.occams.rpc.server.internal;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.occams.rpc.api.MethodContract;
import io.occams.rpc.api.RpcCode;
import io.occams.rpc.api.ServiceContract;
import io.occams.rpc.api.spi.ServerCall;
import io.occams.rpc.server.ServiceDispatcher;
import io.occams.rpc.server.internal.jfr.ServerEvents;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The provider table of a {@link ServiceDispatcher}: its one job is to say which providers serve
 * each name, and to carry a name across a hot swap. It inserts and removes providers, keeps the
 * split routes of every registered action, and parks the calls for a name whose last provider left
 * (a vacancy) until a provider comes back or the grace ends.
 *
 * <p>The table is an immutable snapshot replaced on every change (copy on write), so the call path
 * reads it without a lock; changes, vacancies and parking are serialized on an internal lock that
 * the call path takes only for names without a provider. When the last provider of a name leaves,
 * calls for that name that arrive within the grace are parked, not answered and not blocking any
 * thread: {@link #insert} of the name returns them (to be routed to the new provider); at the end
 * of the grace, a task on the scheduler hands them to the callback for expired calls. A name that
 * never had a provider (or a grace of zero) hands its calls to that callback at once.
 *
 * <p>Routing, invoking and answering stay in the dispatcher. Thread-safe.
 */
public final class ProviderTable {
    /** The dispatcher's logger: the log reads as before the table was a class of its own. */
    private static final Logger LOG = LoggerFactory.getLogger(ServiceDispatcher.class);

    private final Duration swapGrace;
    /** Null: schedule the grace deadlines through CompletableFuture.delayedExecutor. */
    private final ScheduledExecutorService scheduler;
    /** Gets every call that no provider will serve (after the grace, or at once); answers it. */
    private final Consumer<ServerCall> notFound;

    private final Object lock = new Object();
    /**
     * The provider table: service name to its providers, best first, never empty. Immutable; replaced as a
     * whole under {@link #lock}; volatile so that the readers (every connection's reader thread) see the
     * latest table without a lock.
     */
    private volatile Map<String, Provider[]> table = Map.of();
    /**
     * Every action {@code "<Service>.<method>"} ever registered, split once: the call path looks the
     * decoder's cached action string up here instead of cutting it in two per call. Grows only with
     * registrations (never with what arrives on the wire); an action not here is split as before. Immutable;
     * replaced as a whole under {@link #lock}.
     */
    private volatile Map<String, Route> routes = Map.of();
    /** Names whose last provider left less than swapGrace ago, with the calls parked for them. */
    @GuardedBy("lock")
    private final Map<String, Vacancy> vacancies = new HashMap<>();

    /**
     * An empty table.
     *
     * @param swapGrace how long calls for a name whose last provider left wait for a new one; zero: not at all
     * @param scheduler runs the end of each grace (short tasks); null: {@link CompletableFuture#delayedExecutor}
     * @param notFound answers a call that no provider will serve (its grace ended, or there was none);
     *        called on the thread that parks the call, or on the scheduler
     */
    public ProviderTable(Duration swapGrace, ScheduledExecutorService scheduler, Consumer<ServerCall> notFound) {
        this.swapGrace = Objects.requireNonNull(swapGrace, "swapGrace");
        this.scheduler = scheduler;
        this.notFound = Objects.requireNonNull(notFound, "notFound");
    }

    /** The providers of {@code name}, best first, never empty; null when none. Lock-free. */
    public Provider[] get(String name) {
        return table.get(name);
    }

    /** Whether {@code name} has a provider now. */
    public boolean containsKey(String name) {
        return table.containsKey(name);
    }

    /** The table now: an immutable snapshot, name to providers (best first). */
    public Map<String, Provider[]> snapshot() {
        return table;
    }

    /** The registered action {@code "<Service>.<method>"} split once; null for one never registered. Lock-free. */
    public Route route(String action) {
        return routes.get(action);
    }

    /** Whether {@code name} lost its last provider less than the grace ago (its calls park). */
    public boolean isVacant(String name) {
        synchronized (lock) {
            return vacancies.containsKey(name);
        }
    }

    /** The names that are {@linkplain #isVacant vacant} now. */
    public Set<String> vacantNames() {
        synchronized (lock) {
            return Set.copyOf(vacancies.keySet());
        }
    }

    /**
     * Adds {@code p} in its place (ranking, then newest first) and the routes of its contract, and
     * closes the name's vacancy. Returns the calls that were parked for the name, for the caller to
     * route (to {@code p} or a better provider).
     */
    public List<Parked> insert(Provider p) {
        String name = p.contract().name();
        List<Parked> released;
        int providers;
        synchronized (lock) {
            Map<String, Provider[]> next = new HashMap<>(table);
            Provider[] old = next.get(name);
            Provider[] now = insert(old, p);
            next.put(name, now);
            table = Collections.unmodifiableMap(next);
            providers = now.length;
            addRoutes(p.contract());
            Vacancy v = vacancies.remove(name);
            released = v == null ? List.of() : v.parked;
        }
        LOG.debug("registered {}", p);
        ServerEvents.swap(name, true, p.impl().getClass(), p.ranking(), providers);
        return released;
    }

    /** Adds the actions of {@code contract} to {@link #routes}. */
    @GuardedBy("lock")
    private void addRoutes(ServiceContract contract) {
        Map<String, Route> next = null;
        for (MethodContract mc : contract.methods()) {
            String action = mc.action();
            int dot = action.indexOf('.');
            if (dot >= 0 && !routes.containsKey(action)) {
                if (next == null) {
                    next = new HashMap<>(routes);
                }
                // Split exactly as dispatch splits an action it does not know: at the first dot.
                next.put(action, new Route(action.substring(0, dot), action.substring(dot + 1)));
            }
        }
        if (next != null) {
            routes = Map.copyOf(next);
        }
    }

    /**
     * Parks, or hands to the callback for expired calls, a call for a name without provider; false
     * when a provider turned up meanwhile (look in the table again).
     */
    public boolean park(ServerCall call, String service, String method) {
        synchronized (lock) {
            if (table.containsKey(service)) {
                return false;
            }
            Vacancy v = vacancies.get(service);
            if (v != null && v.deadline - System.nanoTime() > 0) {
                v.parked.add(new Parked(call, service, method));
                return true;
            }
        }
        notFound.accept(call);
        return true;
    }

    private static Provider[] insert(Provider[] old, Provider p) {
        int n = old == null ? 0 : old.length;
        Provider[] next = new Provider[n + 1];
        int j = 0;
        boolean placed = false;
        for (int i = 0; i < n; i++) {
            if (!placed && p.before(old[i])) {
                next[j++] = p;
                placed = true;
            }
            next[j++] = old[i];
        }
        if (!placed) {
            next[j] = p;
        }
        return next;
    }

    /**
     * Removes {@code p} from the table; opens a vacancy when it was the name's last provider. Returns
     * false when {@code p} was not in the table (removed before).
     */
    public boolean remove(Provider p) {
        String name = p.contract().name();
        Vacancy opened = null;
        int left;
        synchronized (lock) {
            Provider[] old = table.get(name);
            int idx = -1;
            for (int i = 0; old != null && i < old.length; i++) {
                if (old[i] == p) {
                    idx = i;
                }
            }
            if (idx < 0) {
                return false;
            }
            Map<String, Provider[]> next = new HashMap<>(table);
            left = old.length - 1;
            if (old.length == 1) {
                next.remove(name);
                if (!swapGrace.isZero()) {
                    opened = new Vacancy(System.nanoTime() + swapGrace.toNanos());
                    vacancies.put(name, opened);
                }
            } else {
                Provider[] rest = new Provider[old.length - 1];
                System.arraycopy(old, 0, rest, 0, idx);
                System.arraycopy(old, idx + 1, rest, idx, old.length - idx - 1);
                next.put(name, rest);
            }
            table = Collections.unmodifiableMap(next);
        }
        if (opened != null) {
            Vacancy v = opened;
            Runnable expire = () -> expire(name, v);
            if (scheduler != null) {
                // expire() logs what answering a call throws, so the timer's future has nothing to report
                var unused = scheduler.schedule(expire, swapGrace.toNanos(), TimeUnit.NANOSECONDS);
            } else {
                CompletableFuture.delayedExecutor(swapGrace.toNanos(), TimeUnit.NANOSECONDS)
                        .execute(expire);
            }
        }
        LOG.debug("unregistered {}", p);
        ServerEvents.swap(name, false, p.impl().getClass(), p.ranking(), left);
        return true;
    }

    /** The grace of {@code v} is over: hand its parked calls to the callback, unless a registration took them. */
    private void expire(String name, Vacancy v) {
        List<Parked> failed;
        synchronized (lock) {
            if (vacancies.get(name) != v) {
                return;
            }
            vacancies.remove(name);
            failed = v.parked;
        }
        if (!failed.isEmpty()) {
            LOG.debug(
                    "no provider of {} came back within {}; answering {} to {} calls",
                    name,
                    swapGrace,
                    RpcCode.SERVICE_NOT_FOUND,
                    failed.size());
        }
        for (Parked pc : failed) {
            try {
                notFound.accept(pc.call);
            } catch (RuntimeException e) {
                LOG.warn("answering a parked call of {} threw; answering the others", name, e);
            }
        }
    }

    /** A name's last provider left; calls for it park here until {@code deadline} (System.nanoTime). */
    private static final class Vacancy {
        final long deadline;
        /** Guarded by the table's lock (not an annotation: this nested class cannot name it). */
        final List<Parked> parked = new ArrayList<>();

        Vacancy(long deadline) {
            this.deadline = deadline;
        }
    }

    /** An action split into its service and method names, once. */
    public static final class Route {
        public final String service;
        public final String method;

        Route(String service, String method) {
            this.service = service;
            this.method = method;
        }
    }

    /** A call parked for a name without provider, with the names it was routed by. */
    public static final class Parked {
        public final ServerCall call;
        public final String service;
        public final String method;

        Parked(ServerCall call, String service, String method) {
            this.call = call;
            this.service = service;
            this.method = method;
        }
    }
}
