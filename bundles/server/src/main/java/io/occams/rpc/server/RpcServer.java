package io.occams.rpc.server;

import io.occams.rpc.api.RpcAddress;
import io.occams.rpc.api.ServerConfig;
import io.occams.rpc.api.introspect.ListenerStatus;
import io.occams.rpc.api.spi.Codec;
import io.occams.rpc.api.spi.Runtime;
import io.occams.rpc.errors.ErrorCodecRegistry;
import io.occams.rpc.server.internal.AuthorizingDispatch;
import io.occams.rpc.stream.StreamServer;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;
import org.osgi.annotation.versioning.ProviderType;

/**
 * A remote-API server: listeners on a {@link Runtime} (TCP and Unix sockets, as many as wanted) whose calls
 * a {@link ServiceDispatcher} routes to registered service implementations (spec §6.2, §7.3).
 *
 * <p>Call order: build, register services (before or after listening; they may come and go at any time),
 * {@link #listen} one or more addresses, and at the end {@link #close()} (or {@link #shutdown()} plus
 * {@link #awaitTermination}). The lifecycle is {@code ExecutorService}'s: {@code shutdown} stops accepting
 * and reading, answers every call already accepted, then closes each connection;
 * {@code shutdownNow} closes at once; {@code close} is a shutdown bounded by
 * {@link ServerConfig#serverCloseWait()}, then shutdownNow, and restores the interrupt flag. The runtime
 * belongs to the caller and is not closed.
 *
 * <p>Threading: requests are read on the runtime's reader threads; synchronous service methods run on the
 * runtime's {@linkplain Runtime#blockingExecutor() blocking executor} (virtual threads on
 * {@code runtime-vthreads}, a bounded pool on {@code runtime-netty}), asynchronous ones are invoked on the
 * reader and must not block (see {@link ServiceDispatcher}). Thread-safe: every method may be called from
 * any thread.
 *
 * <p>Large blobs: a service method may take and return {@code io.netty.buffer.ByteBuf} (a whole parameter or
 * result; msgpack bin on the wire, as {@code byte[]}), which costs no copy of the bytes. An argument is a view
 * of the request, valid until the call is answered (the method returns, or its future completes): retain or
 * copy it to keep it longer. A result is taken by the server and released once written; an argument returned
 * as it is (an echo) is retained by the server first. A {@code byte[]} or {@code String} is a heap copy.
 *
 * <pre>{@code
 * try (RpcServer server = RpcServer.builder().runtime(runtime).build()) {
 *     server.register(CalService.class, new CalServiceImpl());
 *     RpcAddress tcp = server.listen(RpcAddress.parse("127.0.0.1:0"));        // the real port
 *     RpcAddress unix = server.listen(RpcAddress.parse("/tmp/occams.sock"));
 *     ...
 * }
 * }</pre>
 */
@ProviderType
public final class RpcServer implements AutoCloseable {
    private final Runtime runtime;
    private final ServerConfig config;
    private final ServiceDispatcher dispatcher;
    private final StreamServer stream;
    /** Whether the server made its dispatcher (then shutdown marks it NOT_SERVING for the health service). */
    private final boolean ownsDispatcher;
    /** Takes this server out of the dispatcher's status service (on close). */
    private final Runnable removeStatus;

    /** With {@code authorizer} null, every call is dispatched; else each is asked of it first. */
    private RpcServer(
            Runtime runtime,
            ServerConfig config,
            ServiceDispatcher dispatcher,
            boolean ownsDispatcher,
            Supplier<Authorizer> authorizer) {
        this.runtime = runtime;
        this.config = config;
        this.dispatcher = dispatcher;
        this.ownsDispatcher = ownsDispatcher;
        this.stream = new StreamServer(
                runtime, config, authorizer == null ? dispatcher : new AuthorizingDispatch(dispatcher, authorizer));
        this.removeStatus = dispatcher.addListenerStatus(this::listenerStatus);
    }

    private ListenerStatus listenerStatus() {
        List<String> as = new ArrayList<>();
        for (RpcAddress a : addresses()) {
            as.add(a.toString());
        }
        return new ListenerStatus(runtime.name(), as, connectionCount(), inFlight());
    }

    /** A builder; {@link Builder#runtime} is required. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Binds {@code address} (TCP {@code host:port}, port 0 for a free one, or a Unix path) and serves it.
     * May be called several times, for TCP and Unix at once.
     *
     * @return the bound address, with the real port
     * @throws IOException when the address cannot be bound
     * @throws IllegalStateException after {@link #shutdown()}
     */
    public RpcAddress listen(RpcAddress address) throws IOException {
        return stream.listen(address);
    }

    /** {@link #listen(RpcAddress)} of {@link RpcAddress#parse(String) RpcAddress.parse(address)}. */
    public RpcAddress listen(String address) throws IOException {
        return listen(RpcAddress.parse(address));
    }

    /** The bound addresses, in the order listened. */
    public List<RpcAddress> addresses() {
        return stream.addresses();
    }

    /** The dispatcher: register and unregister services here, at any time. */
    public ServiceDispatcher dispatcher() {
        return dispatcher;
    }

    /** Shorthand for {@code dispatcher().register(serviceInterface, impl)}. */
    public <T> ServiceDispatcher.Registration register(Class<T> serviceInterface, T impl) {
        return dispatcher.register(serviceInterface, impl);
    }

