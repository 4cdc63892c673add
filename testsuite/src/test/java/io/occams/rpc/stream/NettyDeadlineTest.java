package io.occams.rpc.stream;

import io.occams.rpc.api.spi.Runtime;
import io.occams.rpc.runtime.netty.NettyRuntime;

/** Deadlines on a manual clock, over the Netty runtime. */
class NettyDeadlineTest extends AbstractDeadlineTest {
    @Override
    protected Runtime newRuntime() {
        return new NettyRuntime();
    }
}
