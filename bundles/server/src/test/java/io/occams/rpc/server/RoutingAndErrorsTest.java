package io.occams.rpc.server;

import static io.occams.rpc.server.Wire.call;
import static io.occams.rpc.server.Wire.errnoReply;
import static io.occams.rpc.server.Wire.errorReply;
import static io.occams.rpc.server.Wire.hex;
import static io.occams.rpc.server.Wire.okReply;
import static org.assertj.core.api.Assertions.assertThat;

import io.occams.rpc.api.RpcAddress;
import io.occams.rpc.errors.ErrorCodecRegistry;
import io.occams.rpc.errors.StructuredErrorCodec;
import io.occams.rpc.examples.CalService;
import io.occams.rpc.examples.EchoService;
import io.occams.rpc.examples.internal.CalServiceImpl;
import io.occams.rpc.examples.internal.EchoServiceImpl;
import io.occams.rpc.server.TestServices.ArgsImpl;
import io.occams.rpc.server.TestServices.ArgsService;
import io.occams.rpc.server.TestServices.MultiErrorImpl;
import io.occams.rpc.server.TestServices.MultiErrorService;
import io.occams.rpc.server.TestServices.Quota;
import io.occams.rpc.server.TestServices.QuotaExceeded;
import io.occams.rpc.testkit.RawPeer;
import io.occams.rpc.testkit.Transport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Spec §10 M1 and M3 equivalents and the routing rules of §7.3 (with §12.18 fixed), through raw frames on a
 * real server: every answer byte for byte, the seq echoed, the connection kept after each error.
 */
class RoutingAndErrorsTest extends LoopbackServerTest {
    @ParameterizedTest(name = "{0}")
    @MethodSource("runtimes")
    void oneServiceAnswersEveryKindOfErrorAndKeepsTheConnection(String runtime) throws Exception {
        ErrorCodecRegistry errors = ErrorCodecRegistry.withBuiltins();
        errors.register(new StructuredErrorCodec<>(
                QuotaExceeded.class,
                Quota.class,
                e -> new Quota(e.code, e.getMessage()),
                q -> new QuotaExceeded(q.code(), q.detail())));
        try (RpcServer server = RpcServer.builder()
                .runtime(runtimes.get(runtime))
                .errors(errors)
                .build()) {
            server.register(MultiErrorService.class, new MultiErrorImpl());
            RpcAddress addr = listen(server, Transport.TCP);
            try (RawPeer peer = RawPeer.connect(addr)) {
                long seq = 0x0102030405060708L;
                assertThat(call(peer, seq, "MultiErrorService.success", "0a").hex())
                        .isEqualTo(okReply(seq, "0b"));
                assertThat(call(peer, 2, "MultiErrorService.stringError", "c0").hex())
                        .isEqualTo(errorReply(2, "string error"));
                assertThat(call(peer, 3, "MultiErrorService.i32Error", "c0").hex())
                        .isEqualTo(errnoReply(3, 42));
                assertThat(call(peer, 4, "MultiErrorService.errnoError", "c0").hex())
                        .isEqualTo(errnoReply(4, 1));
                // {code: 7, detail: "full"} in named mode
                assertThat(call(peer, 5, "MultiErrorService.quota", "c0").body())
                        .isEqualTo(hex("82 a4 63 6f 64 65 07 a6 64 65 74 61 69 6c a4 66 75 6c 6c"));
                assertThat(call(peer, 6, "MultiErrorService.nothing", "c0").hex())
                        .isEqualTo(okReply(6, "c0"));
                assertThat(call(peer, 7, "MultiErrorService.framework", "c0").hex())
                        .isEqualTo(errorReply(7, "rpc_timeout"));
                assertThat(call(peer, 8, "MultiErrorService.unmapped", "c0").hex())
                        .isEqualTo(errorReply(8, "rpc_internal_err"));
                assertThat(call(peer, 9, "MultiErrorService.asyncFailure", "c0").hex())
                        .isEqualTo(errnoReply(9, 13));
                assertThat(call(peer, 10, "MultiErrorService.nosuch", "c0").hex())
                        .isEqualTo(errorReply(10, "rpc_method_notfound"));
                assertThat(call(peer, 11, "MultiErrorService.success", "a1 78").hex())
                        .isEqualTo(errorReply(11, "rpc_decode"));
                assertThat(call(peer, 12, "MultiErrorService.success", "0a 0a").hex())
                        .isEqualTo(errorReply(12, "rpc_decode"));
                assertThat(call(peer, 14, "MultiErrorService.success", "29").hex())
                        .isEqualTo(okReply(14, "2a"));
            }
        }
    }