    /** Shorthand for {@code dispatcher().register(serviceInterface, impl, ranking)}. */
    public <T> ServiceDispatcher.Registration register(Class<T> serviceInterface, T impl, int ranking) {
        return dispatcher.register(serviceInterface, impl, ranking);
    }

    public Runtime runtime() {
        return runtime;
    }

    public ServerConfig config() {
        return config;
    }

    /** Connections open now. */
    public int connectionCount() {
        return stream.connectionCount();
    }

    /** Calls accepted and not yet answered, over every open connection. */
    public int inFlight() {
        return stream.inFlight();
    }

    /**
     * Stops accepting (closes the listeners) and leaves the open connections serving, so that another
     * server can bind the same addresses before this one {@link #shutdown() drains}. Idempotent.
     */
    public void stopAccepting() {
        stream.stopAccepting();
    }

    /**
     * Stops accepting and reading; answers what was accepted; then closes the connections. Idempotent. A
     * dispatcher the server made itself answers {@code NOT_SERVING} to health checks from then on (one that
     * was given to the builder is left as it is: its owner says when it drains).
     */
    public void shutdown() {
        if (ownsDispatcher) {
            dispatcher.serving(false);
        }
        stream.shutdown();
    }

    /** Shuts down and closes every connection at once; replies not yet written are lost. */
    public void shutdownNow() {
        if (ownsDispatcher) {
            dispatcher.serving(false);
        }
        stream.shutdownNow();
    }

    public boolean isShutdown() {
        return stream.isShutdown();
    }

    /** Whether shutdown finished: every connection closed. */
    public boolean isTerminated() {
        return stream.isTerminated();
    }

    /** Waits until every connection closed after {@link #shutdown()}; true if that happened in time. */
    public boolean awaitTermination(Duration timeout) throws InterruptedException {
        return stream.awaitTermination(timeout);
    }

    /** Graceful close bounded by {@link ServerConfig#serverCloseWait()}; idempotent; keeps the interrupt flag. */
    @Override
    public void close() {
        if (ownsDispatcher) {
            dispatcher.serving(false);
        }
        try {
            stream.close();
        } finally {
            removeStatus.run();
        }
    }

    @Override
    public String toString() {
        return "RpcServer" + addresses() + " on " + runtime.name() + " serving " + dispatcher.serviceNames();
    }

    /**
     * Builds an {@link RpcServer}; not thread-safe. Either give a {@link #dispatcher} (shared, e.g. by
     * several servers, with its own codec and error registry), or let the server make one from
     * {@link #codec}, {@link #errors} and {@link ServerConfig#swapGrace()}.
     */
    @ProviderType
    public static final class Builder {
        private Runtime runtime;
        private ServerConfig config = ServerConfig.defaults();
        private Codec codec;
        private ErrorCodecRegistry errors;
        private ServiceDispatcher dispatcher;
        private Supplier<Authorizer> authorizer;

        private Builder() {}

        /**
         * Who may call what; default: everyone everything. Asked per call with the caller's TLS identity.
         *
         * @since 0.2
         */
        public Builder authorizer(Authorizer authorizer) {
            Objects.requireNonNull(authorizer, "authorizer");
            this.authorizer = () -> authorizer;
            return this;
        }

        /**
         * An authorizer looked up per call (null from it allows everything): for one that comes and goes,
         * like an OSGi service.
         *
         * @since 0.2
         */
        public Builder authorizer(Supplier<Authorizer> authorizer) {
            this.authorizer = Objects.requireNonNull(authorizer, "authorizer");
            return this;
        }

        /** The runtime that owns sockets and threads; required. */
        public Builder runtime(Runtime runtime) {
            this.runtime = Objects.requireNonNull(runtime, "runtime");
            return this;
        }

        /** Limits and timeouts; default {@link ServerConfig#defaults()}. */
        public Builder config(ServerConfig config) {
            this.config = Objects.requireNonNull(config, "config");
            return this;
        }

        /** The codec; default: the format-0 codec that ServiceLoader finds. Not with {@link #dispatcher}. */
        public Builder codec(Codec codec) {
            this.codec = Objects.requireNonNull(codec, "codec");
            return this;
        }

        /** The error-codec registry; default {@link ErrorCodecRegistry#withBuiltins()}. Not with {@link #dispatcher}. */
        public Builder errors(ErrorCodecRegistry errors) {
            this.errors = Objects.requireNonNull(errors, "errors");
            return this;
        }

        /** A dispatcher to use instead of a new one. */
        public Builder dispatcher(ServiceDispatcher dispatcher) {
            this.dispatcher = Objects.requireNonNull(dispatcher, "dispatcher");
            return this;
        }

        /**
         * @throws IllegalStateException without a runtime, with a dispatcher and a codec or registry too, or
         *         when no codec was given and ServiceLoader finds none
         */
        public RpcServer build() {
            if (runtime == null) {
                throw new IllegalStateException("a runtime is required");
            }
            ServiceDispatcher d = dispatcher;
            if (d == null) {
                ServiceDispatcher.Builder b = ServiceDispatcher.builder().swapGrace(config.swapGrace());
                if (codec != null) {
                    b.codec(codec);
                }
                if (errors != null) {
                    b.errors(errors);
                }
                d = b.build();
            } else if (codec != null || errors != null) {
                throw new IllegalStateException(
                        "give either a dispatcher or a codec and error registry; the dispatcher has its own");
            }
            return new RpcServer(runtime, config, d, dispatcher == null, authorizer);
        }
    }
}
