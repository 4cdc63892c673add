package io.occams.rpc.testsuite;

import static org.assertj.core.api.Assertions.assertThat;

import io.occams.rpc.api.ClientConfig;
import io.occams.rpc.api.PeerIdentity;
import io.occams.rpc.api.RpcAddress;
import io.occams.rpc.api.ServerConfig;
import io.occams.rpc.api.intercept.CallInfo;
import io.occams.rpc.api.intercept.CallInterceptor;
import io.occams.rpc.api.intercept.CallOutcome;
import io.occams.rpc.api.spi.Runtime;
import io.occams.rpc.client.RpcClient;
import io.occams.rpc.examples.CalService;
import io.occams.rpc.examples.internal.CalServiceImpl;
import io.occams.rpc.runtime.netty.NettyRuntime;
import io.occams.rpc.runtime.vthreads.VirtualThreadRuntime;
import io.occams.rpc.server.RpcServer;
import io.occams.rpc.server.ServiceDispatcher;
import io.occams.rpc.stream.ClientStream;
import io.occams.rpc.testkit.TestCertificates;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import javax.security.auth.x500.X500Principal;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A server interceptor sees who made each call, on both runtimes: the peer identity the server's
 * authorizer sees, that is {@code anonymous} over plaintext and the client certificate's subject over
 * mutual TLS; at the start of the call and when it ends.
 */
@Timeout(60)
class ServerInterceptorPeerTest {
    @TempDir
    static Path certs;

    static TestCertificates.Pki pki;

    record Seen(String atBegin, String atEnd, PeerIdentity identity) {}

    static final class PeerRecorder implements CallInterceptor {
        final BlockingQueue<Seen> seen = new LinkedBlockingQueue<>();

        @Override
        public Object begin(CallInfo call) {
            return call.peer();
        }

        @Override
        public void end(CallInfo call, Object state, CallOutcome outcome) {
            PeerIdentity identity = call instanceof io.occams.rpc.api.spi.ServerCall sc ? sc.peerIdentity() : null;
            seen.add(new Seen((String) state, call.peer(), identity));
        }

        Seen next() throws InterruptedException {
            Seen s = seen.poll(20, TimeUnit.SECONDS);
            assertThat(s).as("an ended call").isNotNull();
            return s;
        }
    }

    @BeforeAll
    static void makeCertificates() {
        pki = TestCertificates.Pki.create(certs);
    }

    static List<Supplier<Runtime>> runtimes() {
        return List.of(named("netty", NettyRuntime::new), named("virtual threads", VirtualThreadRuntime::new));
    }

    private static Supplier<Runtime> named(String name, Supplier<Runtime> s) {
        return new Supplier<>() {
            @Override
            public Runtime get() {
                return s.get();
            }

            @Override
            public String toString() {
                return name;
            }
        };
    }

    /** Serves CalService with {@code config}, calls add once with {@code client}, returns what the interceptor saw. */
    private static Seen oneCall(Supplier<Runtime> runtimes, ServerConfig config, ClientConfig client) throws Exception {
        PeerRecorder recorder = new PeerRecorder();
        Runtime runtime = runtimes.get();
        try {
            ServiceDispatcher d =
                    ServiceDispatcher.builder().interceptors(List.of(recorder)).build();
            try (RpcServer server = RpcServer.builder()
                    .runtime(runtime)
                    .config(config)
                    .dispatcher(d)
                    .build()) {
                server.register(CalService.class, new CalServiceImpl());
                RpcAddress a = server.listen(RpcAddress.tcp("127.0.0.1", 0));
                ClientStream stream = ClientStream.connect(runtime, a, client).get(20, TimeUnit.SECONDS);
                try {
                    assertThat(RpcClient.create()
                                    .proxy(CalService.class, stream)
                                    .add(2, 3))
                            .isEqualTo(5);
                    return recorder.next();
                } finally {
                    stream.close();
                }
            }
        } finally {
            runtime.close();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("runtimes")
    void overPlaintextTheInterceptorSeesAnAnonymousPeer(Supplier<Runtime> runtime) throws Exception {
        Seen s = oneCall(runtime, ServerConfig.defaults(), ClientConfig.defaults());
        assertThat(s.atBegin()).isEqualTo(PeerIdentity.ANONYMOUS_NAME);
        assertThat(s.atEnd()).isEqualTo(PeerIdentity.ANONYMOUS_NAME);
        assertThat(s.identity()).isEqualTo(PeerIdentity.ANONYMOUS);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("runtimes")
    void overMutualTlsTheInterceptorSeesTheClientCertificatesSubject(Supplier<Runtime> runtime) throws Exception {
        Seen s = oneCall(
                runtime,
                ServerConfig.builder().tls(pki.serverTls(true)).build(),
                ClientConfig.builder().tls(pki.clientTls(true).build()).build());
        String subject = pki.client().certificate().getSubjectX500Principal().getName(X500Principal.RFC2253);
        assertThat(s.atBegin()).isEqualTo(subject).isNotEqualTo(PeerIdentity.ANONYMOUS_NAME);
        assertThat(s.atEnd()).isEqualTo(subject);
        assertThat(s.identity().isAuthenticated()).isTrue();
        assertThat(s.identity().commonName()).isEqualTo("client");
    }
}
