package io.occams.rpc.testsuite;

import static org.assertj.core.api.Assertions.assertThat;

import io.occams.rpc.api.ClientConfig;
import io.occams.rpc.api.RpcAddress;
import io.occams.rpc.api.ServerConfig;
import io.occams.rpc.api.spi.Runtime;
import io.occams.rpc.client.RpcClient;
import io.occams.rpc.examples.AsyncCalService;
import io.occams.rpc.examples.CalService;
import io.occams.rpc.runtime.netty.NettyRuntime;
import io.occams.rpc.server.RpcServer;
import io.occams.rpc.stream.ClientStream;
import io.occams.rpc.testkit.RuntimePerTest;
import io.occams.rpc.testkit.Transport;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Java 17 shape of the Netty runtime, its blocking executor a small pool of platform threads (no
 * virtual threads): each connection's runner takes one read burst per turn on the shared pool and
 * queues again behind the other connection's, so calls pipelined on two connections at once over two
 * threads are all run and answered.
 */
class NettyPoolSyncMethodTest extends RuntimePerTest {
    private static final int CALLS = 2000;

    @TempDir
    Path dir;

    @Override
    protected Runtime newRuntime() {
        return NettyRuntime.builder().virtualThreads(false).blockingThreads(2).build();
    }

    @Test
    void synchronousCallsPipelinedOnTwoConnectionsOverATwoThreadPoolAreAllAnsweredCorrectly() throws Exception {
        RpcServer s = RpcServer.builder()
                .runtime(runtime)
                .config(ServerConfig.defaults())
                .build();
        closeAfter(s::shutdownNow);
        s.listen(Transport.TCP.freshAddress(dir));
        assertThat(s.dispatcher().registerAll(CalService.class)).hasSize(1);
        RpcAddress a = s.addresses().get(0);
        RpcClient client = RpcClient.create();
        ClientConfig config = ClientConfig.builder().thresholds(2 * CALLS).build();
        List<AsyncCalService> cals = new ArrayList<>();
        for (int c = 0; c < 2; c++) {
            ClientStream stream = ClientStream.connect(runtime, a, config).join();
            closeAfter(stream::abort);
            cals.add(client.proxy(AsyncCalService.class, stream));
        }
        List<CompletableFuture<Long>> calls = new ArrayList<>();
        for (int i = 0; i < CALLS; i++) {
            AsyncCalService cal = cals.get(i % 2);
            calls.add(i % 4 < 2 ? cal.inc(i) : cal.add(i, 1000));
        }
        for (int i = 0; i < CALLS; i++) {
            assertThat(calls.get(i).get(60, TimeUnit.SECONDS))
                    .as("call %d", i)
                    .isEqualTo(i % 4 < 2 ? i + 1L : i + 1000L);
        }
    }
}
