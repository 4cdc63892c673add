package io.occams.rpc.testsuite;

import io.occams.rpc.api.spi.Runtime;
import io.occams.rpc.runtime.netty.NettyRuntime;

/** Certificate rotation under load on the netty runtime. */
class NettyTlsRotationTest extends AbstractTlsRotationTest {
    @Override
    protected Runtime newRuntime() {
        return new NettyRuntime();
    }
}
