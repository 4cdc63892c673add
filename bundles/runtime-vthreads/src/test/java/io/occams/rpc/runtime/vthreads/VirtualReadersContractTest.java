package io.occams.rpc.runtime.vthreads;

import io.occams.rpc.api.spi.Runtime;
import io.occams.rpc.testkit.AbstractRuntimeContractTest;

/**
 * The runtime SPI contract against the virtual-thread runtime with every reader on a virtual thread
 * ({@code platformReaders(0)}), which is what a runtime's connections get once its platform readers are
 * taken; {@link VirtualThreadRuntimeContractTest} runs it with the defaults (platform readers).
 */
class VirtualReadersContractTest extends AbstractRuntimeContractTest {
    @Override
    protected Runtime newRuntime() {
        return VirtualThreadRuntime.builder().platformReaders(0).build();
    }
}
