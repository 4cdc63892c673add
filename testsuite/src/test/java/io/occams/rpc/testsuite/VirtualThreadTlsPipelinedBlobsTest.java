package io.occams.rpc.testsuite;

import io.occams.rpc.api.spi.Runtime;
import io.occams.rpc.runtime.vthreads.VirtualThreadRuntime;

/** Pipelined blobs over TLS on the vthreads runtime (the JDK's TLS engine). */
class VirtualThreadTlsPipelinedBlobsTest extends AbstractTlsPipelinedBlobsTest {
    @Override
    protected Runtime newRuntime() {
        return new VirtualThreadRuntime();
    }
}
