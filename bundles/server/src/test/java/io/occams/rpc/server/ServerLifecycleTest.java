package io.occams.rpc.server;

import static io.occams.rpc.server.Wire.call;
import static io.occams.rpc.server.Wire.hex;
import static io.occams.rpc.server.Wire.okReply;
import static io.occams.rpc.server.Wire.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.occams.rpc.api.RpcAddress;
import io.occams.rpc.codec.MsgpackCodec;
import io.occams.rpc.errors.ErrorCodecRegistry;
import io.occams.rpc.examples.CalService;
import io.occams.rpc.examples.internal.CalServiceImpl;
import io.occams.rpc.server.TestServices.TimingImpl;
import io.occams.rpc.server.TestServices.TimingService;
import io.occams.rpc.testkit.RawPeer;
import io.occams.rpc.testkit.Transport;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** RpcServer's listeners and lifecycle, and what registration refuses. */
class ServerLifecycleTest extends LoopbackServerTest {
    /** Not a service interface. */
    interface Plain {
        long inc(long x);
    }

    @Test
    void servesTcpAndUnixAtOnce() throws Exception {
        try (RpcServer server = RpcServer.builder().runtime(runtimes.netty).build()) {
            server.register(CalService.class, new CalServiceImpl());
            RpcAddress tcp = listen(server, Transport.TCP);
            RpcAddress unix = listen(server, Transport.UNIX);
            assertThat(server.addresses()).containsExactly(tcp, unix);
            assertThat(tcp.port()).isPositive();
            for (RpcAddress a : List.of(tcp, unix)) {
                try (RawPeer peer = RawPeer.connect(a)) {
                    assertThat(call(peer, 1, "CalService.inc", "29").hex()).isEqualTo(okReply(1, "2a"));
                }
            }
        }
    }

    @Test
    void shutdownStillAnswersTheCallsItAccepted() throws Exception {
        TimingImpl timing = new TimingImpl();
        RpcServer server = RpcServer.builder().runtime(runtimes.vthreads).build();
        server.register(TimingService.class, timing);
        RpcAddress addr = listen(server, Transport.TCP);
        try (RawPeer peer = RawPeer.connect(addr)) {
            peer.write(request(1, "Timing.slow", hex("c0")));
            assertThat(timing.started.await(10, TimeUnit.SECONDS)).isTrue();
            server.shutdown();
            assertThat(server.isShutdown()).isTrue();
            assertThat(server.isTerminated()).isFalse();
            assertThatThrownBy(() -> listen(server, Transport.TCP)).isInstanceOf(IllegalStateException.class);
            CompletableFuture<Wire.Frame> reply = CompletableFuture.supplyAsync(() -> {
                try {
                    return Wire.read(peer);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            timing.release.countDown();
            assertThat(reply.get(10, TimeUnit.SECONDS).hex()).isEqualTo(okReply(1, "a4 73 6c 6f 77"));
            assertThat(server.awaitTermination(Duration.ofSeconds(10))).isTrue();
        } finally {
            timing.release.countDown();
            server.close();
        }
    }

    @Test
    @SuppressWarnings({"unchecked", "rawtypes"})
    void registrationRefusesWhatCannotBeServed() {
        ServiceDispatcher d =
                ServiceDispatcher.builder().codec(new MsgpackCodec()).build();
        assertThatThrownBy(() -> d.register(Plain.class, x -> x))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("@RpcService");
        assertThatThrownBy(() -> d.register((Class) CalService.class, "not a CalService"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(d.serviceNames())
                .containsExactly("OccamsHealth", "OccamsReflection", "OccamsStatus"); // the built-ins alone
    }

    @Test
    void aDispatcherComesEitherGivenOrMadeFromCodecAndErrors() {
        ServiceDispatcher d = ServiceDispatcher.create();
        assertThat(d.codec().format()).isZero();
        assertThatThrownBy(() -> RpcServer.builder()
                        .runtime(runtimes.netty)
                        .dispatcher(d)
                        .errors(ErrorCodecRegistry.withBuiltins())
                        .build())
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> RpcServer.builder().build()).isInstanceOf(IllegalStateException.class);
        try (RpcServer server =
                RpcServer.builder().runtime(runtimes.netty).dispatcher(d).build()) {
            assertThat(server.dispatcher()).isSameAs(d);
        }
    }
}
