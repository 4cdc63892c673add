package io.occams.rpc.stream;

import io.occams.rpc.api.spi.Runtime;
import io.occams.rpc.runtime.vthreads.VirtualThreadRuntime;

/** Deadlines on a manual clock, over the VirtualThread runtime. */
class VirtualThreadDeadlineTest extends AbstractDeadlineTest {
    @Override
    protected Runtime newRuntime() {
        return new VirtualThreadRuntime();
    }
}
