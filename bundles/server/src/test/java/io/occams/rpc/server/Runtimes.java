package io.occams.rpc.server;

import io.occams.rpc.api.spi.Runtime;
import io.occams.rpc.runtime.netty.NettyRuntime;
import io.occams.rpc.runtime.vthreads.VirtualThreadRuntime;

/** Both runtimes, by the names the tests' parameters use; {@link LoopbackServerTest} makes them once per test class. */
final class Runtimes implements AutoCloseable {
    final NettyRuntime netty = new NettyRuntime();
    final VirtualThreadRuntime vthreads = new VirtualThreadRuntime();

    Runtime get(String name) {
        return name.equals("netty") ? netty : vthreads;
    }

    @Override
    public void close() {
        netty.close();
        vthreads.close();
    }
}
