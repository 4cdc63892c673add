package io.occams.rpc.testsuite;

import io.occams.rpc.api.spi.Runtime;
import io.occams.rpc.runtime.netty.NettyRuntime;

/** Pipelined blobs over TLS on the netty runtime. */
class NettyTlsPipelinedBlobsTest extends AbstractTlsPipelinedBlobsTest {
    @Override
    protected Runtime newRuntime() {
        return new NettyRuntime();
    }
}
