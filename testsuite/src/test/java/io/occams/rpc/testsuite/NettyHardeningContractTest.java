package io.occams.rpc.testsuite;

import io.occams.rpc.api.spi.Runtime;
import io.occams.rpc.runtime.netty.NettyRuntime;

/** The hardening contract on the Netty runtime. */
class NettyHardeningContractTest extends AbstractHardeningContractTest {
    @Override
    protected Runtime newRuntime() {
        return new NettyRuntime();
    }
}
