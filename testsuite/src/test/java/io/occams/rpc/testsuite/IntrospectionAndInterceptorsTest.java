package io.occams.rpc.testsuite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.occams.rpc.api.ClientConfig;
import io.occams.rpc.api.MessageException;
import io.occams.rpc.api.RpcAddress;
import io.occams.rpc.api.RpcCode;
import io.occams.rpc.api.RpcException;
import io.occams.rpc.api.intercept.CallInfo;
import io.occams.rpc.api.intercept.CallInterceptor;
import io.occams.rpc.api.intercept.CallOutcome;
import io.occams.rpc.api.introspect.Health;
import io.occams.rpc.api.introspect.MethodInfo;
import io.occams.rpc.api.introspect.Reflection;
import io.occams.rpc.api.introspect.ServiceInfo;
import io.occams.rpc.client.RpcClient;
import io.occams.rpc.examples.CalService;
import io.occams.rpc.examples.internal.CalServiceImpl;
import io.occams.rpc.runtime.netty.NettyRuntime;
import io.occams.rpc.server.RpcServer;
import io.occams.rpc.server.ServiceDispatcher;
import io.occams.rpc.stream.ClientStream;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The built-in services through typed proxies, and interceptors on both ends of real calls over loopback:
 * the client's and the server's see the same call, each from its side.
 */
@Timeout(60)
class IntrospectionAndInterceptorsTest {
    static NettyRuntime runtime;

    /** One ended call as an interceptor saw it. */
    record Ended(CallInfo.Side side, String action, String peer, Object[] args, CallOutcome outcome) {}

    static final class Recorder implements CallInterceptor {
        final BlockingQueue<Ended> ended = new LinkedBlockingQueue<>();

        @Override
        public Object begin(CallInfo call) {
            return call.arguments();
        }

        @Override
        public void end(CallInfo call, Object state, CallOutcome outcome) {
            ended.add(new Ended(call.side(), call.action(), call.peer(), (Object[]) state, outcome));
        }

        Ended next() throws InterruptedException {
            Ended e = ended.poll(20, TimeUnit.SECONDS);
            assertThat(e).as("an ended call").isNotNull();
            return e;
        }
    }

    @BeforeAll
    static void start() {
        runtime = NettyRuntime.builder().ioThreads(1).build();
    }

    @AfterAll
    static void stop() {
        runtime.close();
    }

    @Test
    void reflectionAndHealthAnswerThroughTypedProxies() throws Exception {
        try (RpcServer server = RpcServer.builder().runtime(runtime).build()) {
            server.register(CalService.class, new CalServiceImpl());
            RpcAddress addr = server.listen("127.0.0.1:0");
            ClientStream stream =
                    ClientStream.connect(runtime, addr, ClientConfig.defaults()).get(10, TimeUnit.SECONDS);
            try {
                RpcClient client = RpcClient.create();
                Reflection reflection = client.proxy(Reflection.class, stream);
                List<ServiceInfo> list = reflection.list();
                assertThat(list)
                        .extracting(ServiceInfo::name)
                        .containsExactly("CalService", "OccamsHealth", "OccamsReflection", "OccamsStatus");
                ServiceInfo cal = reflection.describe("CalService");
                assertThat(cal.methods())
                        .extracting(MethodInfo::signature)
                        .containsExactly(
                                "add(long a, long b) -> long", "div(long a, long b) -> long", "inc(long x) -> long");
                assertThat(cal.methods().get(1).errors()).containsExactly(MessageException.class.getName());
                assertThat(reflection.describe("Nope")).isNull();
                Health health = client.proxy(Health.class, stream);
                assertThat(health.check("CalService")).isEqualTo(Health.SERVING);
                assertThat(health.all()).containsEntry("", Health.SERVING).containsEntry("CalService", Health.SERVING);
            } finally {
                stream.close();
            }
        }
    }

    @Test
    void clientAndServerInterceptorsSeeTheSameCallsFromTheirSides() throws Exception {
        Recorder onServer = new Recorder();
        Recorder onClient = new Recorder();
        ServiceDispatcher d =
                ServiceDispatcher.builder().interceptors(List.of(onServer)).build();
        try (RpcServer server =
                RpcServer.builder().runtime(runtime).dispatcher(d).build()) {
            server.register(CalService.class, new CalServiceImpl());
            RpcAddress addr = server.listen("127.0.0.1:0");
            ClientStream stream =
                    ClientStream.connect(runtime, addr, ClientConfig.defaults()).get(10, TimeUnit.SECONDS);
            try {
                RpcClient client =
                        RpcClient.builder().interceptors(List.of(onClient)).build();
                CalService cal = client.proxy(CalService.class, stream);
                assertThat(cal.add(10, 20)).isEqualTo(30);
                Ended c = onClient.next();
                Ended s = onServer.next();
                assertThat(c.side()).isEqualTo(CallInfo.Side.CLIENT);
                assertThat(s.side()).isEqualTo(CallInfo.Side.SERVER);
                assertThat(c.action()).isEqualTo("CalService.add");
                assertThat(s.action()).isEqualTo("CalService.add");
                assertThat(c.args()).containsExactly(10L, 20L);
                assertThat(s.args()).containsExactly(10L, 20L);
                assertThat(c.outcome().isOk()).isTrue();
                assertThat(s.outcome().isOk()).isTrue();
                assertThat(c.peer()).isNotEmpty();

                assertThatThrownBy(() -> cal.div(1, 0)).isInstanceOf(MessageException.class);
                assertThat(onClient.next().outcome().kind()).isEqualTo(CallOutcome.Kind.USER_ERROR);
                assertThat(onServer.next().outcome().kind()).isEqualTo(CallOutcome.Kind.USER_ERROR);

                // A client interceptor refuses: the call fails with its code and never reaches the server.
                client.interceptors(List.of(onClient, new CallInterceptor() {
                    @Override
                    public Object begin(CallInfo call) {
                        throw new RpcException(RpcCode.INTERNAL, "refused locally");
                    }

                    @Override
                    public void end(CallInfo call, Object state, CallOutcome outcome) {}
                }));
                assertThatThrownBy(() -> cal.inc(1))
                        .isInstanceOf(RpcException.class)
                        .hasMessageContaining("refused locally");
                assertThat(onClient.next().outcome().code()).isEqualTo(RpcCode.INTERNAL);
                client.interceptors(List.of());
                assertThat(cal.inc(1)).isEqualTo(2);
                assertThat(onServer.next().action()).isEqualTo("CalService.inc"); // the refused inc never arrived
                assertThat(onClient.ended).isEmpty();
            } finally {
                stream.close();
            }
        }
    }
}
