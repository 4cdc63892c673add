package io.occams.rpc.testsuite;

import io.occams.rpc.api.spi.Runtime;
import io.occams.rpc.runtime.netty.NettyRuntime;

/** The stream contract on the Netty runtime (epoll where it loads, NIO otherwise). */
class NettyStreamContractTest extends AbstractStreamContractTest {
    @Override
    protected Runtime newRuntime() {
        return new NettyRuntime();
    }
}
