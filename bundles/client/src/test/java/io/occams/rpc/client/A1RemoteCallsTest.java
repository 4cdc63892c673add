package io.occams.rpc.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.occams.rpc.api.ClientConfig;
import io.occams.rpc.api.ErrnoException;
import io.occams.rpc.api.MessageException;
import io.occams.rpc.api.RpcAddress;
import io.occams.rpc.api.ServerConfig;
import io.occams.rpc.api.spi.Runtime;
import io.occams.rpc.client.A1Services.AsyncCalService;
import io.occams.rpc.client.A1Services.CalService;
import io.occams.rpc.client.A1Services.EchoService;
import io.occams.rpc.runtime.netty.NettyRuntime;
import io.occams.rpc.runtime.vthreads.VirtualThreadRuntime;
import io.occams.rpc.stream.ClientStream;
import io.occams.rpc.stream.StreamServer;
import io.occams.rpc.testkit.Transport;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Spec §10 A1 through the proxy, over TCP and Unix sockets, on both runtimes (client and server on the
 * same runtime kind), against a server that answers as the Rust fixtures do.
 */
@Timeout(60)
class A1RemoteCallsTest {
    static NettyRuntime netty;
    static VirtualThreadRuntime vthreads;

    @TempDir
    static Path dir;

    @BeforeAll
    static void start() {
        netty = new NettyRuntime();
        vthreads = new VirtualThreadRuntime();
    }

    @AfterAll
    static void stop() {
        netty.close();
        vthreads.close();
    }

    static Stream<Arguments> runtimesAndTransports() {
        return Stream.of(
                Arguments.of("netty", Transport.TCP),
                Arguments.of("netty", Transport.UNIX),
                Arguments.of("vthreads", Transport.TCP),
                Arguments.of("vthreads", Transport.UNIX));
    }

    private static Runtime runtime(String name) {
        return name.equals("netty") ? netty : vthreads;
    }

    @ParameterizedTest(name = "{0} over {1}")
    @MethodSource("runtimesAndTransports")
    void remoteCallsAnswerAsTheRustSuiteExpects(String runtimeName, Transport transport) throws Exception {
        Runtime rt = runtime(runtimeName);
        RpcClient client = RpcClient.create();
        try (StreamServer server = new StreamServer(rt, ServerConfig.defaults(), A1Services.dispatch(client.codec()))) {
            RpcAddress addr = server.listen(transport.freshAddress(dir));
            ClientStream stream =
                    ClientStream.connect(rt, addr, ClientConfig.defaults()).get(10, TimeUnit.SECONDS);
            try {
                CalService cal = client.proxy(CalService.class, stream);
                EchoService echo = client.proxy(EchoService.class, stream);
                assertThat(cal.inc(41)).isEqualTo(42L);
                assertThat(cal.add(10, 20)).isEqualTo(30L);
                assertThat(cal.div(10, 2)).isEqualTo(5L);
                assertThatThrownBy(() -> cal.div(10, 0))
                        .isExactlyInstanceOf(MessageException.class)
                        .hasMessage("divide by zero");
                assertThat(echo.repeat("Hello, world!")).isEqualTo("Hello, world!");
                assertThatThrownBy(() -> echo.ioError("x"))
                        .isInstanceOfSatisfying(
                                ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(ErrnoException.EIO));

                AsyncCalService async = client.proxy(AsyncCalService.class, stream);
                CompletableFuture<Long> inc = async.inc(41);
                CompletableFuture<Long> add = async.add(10, 20);
                CompletableFuture<Long> div0 = async.div(10, 0);
                assertThat(inc.get(10, TimeUnit.SECONDS)).isEqualTo(42L);
                assertThat(add.get(10, TimeUnit.SECONDS)).isEqualTo(30L);
                assertThatThrownBy(div0::join)
                        .isInstanceOf(CompletionException.class)
                        .cause()
                        .isExactlyInstanceOf(MessageException.class)
                        .hasMessage("divide by zero");
            } finally {
                stream.close();
                stream.closeFuture().get(10, TimeUnit.SECONDS);
            }
        }
    }
}
