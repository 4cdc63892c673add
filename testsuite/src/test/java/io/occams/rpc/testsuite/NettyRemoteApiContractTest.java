package io.occams.rpc.testsuite;

import io.occams.rpc.api.spi.Runtime;
import io.occams.rpc.runtime.netty.NettyRuntime;

/** The remote-API contract on the Netty runtime (epoll where it loads, NIO otherwise). */
class NettyRemoteApiContractTest extends AbstractRemoteApiContractTest {
    @Override
    protected Runtime newRuntime() {
        return new NettyRuntime();
    }
}
