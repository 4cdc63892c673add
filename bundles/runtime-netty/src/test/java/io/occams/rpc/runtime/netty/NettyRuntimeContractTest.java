package io.occams.rpc.runtime.netty;

import io.occams.rpc.api.spi.Runtime;
import io.occams.rpc.testkit.AbstractRuntimeContractTest;

/** The runtime contract on the default transport (native epoll where it loads). */
class NettyRuntimeContractTest extends AbstractRuntimeContractTest {
    @Override
    protected Runtime newRuntime() {
        return NettyRuntime.builder().ioThreads(2).build();
    }
}
