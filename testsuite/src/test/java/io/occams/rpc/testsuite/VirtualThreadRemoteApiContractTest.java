package io.occams.rpc.testsuite;

import io.occams.rpc.api.spi.Runtime;
import io.occams.rpc.runtime.vthreads.VirtualThreadRuntime;

/** The remote-API contract on the virtual-thread runtime. */
class VirtualThreadRemoteApiContractTest extends AbstractRemoteApiContractTest {
    @Override
    protected Runtime newRuntime() {
        return new VirtualThreadRuntime();
    }
}
