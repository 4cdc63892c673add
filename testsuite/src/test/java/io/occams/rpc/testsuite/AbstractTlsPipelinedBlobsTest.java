package io.occams.rpc.testsuite;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.occams.rpc.api.ClientConfig;
import io.occams.rpc.api.RpcAddress;
import io.occams.rpc.api.ServerConfig;
import io.occams.rpc.api.spi.Dispatch;
import io.occams.rpc.stream.ClientStream;
import io.occams.rpc.stream.Reply;
import io.occams.rpc.stream.StreamServer;
import io.occams.rpc.testkit.RuntimePerTest;
import io.occams.rpc.testkit.TestCertificates;
import io.occams.rpc.testkit.Transport;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Pipelined large requests over mutual TLS, the load harness's {@code blob1x16} shape: one connection
 * keeps 16 calls in flight, each carrying a blob (a duplicate of one direct buffer, as the harness
 * sends it), the server answers on its reader (empty, or with a blob of its own), and each completion
 * sends the next call from the client's reader. Every call must succeed: a runtime whose TLS write
 * side loses or holds back ciphertext, or whose reader leaves decrypted bytes unread, stalls a frame
 * half-way and the server drops the connection (its read timeout). The server's reads here rarely end
 * on a frame boundary; that its read timeout is about one frame, not such a run of them, is pinned
 * down on a manual clock in {@link AbstractHardeningContractTest}.
 */
abstract class AbstractTlsPipelinedBlobsTest extends RuntimePerTest {
    private static final int IN_FLIGHT = 16;
    /** Generous: the whole run on a machine with a load average of 30. */
    private static final long WAIT_SECONDS = 120;

    @TempDir
    static Path certs;

    static TestCertificates.Pki pki;

    @BeforeAll
    static void makeCertificates() {
        pki = TestCertificates.Pki.create(certs);
    }

    @ParameterizedTest(name = "{0} calls, {1}-byte requests, {2}-byte replies")
    @CsvSource({"2000, 65536, 0", "60, 1048576, 0", "1000, 65536, 65536"})
    void everyPipelinedBlobCallSucceeds(int calls, int requestBytes, int replyBytes) throws Exception {
        ByteBuf replyBlob = replyBytes == 0 ? null : filled(replyBytes, 3);
        Dispatch dispatch = call -> {
            ByteBuf b = call.blob();
            if (b == null || b.readableBytes() != requestBytes || !pattern(b, 7)) {
                call.replyErrno(22);
            } else {
                call.reply(null, replyBlob == null ? null : replyBlob.retainedDuplicate());
            }
        };
        // This test is about every blob arriving whole, not about the server's timeouts: on a machine at load
        // 45 a 1 MiB TLS frame once took longer than the default firstFrameTimeout (30 s) to arrive, and the
        // sweep rightly closed the connection. The timeouts get the test's own bound instead.
        Duration patience = Duration.ofSeconds(WAIT_SECONDS);
        StreamServer server = new StreamServer(
                runtime,
                ServerConfig.builder()
                        .tls(pki.serverTls(true))
                        .firstFrameTimeout(patience)
                        .readTimeout(patience)
                        .build(),
                dispatch);
        closeAfter(server::shutdownNow);
        RpcAddress a = server.listen(Transport.TCP.freshAddress(certs));
        ClientStream c = ClientStream.connect(
                        runtime,
                        a,
                        ClientConfig.builder().tls(pki.clientTls(true).build()).build())
                .join();
        closeAfter(c::abort);
        ByteBuf blob = filled(requestBytes, 7);
        AtomicInteger started = new AtomicInteger();
        AtomicInteger succeeded = new AtomicInteger();
        Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
        CountDownLatch done = new CountDownLatch(calls);
        try {
            Runnable[] next = new Runnable[1];
            next[0] = () -> {
                if (started.incrementAndGet() > calls) {
                    return;
                }
                c.call(FileService.WRITE, null, blob.retainedDuplicate()).whenComplete((r, t) -> {
                    if (t != null) {
                        failures.add(t);
                        while (done.getCount() > 0) {
                            done.countDown(); // one failure fails the test: no more calls
                        }
                        return;
                    } else {
                        try (Reply reply = r) {
                            int got = reply.blob() == null ? 0 : reply.blob().readableBytes();
                            if (got == replyBytes && (replyBytes == 0 || pattern(reply.blob(), 3))) {
                                succeeded.incrementAndGet();
                            } else {
                                failures.add(new AssertionError("a reply with a " + got + "-byte blob"));
                            }
                        }
                    }
                    done.countDown();
                    next[0].run(); // the next call, from the client's reader, as the harness does
                });
            };
            for (int i = 0; i < IN_FLIGHT; i++) {
                next[0].run();
            }
            assertThat(done.await(WAIT_SECONDS, TimeUnit.SECONDS))
                    .as("all %d calls answered (%d succeeded, failures %s)", calls, succeeded.get(), failures)
                    .isTrue();
            assertThat(failures).isEmpty();
            assertThat(succeeded.get()).isEqualTo(calls);
        } finally {
            blob.release();
            if (replyBlob != null) {
                replyBlob.release();
            }
        }
    }

    private ByteBuf filled(int bytes, int seed) {
        ByteBuf b = runtime.allocator().directBuffer(bytes, bytes);
        for (int i = 0; i < bytes; i++) {
            b.writeByte(i * seed + (i >>> 16));
        }
        return b;
    }

    /** Whether {@code b} holds what {@link #filled} wrote (checked at a few spread offsets and the ends). */
    private static boolean pattern(ByteBuf b, int seed) {
        int n = b.readableBytes();
        for (int i = 0; i < n; i += (i < 64 || n - i < 64) ? 1 : 4093) {
            if (b.getByte(b.readerIndex() + i) != (byte) (i * seed + (i >>> 16))) {
                return false;
            }
        }
        return true;
    }
}
