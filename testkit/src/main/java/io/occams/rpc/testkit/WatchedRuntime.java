package io.occams.rpc.testkit;

import io.netty.buffer.ByteBuf;
import io.occams.rpc.api.RpcAddress;
import io.occams.rpc.api.spi.ConnectionHandler;
import io.occams.rpc.api.spi.ForwardingRuntime;
import io.occams.rpc.api.spi.Runtime;
import io.occams.rpc.api.spi.TlsContext;
import java.io.IOException;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledExecutorService;

/**
 * A real {@link Runtime} with one part watched or replaced, so that a test waits for an event instead
 * of for the clock: {@link #writesBlocked} tells when a server's writes to a peer are blocked,
 * {@link #withScheduler} gives the code under test another scheduler (one that records what is
 * scheduled). Everything else is the real runtime's; closing the returned runtime closes nothing
 * (the wrapped one is the test's to close).
 *
 * <pre>{@code
 * CountDownLatch blocked = new CountDownLatch(1);
 * StreamServer server = new StreamServer(
 *         WatchedRuntime.writesBlocked(runtime, blocked), config, dispatch, clock, clock::nanoTime);
 * ...
 * blocked.await(30, TimeUnit.SECONDS); // the peer left the server's replies unread
 * clock.tick(Duration.ofSeconds(3));     // past writeTimeout on the server's clock
 * }</pre>
 */
public final class WatchedRuntime {
    private WatchedRuntime() {}

    /**
     * {@code runtime} whose listeners count {@code blocked} down each time one of their connections
     * turns unwritable (its peer leaves the server's replies unread), after the server's own handler
     * heard of it.
     */
    public static Runtime writesBlocked(Runtime runtime, CountDownLatch blocked) {
        Objects.requireNonNull(runtime, "runtime");
        Objects.requireNonNull(blocked, "blocked");
        return new ForwardingRuntime() {
            @Override
            protected Runtime delegate() {
                return runtime;
            }

            @Override
            public Listener listen(RpcAddress address, ConnectionHandler.Factory factory) throws IOException {
                return runtime.listen(address, watching(factory, blocked));
            }

            @Override
            public Listener listen(RpcAddress address, ConnectionHandler.Factory factory, TlsContext tls)
                    throws IOException {
                return runtime.listen(address, watching(factory, blocked), tls);
            }
        };
    }

    /** {@code runtime} whose {@link Runtime#scheduler()} is {@code scheduler}. */
    public static Runtime withScheduler(Runtime runtime, ScheduledExecutorService scheduler) {
        Objects.requireNonNull(runtime, "runtime");
        Objects.requireNonNull(scheduler, "scheduler");
        return new ForwardingRuntime() {
            @Override
            protected Runtime delegate() {
                return runtime;
            }

            @Override
            public ScheduledExecutorService scheduler() {
                return scheduler;
            }
        };
    }

    private static ConnectionHandler.Factory watching(ConnectionHandler.Factory factory, CountDownLatch blocked) {
        return connection -> {
            ConnectionHandler h = factory.open(connection);
            return new ConnectionHandler() {
                @Override
                public void onData(ByteBuf data) {
                    h.onData(data);
                }

                @Override
                public void onReadComplete() {
                    h.onReadComplete();
                }

                @Override
                public void onInputShutdown() {
                    h.onInputShutdown();
                }

                @Override
                public void onWritabilityChanged(boolean writable) {
                    h.onWritabilityChanged(writable);
                    if (!writable) {
                        blocked.countDown();
                    }
                }

                @Override
                public void onClosed(Throwable cause) {
                    h.onClosed(cause);
                }
            };
        };
    }
}
