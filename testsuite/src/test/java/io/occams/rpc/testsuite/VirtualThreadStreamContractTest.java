package io.occams.rpc.testsuite;

import io.occams.rpc.api.spi.Runtime;
import io.occams.rpc.runtime.vthreads.VirtualThreadRuntime;

/** The stream contract on the virtual-thread runtime. */
class VirtualThreadStreamContractTest extends AbstractStreamContractTest {
    @Override
    protected Runtime newRuntime() {
        return new VirtualThreadRuntime();
    }
}
