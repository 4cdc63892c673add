package io.occams.rpc.testsuite;

import io.netty.buffer.ByteBuf;
import io.occams.rpc.api.ClientConfig;
import io.occams.rpc.api.RpcAddress;
import io.occams.rpc.api.ServerConfig;
import io.occams.rpc.api.spi.Dispatch;
import io.occams.rpc.runtime.vthreads.VirtualThreadRuntime;
import io.occams.rpc.stream.ClientStream;
import io.occams.rpc.stream.Reply;
import io.occams.rpc.stream.StreamServer;
import io.occams.rpc.testkit.TestCertificates;
import java.nio.file.Path;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The program {@link VirtualThreadTlsKeyUpdateTest} runs in a JVM of its own (one whose
 * {@code jdk.tls.keyLimits} makes the JDK's engine update its keys every few records): pipelined
 * blobs both ways over mutual TLS on the virtual-thread runtime, 16 calls in flight, each completion
 * sending the next call from the client's reader. Prints {@link #verdict} and exits 0 when every call
 * succeeded; exits 1 on a failed call or when they are not all answered in time.
 *
 * <p>Arguments: a directory for the certificates, the number of calls, the blob size, seconds to wait.
 */
public final class TlsKeyUpdateBlobs {
    private static final int IN_FLIGHT = 16;

    private TlsKeyUpdateBlobs() {}

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int calls = Integer.parseInt(args[1]);
        int bytes = Integer.parseInt(args[2]);
        long waitSeconds = Long.parseLong(args[3]);
        TestCertificates.Pki pki = TestCertificates.Pki.create(dir);
        VirtualThreadRuntime runtime = new VirtualThreadRuntime();
        ByteBuf requestBlob = filled(runtime, bytes, 7);
        ByteBuf replyBlob = filled(runtime, bytes, 3);
        Dispatch dispatch = call -> {
            ByteBuf b = call.blob();
            if (b == null || b.readableBytes() != bytes) {
                call.replyErrno(22);
            } else {
                call.reply(null, replyBlob.retainedDuplicate());
            }
        };
        StreamServer server = new StreamServer(
                runtime, ServerConfig.builder().tls(pki.serverTls(true)).build(), dispatch);
        RpcAddress a = server.listen(RpcAddress.tcp("127.0.0.1", 0));
        ClientStream c = ClientStream.connect(
                        runtime,
                        a,
                        ClientConfig.builder().tls(pki.clientTls(true).build()).build())
                .get(60, TimeUnit.SECONDS);
        AtomicInteger started = new AtomicInteger();
        AtomicInteger succeeded = new AtomicInteger();
        Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
        CountDownLatch done = new CountDownLatch(calls);
        Runnable[] next = new Runnable[1];
        next[0] = () -> {
            if (started.incrementAndGet() > calls) {
                return;
            }
            c.call(FileService.WRITE, null, requestBlob.retainedDuplicate()).whenComplete((r, t) -> {
                if (t != null) {
                    failures.add(t);
                    while (done.getCount() > 0) {
                        done.countDown();
                    }
                    return;
                }
                try (Reply reply = r) {
                    int got = reply.blob() == null ? 0 : reply.blob().readableBytes();
                    if (got == bytes) {
                        succeeded.incrementAndGet();
                    } else {
                        failures.add(new AssertionError("a reply with a " + got + "-byte blob"));
                    }
                }
                done.countDown();
                next[0].run();
            });
        };
        for (int i = 0; i < IN_FLIGHT; i++) {
            next[0].run();
        }
        boolean answered = done.await(waitSeconds, TimeUnit.SECONDS);
        if (answered && failures.isEmpty() && succeeded.get() == calls) {
            System.out.println(verdict(calls));
            System.out.flush();
            Runtime.getRuntime().halt(0);
        }
        System.out.println("FAILED: " + succeeded.get() + " of " + calls + " succeeded"
                + (answered ? "" : " (not all answered within " + waitSeconds + " s)") + ", failures " + failures);
        System.out.flush();
        Runtime.getRuntime().halt(1);
    }

    /** The line printed when every call succeeded. */
    static String verdict(int calls) {
        return "TlsKeyUpdateBlobs: all " + calls + " calls succeeded";
    }

    private static ByteBuf filled(VirtualThreadRuntime runtime, int bytes, int seed) {
        ByteBuf b = runtime.allocator().directBuffer(bytes, bytes);
        for (int i = 0; i < bytes; i++) {
            b.writeByte(i * seed + (i >>> 16));
        }
        return b;
    }
}
