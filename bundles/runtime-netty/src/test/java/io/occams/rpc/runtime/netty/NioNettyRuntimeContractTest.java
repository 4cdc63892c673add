package io.occams.rpc.runtime.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.occams.rpc.api.spi.Runtime;
import io.occams.rpc.testkit.AbstractRuntimeContractTest;
import io.occams.rpc.testkit.RawPeer;
import io.occams.rpc.testkit.RecordingFactory;
import io.occams.rpc.testkit.RecordingHandler;
import io.occams.rpc.testkit.Transport;
import org.junit.jupiter.api.Test;

/**
 * The runtime contract with native transports refused: NIO, over TCP and Unix-domain sockets.
 *
 * <p>Known limitation, tested here: on NIO Unix sockets the peer's end of stream closes the
 * connection (Netty 4.2.18's NIO transport half-closes only TCP sockets), so the half-close tests run
 * on TCP only.
 */
class NioNettyRuntimeContractTest extends AbstractRuntimeContractTest {
    @Override
    protected Runtime newRuntime() {
        NettyRuntime rt =
                NettyRuntime.builder().ioThreads(2).preferNative(false).build();
        assertThat(rt.transport()).isEqualTo("nio");
        return rt;
    }

    @Override
    protected boolean halfClosesUnixSockets() {
        return false;
    }

    @Test
    void peersEndOfStreamOnAUnixSocketClosesTheConnectionAfterItsData() throws Exception {
        RecordingFactory serverSide = factory(false, false);
        Runtime.Listener listener = listen(Transport.UNIX, serverSide);
        byte[] sent = bytes(5000, 1);
        try (RawPeer peer = RawPeer.connect(listener.localAddress())) {
            peer.write(sent);
            peer.shutdownOutput();
            RecordingHandler server = serverSide.next(WAIT);
            awaitClosed(server);
            assertThat(server.received()).isEqualTo(sent);
            assertThat(server.events()).last().isEqualTo(RecordingHandler.Event.CLOSED);
            assertThat(server.closeCause()).isNull();
        }
    }
}
