package io.occams.rpc.server;

import static io.occams.rpc.server.Wire.call;
import static io.occams.rpc.server.Wire.errorReply;
import static io.occams.rpc.server.Wire.okReply;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.occams.rpc.api.RpcCode;
import io.occams.rpc.examples.CalService;
import io.occams.rpc.examples.internal.CalServiceImpl;
import io.occams.rpc.testkit.RawPeer;
import io.occams.rpc.testkit.Transport;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The counters the Karaf shell shows: calls and failures per service, calls in flight per server. */
class CallCountsTest extends LoopbackServerTest {

    @Test
    void eachServiceCountsItsCallsAndFailuresAndTheServerItsCallsInFlight() throws Exception {
        try (RpcServer server = RpcServer.builder().runtime(runtimes.netty).build()) {
            server.register(CalService.class, new CalServiceImpl());
            ServiceDispatcher d = server.dispatcher();
            assertThat(d.callCounts("CalService")).isEqualTo(new ServiceDispatcher.CallCounts(0, 0, 0));
            assertThat(d.callCounts("NoSuchService")).isNull();
            try (RawPeer peer = RawPeer.connect(listen(server, Transport.TCP))) {
                assertThat(call(peer, 1, "CalService.add", "92 0a 14").hex()).isEqualTo(okReply(1, "1e"));
                call(peer, 2, "CalService.div", "92 01 00"); // the method throws
                assertThat(call(peer, 3, "CalService.add", "a1 78").hex())
                        .isEqualTo(errorReply(3, RpcCode.DECODE.wireName()));
                assertThat(call(peer, 4, "CalService.nope", "c0").hex())
                        .isEqualTo(errorReply(4, RpcCode.METHOD_NOT_FOUND.wireName()));
                // a call is out of flight just after its answer is written
                await().atMost(Duration.ofSeconds(20))
                        .until(() -> server.inFlight() == 0
                                && d.callCounts("CalService").inFlight() == 0);
                assertThat(d.callCounts("CalService")).isEqualTo(new ServiceDispatcher.CallCounts(3, 2, 0));
            }
        }
    }
}
