package io.occams.rpc.testsuite;

import io.occams.rpc.api.spi.Runtime;
import io.occams.rpc.runtime.vthreads.VirtualThreadRuntime;

/** The hardening contract on the VirtualThread runtime. */
class VirtualThreadHardeningContractTest extends AbstractHardeningContractTest {
    @Override
    protected Runtime newRuntime() {
        return new VirtualThreadRuntime();
    }
}