    @Test
    void twoServicesAreRoutedByNameAndUnknownNamesAnsweredWithTheConnectionKept() throws Exception {
        try (RpcServer server = RpcServer.builder().runtime(runtimes.vthreads).build()) {
            server.register(CalService.class, new CalServiceImpl());
            server.register(EchoService.class, new EchoServiceImpl());
            RpcAddress addr = listen(server, Transport.UNIX);
            try (RawPeer peer = RawPeer.connect(addr)) {
                assertThat(call(peer, 1, "CalService.inc", "29").hex()).isEqualTo(okReply(1, "2a"));
                assertThat(call(peer, 2, "EchoService.repeat", "a2 68 69").hex())
                        .isEqualTo(okReply(2, "a2 68 69"));
                assertThat(call(peer, 3, "NoService.inc", "29").hex()).isEqualTo(errorReply(3, "rpc_service_notfound"));
                assertThat(call(peer, 4, "CalService", "29").hex()).isEqualTo(errorReply(4, "rpc_decode"));
                assertThat(call(peer, 5, "CalService.inc.x", "29").hex())
                        .isEqualTo(errorReply(5, "rpc_method_notfound"));
                peer.write(Wire.numericRequest(6, 3, hex("29")));
                assertThat(Wire.read(peer).hex()).isEqualTo(errorReply(6, "rpc_decode"));
                assertThat(call(peer, 7, "EchoService.io_error", "a1 78").hex()).isEqualTo(errnoReply(7, 5));
            }
        }
    }

    @Test
    void aServiceServedAloneStillChecksItsName() throws Exception {
        try (RpcServer server = RpcServer.builder().runtime(runtimes.netty).build()) {
            server.register(CalService.class, new CalServiceImpl());
            RpcAddress addr = listen(server, Transport.TCP);
            try (RawPeer peer = RawPeer.connect(addr)) {
                assertThat(call(peer, 1, "Calc.inc", "29").hex()).isEqualTo(errorReply(1, "rpc_service_notfound"));
                assertThat(call(peer, 2, "EchoService.inc", "29").hex())
                        .isEqualTo(errorReply(2, "rpc_service_notfound"));
                assertThat(call(peer, 3, "CalService.inc", "29").hex()).isEqualTo(okReply(3, "2a"));
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("runtimes")
    void argumentsRoundTripForNoneOneAndThree(String runtime) throws Exception {
        try (RpcServer server =
                RpcServer.builder().runtime(runtimes.get(runtime)).build()) {
            server.register(ArgsService.class, new ArgsImpl());
            RpcAddress addr = listen(server, Transport.TCP);
            try (RawPeer peer = RawPeer.connect(addr)) {
                assertThat(call(peer, 1, "Args.none", "c0").hex()).isEqualTo(okReply(1, "a4 6e 6f 6e 65"));
                assertThat(call(peer, 2, "Args.none", "").hex()).isEqualTo(okReply(2, "a4 6e 6f 6e 65"));
                assertThat(call(peer, 3, "Args.one", "15").hex()).isEqualTo(okReply(3, "2a"));
                // ("ab", 7, true) -> "ab7true"
                assertThat(call(peer, 4, "Args.three", "93 a2 61 62 07 c3").hex())
                        .isEqualTo(okReply(4, "a7 61 62 37 74 72 75 65"));
                assertThat(call(peer, 5, "Args.three", "92 a2 61 62 07").hex()).isEqualTo(errorReply(5, "rpc_decode"));
                // {code: 1, detail: "a"} -> {code: 2, detail: "a!"}; arrays accepted for records too
                assertThat(call(peer, 6, "Args.record", "82 a4 63 6f 64 65 01 a6 64 65 74 61 69 6c a1 61")
                                .hex())
                        .isEqualTo(okReply(6, "82 a4 63 6f 64 65 02 a6 64 65 74 61 69 6c a2 61 21"));
            }
        }
    }
}
