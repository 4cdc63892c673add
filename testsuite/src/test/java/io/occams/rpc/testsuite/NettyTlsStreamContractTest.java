package io.occams.rpc.testsuite;

import io.occams.rpc.api.spi.Runtime;
import io.occams.rpc.runtime.netty.NettyRuntime;

/** The stream contract over TLS on the netty runtime. */
class NettyTlsStreamContractTest extends AbstractTlsStreamContractTest {
    @Override
    protected Runtime newRuntime() {
        return new NettyRuntime();
    }

    @Override
    protected boolean mutual() {
        return false;
    }
}
