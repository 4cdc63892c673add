package io.occams.rpc.testsuite;

import io.occams.rpc.api.spi.Runtime;
import io.occams.rpc.runtime.vthreads.VirtualThreadRuntime;

/** The synchronous-method contract on the virtual-thread runtime. */
class VirtualThreadSyncMethodContractTest extends AbstractSyncMethodContractTest {
    @Override
    protected Runtime newRuntime() {
        return new VirtualThreadRuntime();
    }
}
