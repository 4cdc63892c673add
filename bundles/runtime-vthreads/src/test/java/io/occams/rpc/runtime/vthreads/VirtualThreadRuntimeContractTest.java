package io.occams.rpc.runtime.vthreads;

import io.occams.rpc.api.spi.Runtime;
import io.occams.rpc.testkit.AbstractRuntimeContractTest;

/** The runtime SPI contract, written once in the testkit, against the virtual-thread runtime with its defaults. */
class VirtualThreadRuntimeContractTest extends AbstractRuntimeContractTest {
    @Override
    protected Runtime newRuntime() {
        return VirtualThreadRuntime.builder().build();
    }
}
