package io.occams.rpc.server;

import static io.occams.rpc.server.Wire.call;
import static io.occams.rpc.server.Wire.errnoReply;
import static io.occams.rpc.server.Wire.errorReply;
import static io.occams.rpc.server.Wire.hex;
import static io.occams.rpc.server.Wire.okReply;
import static io.occams.rpc.server.Wire.request;
import static org.assertj.core.api.Assertions.assertThat;

import io.occams.rpc.api.RpcAddress;
import io.occams.rpc.examples.AsyncCalService;
import io.occams.rpc.examples.CalService;
import io.occams.rpc.examples.EchoService;
import io.occams.rpc.testkit.RawPeer;
import io.occams.rpc.testkit.Transport;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Spec §10 A1 through raw frames: the example services, found by ServiceLoader, answer the bytes the Rust
 * test suite expects, over TCP and Unix sockets on both runtimes.
 */
class A1RawFramesTest extends LoopbackServerTest {
    @ParameterizedTest(name = "{0} over {1}")
    @MethodSource("runtimesAndTransports")
    void exampleServicesAnswerTheBytesOfTheRustSuite(String runtime, Transport transport) throws Exception {
        try (RpcServer server =
                RpcServer.builder().runtime(runtimes.get(runtime)).build()) {
            assertThat(server.dispatcher().registerAll(CalService.class)).hasSize(1);
            assertThat(server.dispatcher().registerAll(EchoService.class)).hasSize(1);
            RpcAddress addr = listen(server, transport);
            try (RawPeer peer = RawPeer.connect(addr)) {
                ByteArrayOutputStream reqs = new ByteArrayOutputStream();
                reqs.writeBytes(request(1, "CalService.inc", hex("29")));
                reqs.writeBytes(request(2, "CalService.add", hex("92 0a 14")));
                reqs.writeBytes(request(3, "CalService.div", hex("92 0a 02")));
                reqs.writeBytes(request(4, "CalService.div", hex("92 0a 00")));
                reqs.writeBytes(request(5, "EchoService.repeat", hex("ad 48 65 6c 6c 6f 2c 20 77 6f 72 6c 64 21")));
                reqs.writeBytes(request(6, "EchoService.io_error", hex("a1 78")));
                peer.write(reqs.toByteArray());
                Map<Long, String> replies = new HashMap<>();
                for (int i = 0; i < 6; i++) {
                    Wire.Frame f = Wire.read(peer);
                    replies.put(f.seq(), f.hex());
                }
                assertThat(replies)
                        .containsEntry(1L, okReply(1, "2a"))
                        .containsEntry(2L, "25 4d 01 00 01 00 00 00 02 00 00 00 00 00 00 00 00 00 00 00 1e")
                        .containsEntry(3L, okReply(3, "05"))
                        .containsEntry(4L, errorReply(4, "divide by zero"))
                        .containsEntry(5L, okReply(5, "ad 48 65 6c 6c 6f 2c 20 77 6f 72 6c 64 21"))
                        .containsEntry(6L, errnoReply(6, 5));
                assertThat(errnoReply(6, 5)).isEqualTo("25 4d 01 01 05 00 00 00 06 00 00 00 00 00 00 00 00 00 00 00");
            }
        }
    }

    @ParameterizedTest(name = "{0} over {1}")
    @MethodSource("runtimesAndTransports")
    void asyncVariantAnswersTheSameBytes(String runtime, Transport transport) throws Exception {
        try (RpcServer server =
                RpcServer.builder().runtime(runtimes.get(runtime)).build()) {
            server.dispatcher().registerAll(AsyncCalService.class);
            RpcAddress addr = listen(server, transport);
            try (RawPeer peer = RawPeer.connect(addr)) {
                assertThat(call(peer, 7, "CalService.inc", "29").hex()).isEqualTo(okReply(7, "2a"));
                assertThat(call(peer, 8, "CalService.add", "92 0a 14").hex()).isEqualTo(okReply(8, "1e"));
                assertThat(call(peer, 9, "CalService.div", "92 0a 00").hex())
                        .isEqualTo(errorReply(9, "divide by zero"));
            }
            server.shutdown();
            assertThat(server.awaitTermination(Duration.ofSeconds(10))).isTrue();
        }
    }
}
