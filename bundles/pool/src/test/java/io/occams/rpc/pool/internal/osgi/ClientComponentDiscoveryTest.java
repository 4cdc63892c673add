package io.occams.rpc.pool.internal.osgi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.buffer.ByteBuf;
import io.occams.rpc.api.RpcAddress;
import io.occams.rpc.api.RpcCode;
import io.occams.rpc.api.RpcException;
import io.occams.rpc.api.ServerConfig;
import io.occams.rpc.api.spi.Runtime;
import io.occams.rpc.pool.AddressSource;
import io.occams.rpc.runtime.netty.NettyRuntime;
import io.occams.rpc.stream.Caller;
import io.occams.rpc.stream.ClientTask;
import io.occams.rpc.stream.StreamServer;
import io.occams.rpc.testkit.RuntimePerTest;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;

/**
 * A client configuration that names a service and a discovery instead of addresses: the component
 * follows the {@link AddressSource} of that name, keeps the last list when the source leaves, follows a
 * new one, and fails a call made while the service has no address with {@code rpc_unreachable} naming
 * the service. DS is played by hand (the component's bind methods and a stand-in BundleContext); the
 * server is a real {@link StreamServer} on loopback.
 */
@Timeout(60)
class ClientComponentDiscoveryTest extends RuntimePerTest {
    @Override
    protected Runtime newRuntime() {
        return new NettyRuntime();
    }

    /** An address source the test drives: what it was asked to follow, and the listener to feed. */
    static final class Source implements AddressSource {
        final AtomicReference<Consumer<List<RpcAddress>>> listener = new AtomicReference<>();
        final AtomicInteger closed = new AtomicInteger();
        volatile String service;

        @Override
        public AutoCloseable follow(String service, Consumer<List<RpcAddress>> l) {
            this.service = service;
            listener.set(l);
            return closed::incrementAndGet;
        }
    }

    @SuppressWarnings("unchecked")
    static <T> ServiceReference<T> reference(Map<String, Object> properties) {
        return (ServiceReference<T>) Proxy.newProxyInstance(
                ClientComponentDiscoveryTest.class.getClassLoader(),
                new Class<?>[] {ServiceReference.class},
                (p, m, a) -> switch (m.getName()) {
                    case "getProperty" -> properties.get((String) a[0]);
                    case "compareTo" -> 0;
                    case "equals" -> p == a[0];
                    case "hashCode" -> System.identityHashCode(p);
                    default -> null;
                });
    }

    /** A BundleContext whose registerService hands the registered Caller to {@code registered}. */
    static BundleContext context(AtomicReference<Caller> registered) {
        ServiceRegistration<?> reg = (ServiceRegistration<?>) Proxy.newProxyInstance(
                ClientComponentDiscoveryTest.class.getClassLoader(),
                new Class<?>[] {ServiceRegistration.class},
                (p, m, a) -> null);
        return (BundleContext) Proxy.newProxyInstance(
                ClientComponentDiscoveryTest.class.getClassLoader(),
                new Class<?>[] {BundleContext.class},
                (p, m, a) -> {
                    if (m.getName().equals("registerService")) {
                        registered.set((Caller) a[1]);
                        return reg;
                    }
                    return null;
                });
    }

    static CompletableFuture<Void> call(Caller c) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        c.submit(new ClientTask(1) {
            @Override
            public void onReply(ByteBuf msg, ByteBuf blob) {
                f.complete(null);
            }

            @Override
            public void onErrno(int errno) {
                f.completeExceptionally(RpcException.unmappedErrno(errno));
            }

            @Override
            public void onErrorString(ByteBuf text) {
                f.completeExceptionally(new AssertionError(text.toString(java.nio.charset.StandardCharsets.UTF_8)));
            }

            @Override
            public void onFailure(RpcException failure) {
                f.completeExceptionally(failure);
            }
        });
        return f;
    }

    @Test
    void aClientNamingAServiceAndADiscoveryFollowsItsAddressesAndKeepsThemWhenTheDiscoveryLeaves() throws Exception {
        AtomicInteger served = new AtomicInteger();
        StreamServer server = new StreamServer(runtime, ServerConfig.defaults(), c -> {
            served.incrementAndGet();
            c.reply(null, null);
        });
        closeAfter(server::shutdownNow);
        RpcAddress address = server.listen(RpcAddress.parse("127.0.0.1:0"));

        ClientComponent component = new ClientComponent();
        component.addRuntime(reference(Map.of()), runtime);
        AtomicReference<Caller> registered = new AtomicReference<>();
        component.activate(context(registered), Map.of("service", "Echo", "discovery", "zk", "taskTimeout", "1500ms"));
        try {
            Caller caller = registered.get();
            assertThat(caller).isNotNull();

            // No source yet: a call waits; it goes out once the source gives an address.
            CompletableFuture<Void> early = call(caller);
            Source first = new Source();
            ServiceReference<AddressSource> firstRef = reference(Map.of(AddressSource.NAME, "zk"));
            component.addSource(firstRef, first);
            assertThat(first.service).isEqualTo("Echo");
            first.listener.get().accept(List.of(address));
            early.get(10, TimeUnit.SECONDS);

            // The source leaves (its bundle is updated): the last list stands, calls go on.
            component.removeSource(firstRef, first);
            assertThat(first.closed.get()).isEqualTo(1);
            call(caller).get(10, TimeUnit.SECONDS);

            // A new source of the same name is followed; when it says the service has no address, a call fails
            // with rpc_unreachable naming the service.
            Source second = new Source();
            component.addSource(reference(Map.of(AddressSource.NAME, "zk")), second);
            await().atMost(Duration.ofSeconds(10)).until(() -> second.listener.get() != null);
            second.listener.get().accept(List.of());
            ExecutionException failed = org.junit.jupiter.api.Assertions.assertThrows(
                    ExecutionException.class, () -> call(caller).get(10, TimeUnit.SECONDS));
            assertThat(failed.getCause()).isInstanceOfSatisfying(RpcException.class, e -> {
                assertThat(e.code()).isEqualTo(RpcCode.UNREACHABLE);
                assertThat(e.getMessage()).contains("Echo").contains("zk");
            });
            assertThat(served.get()).isEqualTo(2);
        } finally {
            component.deactivate();
        }
    }

    @Test
    void aSourceOfAnotherNameIsNotFollowed() {
        ClientComponent component = new ClientComponent();
        component.addRuntime(reference(Map.of()), runtime);
        component.activate(context(new AtomicReference<>()), Map.of("service", "Echo", "discovery", "zk"));
        try {
            Source other = new Source();
            component.addSource(reference(Map.of(AddressSource.NAME, "elsewhere")), other);
            assertThat(other.listener.get()).isNull();
        } finally {
            component.deactivate();
        }
    }
}
