package io.occams.rpc.pool;

import io.occams.rpc.api.spi.Runtime;
import io.occams.rpc.runtime.vthreads.VirtualThreadRuntime;

/** The pool scenarios on the virtual-thread runtime. */
class VirtualThreadPoolTest extends AbstractPoolTest {
    @Override
    protected Runtime newRuntime() {
        return new VirtualThreadRuntime();
    }
}
