package io.occams.rpc.pool.internal.osgi;

import static org.assertj.core.api.Assertions.assertThat;

import io.occams.rpc.api.RpcAddress;
import io.occams.rpc.api.intercept.CallInfo;
import io.occams.rpc.api.intercept.CallInterceptor;
import io.occams.rpc.api.intercept.CallOutcome;
import io.occams.rpc.api.spi.Runtime;
import io.occams.rpc.client.RpcClient;
import io.occams.rpc.examples.CalService;
import io.occams.rpc.examples.internal.CalServiceImpl;
import io.occams.rpc.runtime.netty.NettyRuntime;
import io.occams.rpc.server.RpcServer;
import io.occams.rpc.stream.Caller;
import io.occams.rpc.testkit.RuntimePerTest;
import java.lang.reflect.Proxy;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;

/**
 * A client pool made from Configuration Admin runs the registry's client {@link CallInterceptor}s around
 * the calls of proxies made over it with a plain {@code RpcClient}: highest ranking first, after the
 * proxy's own, not those meant for servers, and following the registry while calls run without failing
 * one. DS is played by hand (the component's bind methods and a stand-in BundleContext); the server is a
 * real {@link RpcServer} on loopback.
 */
@Timeout(60)
class ClientComponentInterceptorTest extends RuntimePerTest {
    private static final AtomicLong IDS = new AtomicLong();

    @Override
    protected Runtime newRuntime() {
        return new NettyRuntime();
    }

    /** Writes its name into a shared list when a call begins. */
    static final class Named implements CallInterceptor {
        final String name;
        final List<String> begun;

        Named(String name, List<String> begun) {
            this.name = name;
            this.begun = begun;
        }

        @Override
        public Object begin(CallInfo call) {
            begun.add(name + ":" + call.action());
            return null;
        }

        @Override
        public void end(CallInfo call, Object state, CallOutcome outcome) {}
    }

    /** A reference ordered as the framework orders them: higher service.ranking, then lower service.id, first. */
    @SuppressWarnings("unchecked")
    static ServiceReference<CallInterceptor> reference(int ranking, String side) {
        Map<String, Object> props = new HashMap<>();
        props.put(Constants.SERVICE_RANKING, ranking);
        props.put(Constants.SERVICE_ID, IDS.incrementAndGet());
        if (side != null) {
            props.put(CallInterceptor.SIDE_PROPERTY, side);
        }
        return (ServiceReference<CallInterceptor>) Proxy.newProxyInstance(
                ClientComponentInterceptorTest.class.getClassLoader(),
                new Class<?>[] {ServiceReference.class},
                (p, m, a) -> switch (m.getName()) {
                    case "getProperty" -> props.get((String) a[0]);
                    case "compareTo" -> {
                        ServiceReference<?> o = (ServiceReference<?>) a[0];
                        int r = Integer.compare(ranking, (Integer) o.getProperty(Constants.SERVICE_RANKING));
                        yield r != 0
                                ? r
                                : Long.compare((Long) o.getProperty(Constants.SERVICE_ID), (Long)
                                        props.get(Constants.SERVICE_ID));
                    }
                    case "equals" -> p == a[0];
                    case "hashCode" -> System.identityHashCode(p);
                    default -> null;
                });
    }

    @Test
    void proxiesOverAConfiguredPoolRunTheRegistrysClientInterceptorsAndFollowThemWhileCallsRun() throws Exception {
        RpcServer server = RpcServer.builder().runtime(runtime).build();
        closeAfter(server::shutdownNow);
        server.register(CalService.class, new CalServiceImpl());
        RpcAddress address = server.listen(RpcAddress.tcp("127.0.0.1", 0));

        AtomicReference<Caller> registered = new AtomicReference<>();
        ClientComponent component = new ClientComponent();
        component.addRuntime(ClientComponentDiscoveryTest.reference(Map.of()), runtime);
        component.activate(ClientComponentDiscoveryTest.context(registered), Map.of("addresses", address.toString()));
        closeAfter(component::deactivate);
        CalService cal = RpcClient.create().proxy(CalService.class, registered.get());

        List<String> begun = new CopyOnWriteArrayList<>();
        assertThat(cal.add(1, 2)).isEqualTo(3);
        assertThat(begun).as("no interceptor yet").isEmpty();

        ServiceReference<CallInterceptor> low = reference(1, null);
        ServiceReference<CallInterceptor> high = reference(10, "client");
        Named lowInterceptor = new Named("low", begun);
        component.addInterceptor(low, lowInterceptor);
        component.addInterceptor(high, new Named("high", begun));
        component.addInterceptor(reference(100, "server"), new Named("server-only", begun));
        assertThat(cal.add(2, 3)).isEqualTo(5);
        assertThat(begun).containsExactly("high:CalService.add", "low:CalService.add");

        begun.clear();
        CalService withOwn = RpcClient.builder()
                .interceptors(List.of(new Named("own", begun)))
                .build()
                .proxy(CalService.class, registered.get());
        assertThat(withOwn.inc(1)).isEqualTo(2);
        assertThat(begun)
                .as("the proxy's own first")
                .containsExactly("own:CalService.inc", "high:CalService.inc", "low:CalService.inc");

        begun.clear();
        CalService withTheRegistrysOwn = RpcClient.builder()
                .interceptors(List.of(lowInterceptor))
                .build()
                .proxy(CalService.class, registered.get());
        assertThat(withTheRegistrysOwn.inc(2)).isEqualTo(3);
        assertThat(begun)
                .as("an interceptor given to the client and registered for the pool runs once")
                .containsExactly("low:CalService.inc", "high:CalService.inc");

        begun.clear();
        component.removeInterceptor(high, null);
        assertThat(cal.inc(5)).isEqualTo(6);
        assertThat(begun).containsExactly("low:CalService.inc");

        // One comes and goes again and again while calls run: none fails, each gives the right answer.
        AtomicInteger answered = new AtomicInteger();
        CompletableFuture<Void> calls = CompletableFuture.runAsync(() -> {
            for (int i = 0; i < 500; i++) {
                assertThat(cal.add(i, 1)).isEqualTo(i + 1L);
                answered.incrementAndGet();
            }
        });
        List<String> churn = new CopyOnWriteArrayList<>();
        for (int i = 0; i < 200 && !calls.isDone(); i++) {
            ServiceReference<CallInterceptor> r = reference(i, null);
            component.addInterceptor(r, new Named("churn", churn));
            component.removeInterceptor(r, null);
        }
        calls.get(30, TimeUnit.SECONDS);
        assertThat(answered).hasValue(500);

        begun.clear();
        component.removeInterceptor(low, null);
        assertThat(cal.add(7, 8)).isEqualTo(15);
        assertThat(begun).as("all gone").isEmpty();
        assertThat(registered.get().interceptors()).isNull();
    }
}
