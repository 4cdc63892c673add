package io.occams.rpc.rsa.internal;

import io.occams.rpc.api.RpcAddress;
import io.occams.rpc.api.ServerConfig;
import io.occams.rpc.api.ServiceContract;
import io.occams.rpc.api.spi.Codec;
import io.occams.rpc.api.spi.Runtime;
import io.occams.rpc.errors.ErrorCodecRegistry;
import io.occams.rpc.server.RpcServer;
import io.occams.rpc.server.ServiceDispatcher;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The servers of the exports: one per configured {@code host:port} (port 0 included: one server on a free
 * port), shared by every export that names it. A server whose last export left stays up for the linger (the
 * dispatcher's swap grace), so a service re-registered meanwhile (its bundle updated) finds the same server,
 * port and wire names, and the calls that arrived in between, parked by the dispatcher, go to it. Thread-safe.
 */
public final class Servers implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Servers.class);

    private final Codec codec;
    private final ErrorCodecRegistry errors;
    private final Duration linger;
    private final Map<String, Shared> byKey = new HashMap<>();
    private boolean closed;

    public Servers(Codec codec, ErrorCodecRegistry errors, Duration linger) {
        this.codec = codec;
        this.errors = errors;
        this.linger = linger;
    }

    /** One server and the exports using it. */
    public static final class Shared {
        final String key;
        final RpcServer server;
        final RpcAddress bound;
        // Guarded by the Servers instance that holds it.
        int refs;
        /** Bumped on every acquire, so a pending linger close can tell it was overtaken. */
        // Guarded by the Servers instance that holds it.
        long generation;

        Shared(String key, RpcServer server, RpcAddress bound) {
            this.key = key;
            this.server = server;
            this.bound = bound;
        }

        /** The address the server listens on (the real port when 0 was asked for). */
        public RpcAddress address() {
            return bound;
        }

        /** The runtime serving. */
        public Runtime runtime() {
            return server.runtime();
        }

        /** Serves {@code impl} as {@code contract} on this server. */
        public ServiceDispatcher.Registration register(ServiceContract contract, Object impl) {
            return server.dispatcher().register(contract, impl, 0);
        }
    }

    /**
     * The server for {@code host:port} on {@code runtime}, started when none is there.
     *
     * @throws IllegalArgumentException when that port is served already on another runtime than the one asked
     *         for, or cannot be bound
     */
    public synchronized Shared acquire(String host, int port, Runtime runtime, boolean runtimeAsked) {
        if (closed) {
            throw new IllegalStateException("the provider is closed");
        }
        String key = host + ":" + port;
        Shared s = byKey.get(key);
        if (s != null && runtimeAsked && s.server.runtime() != runtime) {
            throw new IllegalArgumentException(
                    key + " is served already on runtime " + s.server.runtime().name() + ", not " + runtime.name());
        }
        if (s == null) {
            ServiceDispatcher dispatcher = ServiceDispatcher.builder()
                    .codec(codec)
                    .errors(errors)
                    .swapGrace(linger)
                    .build();
            RpcServer server = RpcServer.builder()
                    .runtime(runtime)
                    .config(ServerConfig.defaults())
                    .dispatcher(dispatcher)
                    .build();
            RpcAddress bound;
            try {
                bound = server.listen(RpcAddress.tcp(host, port));
            } catch (IOException | RuntimeException e) {
                server.close();
                throw new IllegalArgumentException("cannot listen on " + key + ": " + e, e);
            }
            s = new Shared(key, server, bound);
            byKey.put(key, s);
            LOG.info("occams.tcp server listening on {} ({})", bound, runtime.name());
        }
        s.refs++;
        s.generation++;
        return s;
    }

    /** One export of {@code s} has left; the server closes after the linger if no other comes. */
    public synchronized void release(Shared s) {
        if (--s.refs > 0 || closed) {
            return;
        }
        long gen = s.generation;
        CompletableFuture.delayedExecutor(linger.toNanos(), TimeUnit.NANOSECONDS)
                .execute(() -> expire(s, gen));
    }

    private void expire(Shared s, long gen) {
        synchronized (this) {
            if (s.refs > 0 || s.generation != gen || byKey.get(s.key) != s) {
                return;
            }
            byKey.remove(s.key);
        }
        LOG.info("occams.tcp server on {} closed: no export left", s.bound);
        s.server.close();
    }

    /** Servers on {@code runtime} (which is leaving). */
    public synchronized List<Shared> on(Runtime runtime) {
        List<Shared> out = new ArrayList<>();
        for (Shared s : byKey.values()) {
            if (s.server.runtime() == runtime) {
                out.add(s);
            }
        }
        return out;
    }

    /** Closes every server (gracefully: calls accepted are answered). */
    @Override
    public void close() {
        List<Shared> all;
        synchronized (this) {
            closed = true;
            all = new ArrayList<>(byKey.values());
            byKey.clear();
        }
        for (Shared s : all) {
            s.server.close();
        }
    }
}
