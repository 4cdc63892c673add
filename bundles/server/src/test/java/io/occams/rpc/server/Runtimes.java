package io.occams.rpc.server;

import io.occams.rpc.api.spi.Runtime;
import io.occams.rpc.runtime.netty.NettyRuntime;
import io.occams.rpc.runtime.vthreads.VirtualThreadRuntime;
import io.occams.rpc.testkit.Transport;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;

/** Both runtimes, made once per test class and closed after it. */
final class Runtimes implements AutoCloseable {
    final NettyRuntime netty = new NettyRuntime();
    final VirtualThreadRuntime vthreads = new VirtualThreadRuntime();

    Runtime get(String name) {
        return name.equals("netty") ? netty : vthreads;
    }

    static Stream<Arguments> runtimesAndTransports() {
        return Stream.of(Arguments.of("netty", Transport.TCP), Arguments.of("netty", Transport.UNIX),
                Arguments.of("vthreads", Transport.TCP), Arguments.of("vthreads", Transport.UNIX));
    }

    static Stream<String> runtimes() {
        return Stream.of("netty", "vthreads");
    }

    @Override
    public void close() {
        netty.close();
        vthreads.close();
    }
}
