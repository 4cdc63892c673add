package io.occams.rpc.testsuite;

import io.occams.rpc.api.spi.Runtime;
import io.occams.rpc.runtime.netty.NettyRuntime;

/** The synchronous-method contract on the Netty runtime (its blocking executor on virtual threads). */
class NettySyncMethodContractTest extends AbstractSyncMethodContractTest {
    @Override
    protected Runtime newRuntime() {
        return new NettyRuntime();
    }
}
