package io.occams.rpc.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.occams.rpc.api.NonBlocking;
import io.occams.rpc.api.RpcCode;
import io.occams.rpc.api.RpcException;
import io.occams.rpc.api.RpcService;
import io.occams.rpc.api.ServerConfig;
import io.occams.rpc.api.ServiceContract;
import io.occams.rpc.api.intercept.CallInterceptor;
import io.occams.rpc.api.intercept.CallInterceptors;
import io.occams.rpc.api.introspect.Health;
import io.occams.rpc.api.introspect.ListenerStatus;
import io.occams.rpc.api.introspect.ProviderOrigin;
import io.occams.rpc.api.introspect.Reflection;
import io.occams.rpc.api.introspect.ServerStatus;
import io.occams.rpc.api.introspect.ServiceInfo;
import io.occams.rpc.api.introspect.ServiceStatus;
import io.occams.rpc.api.introspect.Status;
import io.occams.rpc.api.spi.Codec;
import io.occams.rpc.api.spi.Dispatch;
import io.occams.rpc.api.spi.ServerCall;
import io.occams.rpc.api.spi.WireError;
import io.occams.rpc.errors.ErrorCodecRegistry;
import io.occams.rpc.server.internal.BuiltinServices;
import io.occams.rpc.server.internal.InterceptedCall;
import io.occams.rpc.server.internal.Introspection;
import io.occams.rpc.server.internal.MethodInvoker;
import io.occams.rpc.server.internal.Provider;
import io.occams.rpc.server.internal.ProviderTable;
import io.occams.rpc.server.internal.ProviderTable.Parked;
import io.occams.rpc.server.internal.ProviderTable.Route;
import io.occams.rpc.server.internal.ReplyBuffer;
import io.occams.rpc.server.internal.jfr.ServerEvents;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Supplier;
import org.osgi.annotation.versioning.ProviderType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The remote-API {@link Dispatch}: routes each call {@code "<Service>.<method>"} to the current provider
 * of that service, decodes the arguments, runs the method and answers with its result or its exception.
 *
 * <p><b>Routing</b> (spec §7.3, with §12.18 fixed). The string action is split at the first dot. A
 * numeric action or one without a dot is answered {@code rpc_decode}; a service name no provider serves,
 * {@code rpc_service_notfound}; a method the service lacks, {@code rpc_method_notfound}; arguments that do
 * not decode (or leave bytes over), {@code rpc_decode}. The connection stays open in every case, and a
 * service served alone still checks its name. Arguments are the Rust seed's single argument: none is nil,
 * one is the value, several are an array ({@code add(10, 20)} arrives as {@code 92 0a 14}). The result is
 * encoded by the codec's binding of the result type; {@code void} answers nil {@code c0}.
 *
 * <p><b>Threading: where each kind of method runs.</b> {@link #dispatch} runs on the connection's reader
 * and never blocks.
 * <ul>
 * <li>A <b>synchronous</b> method ({@code long add(long, long)}) may block (sleep, wait for a lock, do
 * I/O), so it runs off the reader, on the {@linkplain Builder#executor executor}:
 * {@link ServerCall#executor()} by default, that is the runtime's blocking executor, which is virtual
 * threads on a Java 21+ JVM under either runtime and a bounded pool on Java 17. A blocked method thus
 * never stalls its connection, nor any other. The stream layer hands the calls of one read burst over
 * together, to one thread that runs them one after the other and flushes their replies once; should one
 * of them block (no progress for about a millisecond), the others are moved to threads of their own. So
 * the plain method costs about what an async one does (see README, "Synchronous methods"), and an
 * executor that refuses work never fails a call: a refused call runs on the reader instead.</li>
 * <li>A method returning {@link CompletableFuture} or {@link CompletionStage} is invoked <em>on the
 * reader</em> and must therefore return at once, without blocking; it is answered when its future
 * completes, on whatever thread completes it.</li>
 * <li>A synchronous method marked {@link NonBlocking @NonBlocking} (or of an interface so marked) declares
 * that it is cheap and never waits: it too runs on the reader, with no hand-off at all.</li>
 * </ul>
 * How many calls may wait is bounded per connection and per server ({@code ServerConfig}): past either
 * bound the server stops reading the connection that brings more, until calls complete; a call once
 * accepted is always run and answered.
 *
 * <p><b>Errors.</b> An exception thrown by a method, or a future that fails, goes through the
 * {@link ErrorCodecRegistry}: an errno frame ({@code ErrnoException}), a string frame
 * ({@code MessageException}, codec-encoded errors) or {@code rpc_internal_err} for what no codec maps. An
 * {@link RpcException} with a code answers that code. Every call is answered exactly once.
 *
 * <p><b>Providers and hot swap</b> (DESIGN.md, "Hot swap, precisely"). Several providers may serve one
 * name; they are ordered by ranking, then newest first, and new calls go to the first. The table is an
 * immutable snapshot replaced on every change (copy on write), so the call path reads it without a lock. A
 * call counts itself in flight on the provider it picked and finishes there even if the provider leaves
 * meanwhile. {@link Registration#close()} removes a provider at once (new calls go to the next one) and
 * then waits, at most the {@linkplain Builder#drainTimeout drain timeout}, for the calls it still runs. When
 * the last provider of a name leaves, calls for that name that arrive within
 * {@linkplain Builder#swapGrace swapGrace} of its leaving are parked, not answered and not blocking any
 * thread: a registration of the name releases them to the new provider; at the end of the grace they are
 * answered {@code rpc_service_notfound}. A name that never had a provider is answered at once.
 *
 * <p><b>ServiceLoader.</b> {@link #registerAll(Class)} registers every provider of an interface that
 * {@link ServiceLoader} finds (a {@code provides} clause on the module path, {@code META-INF/services} on the
 * class path). The dispatcher's module declares {@code uses} for them at run time
 * ({@link Module#addUses}), so service modules need not be known when this bundle is built.
 *
 * <p><b>Thread safety.</b> All methods may be called from any thread. Registrations and unregistrations are
 * serialized on an internal lock that the call path takes only for names without a provider.
 *
 * <p><b>Ownership.</b> The dispatcher keeps the implementations until their registration is closed. It
 * borrows the call's msg and never keeps it past the answer.
 *
 * <pre>{@code
 * ServiceDispatcher dispatcher = ServiceDispatcher.create();           // ServiceLoader's msgpack codec
 * ServiceDispatcher.Registration r = dispatcher.register(CalService.class, new CalServiceImpl());
 * dispatcher.registerAll(EchoService.class);                           // what ServiceLoader provides
 * StreamServer server = new StreamServer(runtime, ServerConfig.defaults(), dispatcher);
 * ...
 * r.close();   // new calls go elsewhere (or wait swapGrace); returns when r's calls have finished
 * }</pre>
 *
 * <p><b>Looking inside.</b> Unless {@linkplain Builder#introspection(boolean) told not to}, a dispatcher
 * serves three services of its own, as ordinary providers at the lowest ranking: {@link Reflection}
 * ({@code OccamsReflection}: what is served, method by method, and by which provider), {@link Health}
 * ({@code OccamsHealth}: serving or not per name; everything is {@code NOT_SERVING} once
 * {@link #serving(boolean) serving(false)} was called, as {@link RpcServer#shutdown()} does for the
 * dispatcher it made) and {@link Status} ({@code OccamsStatus}: the listeners of every {@link RpcServer}
 * over this dispatcher, and calls, errors and calls in flight per service).
 *
 * <p><b>Interceptors</b> ({@link CallInterceptor}) run around every call when there are any
 * ({@link Builder#interceptors}, {@link #interceptors(List)}); with none, a call reads one field more.
 *
 * <p><b>JFR.</b> The dispatcher emits {@code io.occams.rpc.Call} (service, method, peer, outcome, duration;
 * off by default) while a recording enables it, and {@code io.occams.rpc.ProviderSwap} on every
 * registration and unregistration.
 */
@ProviderType
public final class ServiceDispatcher implements Dispatch {
    private static final Logger LOG = LoggerFactory.getLogger(ServiceDispatcher.class);
    /** The default bound on how long an unregistration waits for its provider's calls. */
    public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(30);

    private final Codec codec;
    private final ErrorCodecRegistry errors;
    private final Duration swapGrace;
    private final Duration drainTimeout;
    /** Null: run synchronous methods on each call's own executor. */
    private final Executor executor;
    /** Null: schedule the grace deadlines through CompletableFuture.delayedExecutor. */
    private final ScheduledExecutorService scheduler;

    private final AtomicLong serials = new AtomicLong();
    /** Null when there is no interceptor: the call path then only reads this field. */
    private volatile CallInterceptors interceptors;
    /** The interceptors with the JFR call event first: what runs while a recording wants io.occams.rpc.Call. */
    private volatile CallInterceptors recorded;

    private final InterceptedCall.ArgumentDecoder argumentDecoder = this::decodeFor;
    private final Function<Class<?>, ProviderOrigin> origins;
    /** False once draining: health answers NOT_SERVING for every name. */
    private volatile boolean serving = true;

    /** The providers of each name, the routes, and the calls parked across a hot swap. */
    private final ProviderTable table;
    /** Run after every change of the provider table (see {@link #addChangeListener}). */
    private final List<Runnable> changeListeners = new CopyOnWriteArrayList<>();
    /** The listeners of every {@link RpcServer} over this dispatcher, for the status service. */
    private final List<Supplier<ListenerStatus>> listeners = new CopyOnWriteArrayList<>();

    private ServiceDispatcher(Builder b) {
        this.codec = b.codec != null ? b.codec : Codec.loadDefault();
        this.errors = b.errors != null ? b.errors : ErrorCodecRegistry.withBuiltins();
        this.swapGrace = b.swapGrace;
        this.drainTimeout = b.drainTimeout;
        this.executor = b.executor;
        this.scheduler = b.scheduler;
        this.table = new ProviderTable(swapGrace, scheduler, call -> answer(call, RpcCode.SERVICE_NOT_FOUND));
        this.interceptors = CallInterceptors.of(b.interceptors);
        this.recorded = recordedChain(b.interceptors);
        this.origins = b.origins;
        if (b.introspection) {
            register(Reflection.class, BuiltinServices.reflection(this::services, this::describe), Integer.MIN_VALUE);
            register(Health.class, BuiltinServices.health(this::health, this::healthAll), Integer.MIN_VALUE);
            register(Status.class, BuiltinServices.status(this::status), Integer.MIN_VALUE);
        }
    }

    /**
     * A dispatcher with the defaults: the format-0 {@link Codec} that {@link ServiceLoader} finds, the
     * built-in error codecs, the default swapGrace of {@link ServerConfig}, a drain timeout of 30 s, and
     * each call's own executor.
     *
     * @throws IllegalStateException when no msgpack codec is found
     */
    public static ServiceDispatcher create() {
        return builder().build();
    }

    /** A builder starting from the defaults of {@link #create()}. */
    public static Builder builder() {
        return new Builder();
    }

    /** The codec that decodes arguments and encodes results. */
    public Codec codec() {
        return codec;
    }

    /** The registry that turns exceptions into error frames. */
    public ErrorCodecRegistry errors() {
        return errors;
    }

    /** How long calls for a name whose last provider left wait for a replacement. */
    public Duration swapGrace() {
        return swapGrace;
    }

    /** How long {@link Registration#close()} waits for the provider's calls in flight. */
    public Duration drainTimeout() {
        return drainTimeout;
    }

    /**
     * Registers {@code impl} as a provider of {@code serviceInterface} with ranking 0. Binds every method
     * now (method handles, codec bindings), so calls do no reflection. Calls parked for the name are
     * released to it.
     *
     * @throws IllegalArgumentException when the interface is no {@link RpcService} interface, {@code impl}
     *         does not implement it, or the codec cannot bind one of its types
     */
    public <T> Registration register(Class<T> serviceInterface, T impl) {
        return register(serviceInterface, impl, 0);
    }

    /**
     * Registers {@code impl} as a provider of {@code serviceInterface} with {@code ranking} (as OSGi's
     * {@code service.ranking}: higher wins; among equals the newest wins). New calls go to it at once when
     * it ranks first; calls already running on another provider finish there.
     *
     * @throws IllegalArgumentException as {@link #register(Class, Object)}
     */
    public <T> Registration register(Class<T> serviceInterface, T impl, int ranking) {
        Objects.requireNonNull(serviceInterface, "serviceInterface");
        Objects.requireNonNull(impl, "impl");
        if (!serviceInterface.isInstance(impl)) {
            throw new IllegalArgumentException(
                    impl.getClass().getName() + " does not implement " + serviceInterface.getName());
        }
        return register(ServiceContract.of(serviceInterface), impl, ranking);
    }

    /**
     * Registers {@code impl} as a provider of {@code contract}, which may be a plain interface's contract
     * under a name of the caller's choosing ({@link ServiceContract#of(Class, String)}): how bridges serve
     * interfaces that carry no {@link RpcService} annotation. Otherwise as {@link #register(Class, Object, int)}.
     *
     * @throws IllegalArgumentException when {@code impl} does not implement the contract's interface, or the
     *         codec cannot bind one of its types
     */
    public Registration register(ServiceContract contract, Object impl, int ranking) {
        Objects.requireNonNull(contract, "contract");
        Objects.requireNonNull(impl, "impl");
        if (!contract.type().isInstance(impl)) {
            throw new IllegalArgumentException(impl.getClass().getName() + " does not implement "
                    + contract.type().getName());
        }
        Provider p = new Provider(contract, impl, ranking, serials.incrementAndGet(), codec);
        List<Parked> released = table.insert(p);
        for (Parked pc : released) {
            route(pc.call, pc.service, pc.method);
        }
        changed();
        return new Reg(p);
    }

    /**
     * Registers every provider of {@code serviceInterface} that {@link ServiceLoader} finds through the
     * thread's context class loader (the class path, and the named modules of the boot layer on the
     * module path). See {@link #registerAll(Class, ClassLoader)}.
     */
    public <T> List<Registration> registerAll(Class<T> serviceInterface) {
        return registerAll(serviceInterface, Thread.currentThread().getContextClassLoader());
    }

    /**
     * Registers every provider of {@code serviceInterface} that {@link ServiceLoader#load(Class, ClassLoader)}
     * finds through {@code loader}, with ranking 0. Before loading, this bundle's module declares that it
     * uses the interface ({@link Module#addUses}), so on the module path a service module only needs
     * {@code provides CalService with CalServiceImpl;}, and on the class path a
     * {@code META-INF/services/<interface>} file. The first provider found ranks first (the others are
     * registered before it, so it is the newest). A provider that fails to load is logged and skipped.
     *
     * @return the registrations, in the order found; empty when none was found
     * @throws IllegalArgumentException when the interface is no {@link RpcService} interface
     */
    public <T> List<Registration> registerAll(Class<T> serviceInterface, ClassLoader loader) {
        ServiceContract.of(serviceInterface);
        Module self = ServiceDispatcher.class.getModule();
        if (self.isNamed() && !self.canUse(serviceInterface)) {
            self.addUses(serviceInterface);
        }
        if (self.isNamed() && !self.canRead(serviceInterface.getModule())) {
            self.addReads(serviceInterface.getModule());
        }
        List<T> found = new ArrayList<>();
        Iterator<T> it = ServiceLoader.load(serviceInterface, loader).iterator();
        for (int failures = 0; failures < 100; ) {
            try {
                if (!it.hasNext()) {
                    break;
                }
                found.add(it.next());
            } catch (ServiceConfigurationError e) {
                failures++;
                LOG.warn("a provider of {} failed to load; skipped", serviceInterface.getName(), e);
            }
        }
        Registration[] regs = new Registration[found.size()];
        for (int i = found.size() - 1; i >= 0; i--) {
            regs[i] = register(serviceInterface, found.get(i));
        }
        return List.of(regs);
    }

    /** The names that have at least one provider now. */
    public Set<String> serviceNames() {
        return Collections.unmodifiableSet(new TreeSet<>(table.snapshot().keySet()));
    }

    /** Whether {@code serviceName} has a provider now. */
    public boolean serves(String serviceName) {
        return table.containsKey(serviceName);
    }

    /**
     * The implementation that new calls for {@code serviceName} go to now (its best-ranked provider), or
     * null when the name has no provider. For what is told about a server, e.g. a discovery's entry with
     * the provider's version.
     */
    public Object provider(String serviceName) {
        Provider[] ps = table.get(serviceName);
        return ps == null ? null : ps[0].impl();
    }

    /**
     * Adds a listener run after every change of the providers: each registration and each
     * unregistration, so after a name gains its first provider, loses its last, or gets another first
     * provider. It runs on the thread that made the change, once the change shows in
     * {@link #serviceNames()} and {@link #provider(String)}; it gets no arguments and reads the state
     * there, so that when two changes race, whichever run comes last sees the last state. It must return
     * quickly and not block (hand work to an executor); an exception it throws is logged and ignored.
     * Used by service discovery to follow what a server serves.
     *
     * @return running it removes the listener; idempotent
     */
    @SuppressWarnings("UnnecessaryMethodReference") // a distinct object on purpose, see below
    public Runnable addChangeListener(Runnable listener) {
        Objects.requireNonNull(listener, "listener");
        Runnable own = listener::run; // a distinct object, so removing it never removes an equal one added twice
        changeListeners.add(own);
        return () -> changeListeners.remove(own);
    }

    private void changed() {
        for (Runnable l : changeListeners) {
            try {
                l.run();
            } catch (RuntimeException e) {
                LOG.warn("a change listener of {} failed", this, e);
            }
        }
    }

    /**
     * Handles one call. Runs on the connection's reader; never blocks.
     */
    @Override
    public void dispatch(ServerCall call) {
        CallInterceptors ic = ServerEvents.callsRecorded() ? recorded : interceptors;
        if (ic != null) {
            call = InterceptedCall.begin(ic, call, argumentDecoder);
            if (call == null) {
                return; // refused by an interceptor, and answered
            }
        }
        String action = call.stringAction();
        Route r = action == null ? null : table.route(action);
        if (r != null) {
            route(call, r.service, r.method);
            return;
        }
        int dot = action == null ? -1 : action.indexOf('.');
        if (dot < 0) {
            answer(call, RpcCode.DECODE);
            return;
        }
        route(call, action.substring(0, dot), action.substring(dot + 1));
    }

    private void route(ServerCall call, String service, String method) {
        for (; ; ) {
            Provider[] providers = table.get(service);
            if (providers == null) {
                if (table.park(call, service, method)) {
                    return;
                }
                continue; // a provider arrived while we looked
            }
            Provider p = providers[0];
            MethodInvoker m = p.method(method);
            if (m == null) {
                answer(call, RpcCode.METHOD_NOT_FOUND);
                return;
            }
            int stripe = p.acquire();
            if (stripe < 0) {
                continue; // it is leaving; the table no longer holds it
            }
            start(call, p, m, stripe);
            return;
        }
    }

    /** Runs with the call counted in flight on {@code p} (in {@code stripe}); releases it when answered. */
    private void start(ServerCall call, Provider p, MethodInvoker m, int stripe) {
        p.counted();
        Object[] args;
        try {
            args = m.decodeArguments(call.msg());
        } catch (RuntimeException e) {
            p.failed();
            LOG.debug("seq {}: {}", call.seq(), e.getMessage());
            answer(call, RpcCode.DECODE);
            p.release(stripe);
            return;
        }
        if (m.isAsync()) {
            invokeAsync(call, p, m, stripe, args);
            return;
        }
        if (m.runsOnReader()) {
            invokeSync(call, p, m, stripe, args); // @NonBlocking: as cheap as the hand-off would be, or cheaper
            return;
        }
        Executor ex = executor != null ? executor : call.executor();
        try {
            ex.execute(() -> invokeSync(call, p, m, stripe, args));
        } catch (RejectedExecutionException e) {
            // Never an error for an accepted call: run it here, which holds this connection's reader
            // back (back-pressure) until the method returns.
            LOG.debug("{}: the executor refused a call ({}); running it on the calling thread", m, e.getMessage());
            invokeSync(call, p, m, stripe, args);
        }
    }

    private void invokeSync(ServerCall call, Provider p, MethodInvoker m, int stripe, Object[] args) {
        try {
            Object result;
            try {
                result = m.invoke(args);
            } catch (Throwable t) {
                p.failed();
                answerThrown(call, m, t);
                return;
            }
            answerResult(call, m, result);
        } finally {
            p.release(stripe);
        }
    }

    private void invokeAsync(ServerCall call, Provider p, MethodInvoker m, int stripe, Object[] args) {
        CompletionStage<?> stage;
        try {
            stage = (CompletionStage<?>) m.invoke(args);
        } catch (Throwable t) {
            p.failed();
            try {
                answerThrown(call, m, t);
            } finally {
                p.release(stripe);
            }
            return;
        }
        if (stage == null) {
            p.failed();
            LOG.warn("{} returned a null future; answering {}", m, RpcCode.INTERNAL);
            answer(call, RpcCode.INTERNAL);
            p.release(stripe);
            return;
        }
        if (stage.getClass() == CompletableFuture.class && ((CompletableFuture<?>) stage).isDone()) {
            // Answered already (as most methods answered on the reader are): no dependent stage to build.
            Object result;
            try {
                result = ((CompletableFuture<?>) stage).join();
            } catch (CompletionException | CancellationException failure) {
                complete(call, p, m, stripe, null, failure);
                return;
            }
            complete(call, p, m, stripe, result, null);
            return;
        }
        stage.whenComplete((result, failure) -> complete(call, p, m, stripe, result, failure));
    }

    private void complete(ServerCall call, Provider p, MethodInvoker m, int stripe, Object result, Throwable failure) {
        try {
            if (failure != null) {
                p.failed();
                answerThrown(call, m, unwrap(failure));
            } else {
                answerResult(call, m, result);
            }
        } finally {
            p.release(stripe);
        }
    }

    private static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    private void answerResult(ServerCall call, MethodInvoker m, Object result) {
        ByteBuf out = m.replyBuffer(call.alloc(), result);
        try {
            try {
                m.encodeResult(result, out);
            } catch (Throwable t) {
                out.release();
                LOG.warn(
                        "{}: the result of seq {} could not be encoded; answering {}",
                        m,
                        call.seq(),
                        RpcCode.ENCODE,
                        t);
                answer(call, RpcCode.ENCODE);
                return;
            }
            try {
                call.reply(out, null);
            } catch (IllegalStateException e) {
                LOG.warn("{}: a call was answered twice", m, e); // not call.seq(): an answered call is no longer ours
            }
        } finally {
            ReplyBuffer.done(out);
        }
    }

    private void answerThrown(ServerCall call, MethodInvoker m, Throwable t) {
        if (t instanceof RpcException && ((RpcException) t).code() != null) {
            answer(call, ((RpcException) t).code());
            return;
        }
        WireError w;
        try {
            w = errors.encode(t, codec);
        } catch (Throwable e) {
            LOG.warn("{}: encoding {} failed; answering {}", m, t, RpcCode.INTERNAL, e);
            answer(call, RpcCode.INTERNAL);
            return;
        }
        try {
            if (w.isErrno()) {
                call.replyErrno(w.errno());
            } else {
                call.replyError(Unpooled.wrappedBuffer(w.unsafeBytes()));
            }
        } catch (IllegalStateException e) {
            LOG.warn("{}: a call was answered twice", m, e); // not call.seq(): an answered call is no longer ours
        }
    }

    private static void answer(ServerCall call, RpcCode code) {
        try {
            call.replyError(code);
        } catch (IllegalStateException e) {
            LOG.warn("a call was answered twice", e); // not call.seq(): an answered call is no longer ours
        }
    }

    /**
     * Replaces the interceptors (in the order given, the first begins first); an empty list removes them.
     * Calls already started keep the interceptors they began with.
     */
    public void interceptors(List<? extends CallInterceptor> list) {
        interceptors = CallInterceptors.of(list);
        recorded = recordedChain(list);
    }

    private static CallInterceptors recordedChain(List<? extends CallInterceptor> list) {
        if (!ServerEvents.AVAILABLE) {
            return CallInterceptors.of(list);
        }
        List<CallInterceptor> all = new ArrayList<>(list.size() + 1);
        all.add(ServerEvents.CALLS);
        all.addAll(list);
        return CallInterceptors.of(all);
    }

    /** The interceptors now, in order; empty when none. */
    public List<CallInterceptor> interceptors() {
        CallInterceptors ic = interceptors;
        return ic == null ? List.of() : ic.interceptors();
    }

    /**
     * Sets whether the {@link Health} service reports this dispatcher as serving; false (draining) makes every
     * name {@code NOT_SERVING}. Calls are still routed either way.
     */
    public void serving(boolean serving) {
        this.serving = serving;
    }

    /** Whether {@link #serving(boolean)} was last set true (the start value). */
    public boolean isServing() {
        return serving;
    }

    /** Every service served now, as the reflection service lists it, sorted by name. */
    public List<ServiceInfo> services() {
        Map<String, Provider[]> t = new TreeMap<>(table.snapshot());
        List<ServiceInfo> out = new ArrayList<>(t.size());
        for (Provider[] ps : t.values()) {
            out.add(info(ps));
        }
        return out;
    }

    /**
     * How many calls the providers serving {@code name} now have started and how many of those failed (their
     * arguments did not decode, the method threw or its future failed), summed over the providers, and how many
     * they run now; null when no provider serves it. The counts start at a provider's registration.
     */
    public CallCounts callCounts(String name) {
        Provider[] ps = table.get(name);
        return ps == null ? null : counts(ps);
    }

    private static CallCounts counts(Provider[] ps) {
        long calls = 0;
        long errors = 0;
        int inFlight = 0;
        for (Provider p : ps) {
            calls += p.calls();
            errors += p.errors();
            inFlight += p.inFlight();
        }
        return new CallCounts(calls, errors, inFlight);
    }

    /**
     * The counters of one service ({@link #callCounts}): calls started, calls failed, calls running now.
     *
     * @param calls calls started
     * @param errors calls whose arguments did not decode, whose method threw, or whose future failed
     * @param inFlight calls running now
     */
    public record CallCounts(long calls, long errors, int inFlight) {}

    /**
     * What the {@link Status} service answers: whether this dispatcher is serving, the listeners of every
     * {@link RpcServer} over it, and each service's provider and {@link #callCounts counters}, by name.
     */
    public ServerStatus status() {
        List<ListenerStatus> ls = new ArrayList<>(listeners.size());
        for (Supplier<ListenerStatus> l : listeners) {
            ls.add(l.get());
        }
        Map<String, Provider[]> t = new TreeMap<>(table.snapshot());
        List<ServiceStatus> services = new ArrayList<>(t.size());
        for (Map.Entry<String, Provider[]> e : t.entrySet()) {
            Provider[] ps = e.getValue();
            ProviderOrigin o = origin(ps[0].impl());
            CallCounts c = counts(ps);
            services.add(new ServiceStatus(
                    e.getKey(), o.name(), o.version(), ps.length, c.calls(), c.errors(), c.inFlight()));
        }
        return new ServerStatus(serving, ls, services);
    }

    /**
     * Adds a server's listeners to what the {@link Status} service reports, until the returned action runs.
     * {@link RpcServer} calls it for itself.
     */
    Runnable addListenerStatus(Supplier<ListenerStatus> listener) {
        Objects.requireNonNull(listener, "listener");
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    /** The service {@code name} as the reflection service describes it; null when no provider serves it. */
    public ServiceInfo describe(String name) {
        Provider[] ps = table.get(name);
        return ps == null ? null : info(ps);
    }

    /**
     * The {@link Health} status of {@code name} ("" for the whole dispatcher): {@code NOT_SERVING} while draining
     * or while a name whose last provider left waits for a new one, {@code SERVING} when it has a provider,
     * {@code SERVICE_UNKNOWN} otherwise.
     */
    public String health(String name) {
        if (!serving) {
            return Health.NOT_SERVING;
        }
        if (name.isEmpty() || table.containsKey(name)) {
            return Health.SERVING;
        }
        return table.isVacant(name) ? Health.NOT_SERVING : Health.SERVICE_UNKNOWN;
    }

    private Map<String, String> healthAll() {
        Map<String, String> out = new TreeMap<>();
        out.put("", health(""));
        for (String n : table.snapshot().keySet()) {
            out.put(n, health(n));
        }
        for (String n : table.vacantNames()) {
            out.put(n, health(n));
        }
        return out;
    }

    private ServiceInfo info(Provider[] ps) {
        Provider first = ps[0];
        return Introspection.describe(first.contract(), origin(first.impl()), ps.length);
    }

    private ProviderOrigin origin(Object impl) {
        ProviderOrigin o = null;
        if (origins != null) {
            try {
                o = origins.apply(impl.getClass());
            } catch (RuntimeException e) {
                LOG.debug("no origin for {}: {}", impl.getClass().getName(), e.toString());
            }
        }
        return o != null ? o : Introspection.defaultOrigin(impl.getClass());
    }

    /** The arguments of a call for the current provider of {@code service.method}, for interceptors; null when none. */
    private Object[] decodeFor(String service, String method, ByteBuf msg) {
        Provider[] ps = table.get(service);
        MethodInvoker m = ps == null ? null : ps[0].method(method);
        return m == null ? null : m.decodeArguments(msg);
    }

    @Override
    public String toString() {
        return "ServiceDispatcher" + serviceNames();
    }

    /**
     * One provider in a {@link ServiceDispatcher}. Closing it unregisters the provider: new calls go to the
     * next provider of the name (or park for swapGrace), and {@link #close()} returns once the provider's
     * calls in flight have finished, or after the drain timeout.
     *
     * <p>Thread-safe; closing twice is harmless.
     */
    @ProviderType
    public interface Registration extends AutoCloseable {
        /** The service name on the wire. */
        String serviceName();

        /** The service interface. */
        Class<?> serviceInterface();

        /** The implementation. */
        Object implementation();

        /** The ranking given at registration. */
        int ranking();

        /** Calls this provider runs now. */
        int inFlight();

        /** Whether the provider is still registered. */
        boolean isActive();

        /**
         * Unregisters at once, without waiting: new calls no longer reach this provider. The future completes
         * when its calls in flight have finished. Idempotent: later calls return the same future.
         */
        CompletableFuture<Void> unregister();

        /**
         * Unregisters and waits for the calls in flight, at most the dispatcher's drain timeout (a warning is
         * logged when they do not finish in time; they still run and are still answered). If interrupted
         * while waiting, returns at once with the interrupt flag set.
         */
        @Override
        void close();
    }

    private final class Reg implements Registration {
        private final Provider p;

        Reg(Provider p) {
            this.p = p;
        }

        @Override
        public String serviceName() {
            return p.contract().name();
        }

        @Override
        public Class<?> serviceInterface() {
            return p.contract().type();
        }

        @Override
        public Object implementation() {
            return p.impl();
        }

        @Override
        public int ranking() {
            return p.ranking();
        }

        @Override
        public int inFlight() {
            return p.inFlight();
        }

        @Override
        public boolean isActive() {
            return !p.isClosed();
        }

        @Override
        public CompletableFuture<Void> unregister() {
            // Order matters (see Provider): out of the table first, then closed.
            if (table.remove(p)) {
                changed();
            }
            return p.close().copy();
        }

        @Override
        public void close() {
            CompletableFuture<Void> drained = unregister();
            try {
                drained.get(drainTimeout.toNanos(), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                LOG.warn(
                        "{}: {} calls still running after the drain timeout {}; unregistered anyway",
                        p,
                        p.inFlight(),
                        drainTimeout);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public String toString() {
            return "Registration[" + p + (p.isClosed() ? ", closed" : "") + "]";
        }
    }

    /** Builds a {@link ServiceDispatcher}; not thread-safe. */
    @ProviderType
    public static final class Builder {
        private Codec codec;
        private ErrorCodecRegistry errors;
        private Duration swapGrace = ServerConfig.defaults().swapGrace();
        private Duration drainTimeout = DEFAULT_DRAIN_TIMEOUT;
        private Executor executor;
        private ScheduledExecutorService scheduler;
        private List<CallInterceptor> interceptors = List.of();
        private boolean introspection = true;
        private Function<Class<?>, ProviderOrigin> origins;

        private Builder() {}

        /** The interceptors run around every call, the first beginning first; default none. */
        public Builder interceptors(List<? extends CallInterceptor> interceptors) {
            this.interceptors = List.copyOf(interceptors);
            return this;
        }

        /**
         * Whether the dispatcher serves the built-in {@link Reflection} and {@link Health} services; default
         * true. (The server component's property {@code introspection}.)
         */
        public Builder introspection(boolean introspection) {
            this.introspection = introspection;
            return this;
        }

        /**
         * Tells where an implementation class comes from (an OSGi bundle, say), for the reflection service;
         * null answers fall back to the class's module, its jar's manifest, or its jar's name.
         */
        public Builder origins(Function<Class<?>, ProviderOrigin> origins) {
            this.origins = origins;
            return this;
        }

        /** The codec of arguments and results; default: the format-0 codec ServiceLoader finds. */
        public Builder codec(Codec codec) {
            this.codec = Objects.requireNonNull(codec, "codec");
            return this;
        }

        /** The error-codec registry; default: {@link ErrorCodecRegistry#withBuiltins()}. */
        public Builder errors(ErrorCodecRegistry errors) {
            this.errors = Objects.requireNonNull(errors, "errors");
            return this;
        }

        /** How long calls wait for a replacement after a name's last provider left; 0 answers at once. Default 5 s. */
        public Builder swapGrace(Duration swapGrace) {
            if (swapGrace.isNegative()) {
                throw new IllegalArgumentException("swapGrace must be >= 0: " + swapGrace);
            }
            this.swapGrace = swapGrace;
            return this;
        }

        /** How long {@link Registration#close()} waits for the provider's calls. Default 30 s. */
        public Builder drainTimeout(Duration drainTimeout) {
            if (drainTimeout.isNegative()) {
                throw new IllegalArgumentException("drainTimeout must be >= 0: " + drainTimeout);
            }
            this.drainTimeout = drainTimeout;
            return this;
        }

        /**
         * Where synchronous methods run; default (null): each call's {@link ServerCall#executor()}, the
         * runtime's blocking executor, reached once per read burst. A task the executor rejects runs on
         * the thread that dispatched it (the connection's reader waits for it: back-pressure), never
         * answered with an error.
         */
        public Builder executor(Executor executor) {
            this.executor = executor;
            return this;
        }

        /**
         * The scheduler of the swapGrace deadlines (tasks are short and never block); default (null):
         * {@link CompletableFuture#delayedExecutor}.
         */
        public Builder scheduler(ScheduledExecutorService scheduler) {
            this.scheduler = scheduler;
            return this;
        }

        /** @throws IllegalStateException when no codec was given and ServiceLoader finds none */
        public ServiceDispatcher build() {
            return new ServiceDispatcher(this);
        }
    }
}
