package io.occams.rpc.testsuite;

import io.occams.rpc.api.spi.Runtime;
import io.occams.rpc.runtime.vthreads.VirtualThreadRuntime;

/** The stream contract over TLS on the vthreads runtime. */
class VirtualThreadTlsStreamContractTest extends AbstractTlsStreamContractTest {
    @Override
    protected Runtime newRuntime() {
        return new VirtualThreadRuntime();
    }

    @Override
    protected boolean mutual() {
        return false;
    }
}
