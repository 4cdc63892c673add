package io.occams.rpc.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.occams.rpc.api.ClientConfig;
import io.occams.rpc.api.RpcAddress;
import io.occams.rpc.server.TestServices.TimingImpl;
import io.occams.rpc.server.TestServices.TimingService;
import io.occams.rpc.stream.ClientStream;
import io.occams.rpc.stream.Reply;
import io.occams.rpc.testkit.Transport;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** A synchronous method that blocks does not hold up the next call on the same connection. */
class SlowAndFastTest extends LoopbackServerTest {
    private static String hexOf(Reply r) {
        try (r) {
            return ByteBufUtil.hexDump(r.msg());
        }
    }

    @ParameterizedTest(name = "{0} over {1}")
    @MethodSource("runtimesAndTransports")
    void aSlowMethodDoesNotDelayAFastOneOnTheSameConnection(String runtime, Transport transport) throws Exception {
        TimingImpl timing = new TimingImpl();
        try (RpcServer server =
                RpcServer.builder().runtime(runtimes.get(runtime)).build()) {
            server.register(TimingService.class, timing);
            RpcAddress addr = listen(server, transport);
            ClientStream stream = ClientStream.connect(runtimes.get(runtime), addr, ClientConfig.defaults())
                    .get(10, TimeUnit.SECONDS);
            try {
                CompletableFuture<Reply> slow =
                        stream.call("Timing.slow", Unpooled.wrappedBuffer(new byte[] {(byte) 0xc0}), null);
                assertThat(timing.started.await(10, TimeUnit.SECONDS)).isTrue();
                CompletableFuture<Reply> fast =
                        stream.call("Timing.fast", Unpooled.wrappedBuffer(new byte[] {0x2a}), null);
                assertThat(hexOf(fast.get(10, TimeUnit.SECONDS))).isEqualTo("2a");
                assertThat(slow).isNotDone();
                timing.release.countDown();
                assertThat(hexOf(slow.get(10, TimeUnit.SECONDS))).isEqualTo("a4736c6f77");
            } finally {
                timing.release.countDown();
                stream.close();
                stream.closeFuture().get(10, TimeUnit.SECONDS);
            }
        }
    }
}
