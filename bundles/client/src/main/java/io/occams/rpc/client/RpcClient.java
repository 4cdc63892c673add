package io.occams.rpc.client;

import io.occams.rpc.api.RpcService;
import io.occams.rpc.api.intercept.CallInterceptor;
import io.occams.rpc.api.spi.Codec;
import io.occams.rpc.client.internal.ClientInterception;
import io.occams.rpc.client.internal.DeadlineTimer;
import io.occams.rpc.client.internal.InterfacePlan;
import io.occams.rpc.client.internal.ProxyHandler;
import io.occams.rpc.errors.ErrorCodecRegistry;
import io.occams.rpc.stream.Caller;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Objects;
import java.util.ServiceLoader;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Makes typed proxies for {@link RpcService} interfaces: each call of a proxy method becomes one request
 * {@code "<Service>.<method>"} sent through a {@link Caller} (a {@code ClientStream}, a {@code ClientPool}, a
 * {@code FailoverPool}), and its reply becomes the method's result or exception.
 *
 * <p><b>Calls.</b> The arguments are encoded by the {@link Codec} as the Rust seed does (none: nil, one: the
 * value, several: an array). A method returning {@code CompletableFuture<T>} or {@code CompletionStage<T>} is
 * asynchronous: it sends and returns at once, never blocking, and the future completes with the decoded result
 * or exceptionally. Any other method blocks the calling thread (any thread: platform, virtual, pooled) until the
 * reply, and returns the result or throws. An empty reply decodes as {@code null}, or zero for a primitive
 * result; {@code void} methods ignore the reply's message.
 *
 * <p><b>Errors.</b> A user error (an errno or a string frame) goes through the {@link ErrorCodecRegistry}
 * into one of the method's declared exceptions, thrown as it is by a blocking method, completing the future
 * of an async one (declare an async method's exceptions with {@code throws} all the same). One that no codec
 * maps becomes an {@link io.occams.rpc.api.RpcException} with {@code code() == null} that keeps the raw
 * errno or bytes. A framework failure (timeout, connection lost, unknown service or method, a reply that
 * cannot be decoded, a reply carrying a blob, which the API never uses) is an {@code RpcException} with its
 * {@link io.occams.rpc.api.RpcCode} and its cause. A blocking method throws a fresh one, with the caller's
 * stack, whose cause is the failure as the connection reported it (that one may be shared by every call a
 * lost connection failed). A blocking method interrupted while waiting restores the interrupt flag and
 * throws {@code RpcException(INTERNAL)} (the request may still run on the server).
 *
 * <p><b>{@code rpc_} strings (spec §12.17).</b> A string frame whose bytes are exactly one of the nine
 * reserved names ({@code rpc_timeout}, {@code rpc_method_notfound}, ...) is always a framework failure: our
 * servers never send a user error with such a text (the registry refuses it and answers
 * {@code rpc_internal_err} instead, logging why). Any other text, even one starting with {@code rpc_} (say
 * {@code rpc_quota}), is a user error and maps like any other.
 *
 * <p><b>Threading.</b> Replies are decoded on the connection's reader. An async call's future completes
 * there too, unless a {@link Builder#completionExecutor completion executor} is set: without one, callbacks
 * attached with the non-{@code Async} methods ({@code thenApply}, {@code whenComplete}, ...) run on the
 * reader and must not block, and must never call a blocking proxy method (the reader would wait for itself).
 * A blocking call is woken by the reader and returns on its own thread. Per-call timeouts fire on a small
 * timer thread ({@code "occams-rpc client deadlines-N"}) that exists only while calls with a timeout are
 * pending.
 *
 * <p><b>Lifetime.</b> An {@code RpcClient} holds no connections and needs no closing: the {@code Caller}s
 * belong to the user. The call plans of an interface (its codec bindings, looked up once) are built on the
 * first proxy for it and shared by later ones, so proxies are cheap. Thread-safe; proxies are thread-safe.
 *
 * <pre>{@code
 * RpcClient client = RpcClient.create();                       // the msgpack codec found by ServiceLoader
 * ClientStream stream = ClientStream.connect(runtime, RpcAddress.parse("127.0.0.1:7000"), ClientConfig.defaults()).join();
 * CalService cal = client.proxy(CalService.class, stream);
 * long r = cal.add(10, 20);                                    // 30
 * CompletableFuture<Long> f = cal.incAsync(41);                // never blocks
 * CalService quick = RpcClient.withOptions(cal, CallOptions.timeout(Duration.ofMillis(200)));
 * }</pre>
 */
@ProviderType
public final class RpcClient {
    private final Codec codec;
    private final ErrorCodecRegistry errors;
    private final Executor completionExecutor;
    private final DeadlineTimer timer;
    private final ClientInterception interception;
    /** The call plans of each interface, built once. A ClassValue pins neither the interfaces nor this client. */
    private final ClassValue<InterfacePlan> plans = new ClassValue<>() {
        @Override
        protected InterfacePlan computeValue(Class<?> type) {
            return InterfacePlan.build(type, codec);
        }
    };

    private RpcClient(Builder b) {
        this.codec = b.codec != null ? b.codec : Codec.loadDefault();
        this.errors = b.errors != null ? b.errors : ErrorCodecRegistry.withBuiltins();
        this.completionExecutor = b.completionExecutor;
        this.timer = new DeadlineTimer(b.timer);
        this.interception = new ClientInterception(b.interceptors);
    }

    /**
     * A client with the defaults: the {@link Codec} of format 0 (msgpack) found through {@link ServiceLoader},
     * the built-in error codecs, futures completed on the connection's reader.
     *
     * @throws IllegalStateException when no msgpack codec is found (inside OSGi without a ServiceLoader
     *         mediator: pass one to {@link Builder#codec})
     */
    public static RpcClient create() {
        return builder().build();
    }

    /** A builder starting from the defaults of {@link #create()}. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * A proxy for {@code serviceInterface} whose calls go through {@code caller} with default options.
     *
     * @throws IllegalArgumentException when the interface is no {@link RpcService} interface, or the codec
     *         cannot bind one of its argument or result types
     */
    public <T> T proxy(Class<T> serviceInterface, Caller caller) {
        return proxy(serviceInterface, caller, CallOptions.none());
    }

    /**
     * A proxy for {@code serviceInterface} whose calls go through {@code caller} with {@code options} (which
     * a thread's {@linkplain CallOptions#activate() scope} may override, setting by setting).
     *
     * @throws IllegalArgumentException when the interface is no {@link RpcService} interface, or the codec
     *         cannot bind one of its argument or result types
     */
    public <T> T proxy(Class<T> serviceInterface, Caller caller, CallOptions options) {
        Objects.requireNonNull(serviceInterface, "serviceInterface");
        Objects.requireNonNull(caller, "caller");
        Objects.requireNonNull(options, "options");
        InterfacePlan plan = plans.get(serviceInterface);
        ProxyHandler h =
                new ProxyHandler(plan, caller, options, errors, codec, completionExecutor, timer, interception);
        return serviceInterface.cast(
                Proxy.newProxyInstance(serviceInterface.getClassLoader(), new Class<?>[] {serviceInterface}, h));
    }

    /**
     * A proxy for the interface of {@code contract}, which may be a plain interface's contract under a name
     * of the caller's choosing ({@link io.occams.rpc.api.ServiceContract#of(Class, String)}): how bridges call
     * interfaces that carry no {@link RpcService} annotation. The plan is built on every call (the caller
     * keeps the proxy). Otherwise as {@link #proxy(Class, Caller, CallOptions)}.
     *
     * @throws IllegalArgumentException when the codec cannot bind one of the interface's types
     */
    public Object proxy(io.occams.rpc.api.ServiceContract contract, Caller caller, CallOptions options) {
        Objects.requireNonNull(contract, "contract");
        Objects.requireNonNull(caller, "caller");
        Objects.requireNonNull(options, "options");
        InterfacePlan plan = InterfacePlan.build(contract, codec);
        ProxyHandler h = new ProxyHandler(plan, caller, options, errors, codec, completionExecutor, timer);
        Class<?> iface = contract.type();
        return Proxy.newProxyInstance(iface.getClassLoader(), new Class<?>[] {iface}, h);
    }

    /**
     * A proxy like {@code proxy} (made by any {@code RpcClient}), same interface, caller and client, but with
     * {@code options} instead of its own.
     *
     * @throws IllegalArgumentException when {@code proxy} is not an occams-rpc proxy
     */
    public static <T> T withOptions(T proxy, CallOptions options) {
        Objects.requireNonNull(options, "options");
        ProxyHandler h = handlerOf(proxy);
        Class<?> iface = h.plan().type();
        return cast(
                proxy, Proxy.newProxyInstance(iface.getClassLoader(), new Class<?>[] {iface}, h.withOptions(options)));
    }

    /** The options bound to {@code proxy}, an occams-rpc proxy. */
    public static CallOptions optionsOf(Object proxy) {
        return handlerOf(proxy).options();
    }

    /** Whether {@code o} is a proxy made by an {@code RpcClient}. */
    public static boolean isProxy(Object o) {
        return o != null && Proxy.isProxyClass(o.getClass()) && Proxy.getInvocationHandler(o) instanceof ProxyHandler;
    }

    /** The codec in use. */
    public Codec codec() {
        return codec;
    }

    /** The error codecs in use. */
    public ErrorCodecRegistry errors() {
        return errors;
    }

    /**
     * Replaces the interceptors run around every call of this client's proxies (existing proxies too), the
     * first beginning first; an empty list removes them. Calls already started keep theirs.
     */
    public void interceptors(List<? extends CallInterceptor> interceptors) {
        interception.set(interceptors);
    }

    /** The interceptors now, in order; empty when none. */
    public List<CallInterceptor> interceptors() {
        return interception.get();
    }

    private static ProxyHandler handlerOf(Object proxy) {
        if (!isProxy(proxy)) {
            throw new IllegalArgumentException("not an occams-rpc proxy: "
                    + (proxy == null ? null : proxy.getClass().getName()));
        }
        InvocationHandler h = Proxy.getInvocationHandler(proxy);
        return (ProxyHandler) h;
    }

    @SuppressWarnings({"unchecked", "UnusedVariable"}) // like: only gives T its type
    private static <T> T cast(T like, Object o) {
        return (T) o;
    }

    @Override
    public String toString() {
        return "RpcClient{codec=" + codec.getClass().getName() + ", errors=" + errors + "}";
    }

    /** Builds an {@link RpcClient}; not thread-safe. */
    @ProviderType
    public static final class Builder {
        private Codec codec;
        private ErrorCodecRegistry errors;
        private Executor completionExecutor;
        private ScheduledExecutorService timer;
        private List<CallInterceptor> interceptors = List.of();

        private Builder() {}

        /** Interceptors run around every call, the first beginning first; default none. */
        public Builder interceptors(List<? extends CallInterceptor> interceptors) {
            this.interceptors = List.copyOf(interceptors);
            return this;
        }

        /** The codec of arguments and results. Default: the format-0 codec found through {@link ServiceLoader}. */
        public Builder codec(Codec codec) {
            this.codec = Objects.requireNonNull(codec, "codec");
            return this;
        }

        /** The error codecs that map error frames to exceptions. Default: {@link ErrorCodecRegistry#withBuiltins()}. */
        public Builder errors(ErrorCodecRegistry errors) {
            this.errors = Objects.requireNonNull(errors, "errors");
            return this;
        }

        /**
         * Where async calls' futures complete (so user callbacks never run on a connection's reader). Default:
         * none, they complete on the reader. Blocking calls ignore it. If it rejects a completion, the
         * future completes on the reader after all.
         */
        public Builder completionExecutor(Executor executor) {
            this.completionExecutor = Objects.requireNonNull(executor, "executor");
            return this;
        }

        /**
         * The scheduler that fails calls whose timeout or deadline passes; its tasks are short and never block.
         * Default: a timer thread of the client's own that exists only while such calls are pending. The
         * scheduler belongs to the caller and is never shut down by the client.
         */
        public Builder timer(ScheduledExecutorService timer) {
            this.timer = Objects.requireNonNull(timer, "timer");
            return this;
        }

        /**
         * The client.
         *
         * @throws IllegalStateException when no codec was given and none is found
         */
        public RpcClient build() {
            return new RpcClient(this);
        }
    }
}
