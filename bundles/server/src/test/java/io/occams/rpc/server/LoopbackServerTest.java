package io.occams.rpc.server;

import io.occams.rpc.api.RpcAddress;
import io.occams.rpc.testkit.Transport;
import java.io.IOException;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.provider.Arguments;

/**
 * What the tests of a real {@link RpcServer} share: both runtimes, made once per test class and closed
 * after it; a temporary folder for Unix sockets; the parameters {@link #runtimes()} and
 * {@link #runtimesAndTransports()} for {@code @MethodSource}; and {@link #listen}, which puts a server
 * on a fresh address (loopback TCP, port 0, or a Unix socket in that folder). The client side is the
 * test's own: a {@code RawPeer} with {@link Wire}'s frames, or a {@code ClientStream}.
 */
@Timeout(60)
abstract class LoopbackServerTest {
    static Runtimes runtimes;

    @TempDir
    static Path dir;

    @BeforeAll
    static void startRuntimes() {
        runtimes = new Runtimes();
    }

    @AfterAll
    static void closeRuntimes() {
        runtimes.close();
    }

    /** The runtime names {@link Runtimes#get} knows. */
    static Stream<String> runtimes() {
        return Stream.of("netty", "vthreads");
    }

    /** Each runtime name with each transport. */
    static Stream<Arguments> runtimesAndTransports() {
        return runtimes().flatMap(r -> Stream.of(Transport.values()).map(t -> Arguments.of(r, t)));
    }

    /** Makes {@code server} listen on a fresh address of {@code transport}; returns the bound address. */
    static RpcAddress listen(RpcServer server, Transport transport) throws IOException {
        return server.listen(transport.freshAddress(dir));
    }
}
