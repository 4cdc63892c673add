package io.occams.rpc.testsuite;

import io.occams.rpc.api.spi.Runtime;
import io.occams.rpc.runtime.netty.NettyRuntime;

/** TLS bad input on the netty runtime. */
class NettyTlsBadInputTest extends AbstractTlsBadInputTest {
    @Override
    protected Runtime newRuntime() {
        return new NettyRuntime();
    }
}
