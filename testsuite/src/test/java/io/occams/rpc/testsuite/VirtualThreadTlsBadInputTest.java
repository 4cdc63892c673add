package io.occams.rpc.testsuite;

import io.occams.rpc.api.spi.Runtime;
import io.occams.rpc.runtime.vthreads.VirtualThreadRuntime;

/** TLS bad input on the vthreads runtime. */
class VirtualThreadTlsBadInputTest extends AbstractTlsBadInputTest {
    @Override
    protected Runtime newRuntime() {
        return new VirtualThreadRuntime();
    }
}
