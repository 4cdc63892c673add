package io.occams.rpc.pool;

import io.occams.rpc.api.spi.Runtime;
import io.occams.rpc.runtime.netty.NettyRuntime;

/** The pool scenarios on the Netty runtime (epoll where it loads, NIO otherwise). */
class NettyPoolTest extends AbstractPoolTest {
    @Override
    protected Runtime newRuntime() {
        return new NettyRuntime();
    }
}
