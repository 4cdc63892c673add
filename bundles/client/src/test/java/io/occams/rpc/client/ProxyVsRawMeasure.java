package io.occams.rpc.client;

import io.netty.buffer.ByteBuf;
import io.occams.rpc.api.ClientConfig;
import io.occams.rpc.api.RpcAddress;
import io.occams.rpc.api.RpcCode;
import io.occams.rpc.api.RpcException;
import io.occams.rpc.api.RpcService;
import io.occams.rpc.api.ServerConfig;
import io.occams.rpc.api.spi.Binding;
import io.occams.rpc.api.spi.Codec;
import io.occams.rpc.runtime.netty.NettyRuntime;
import io.occams.rpc.stream.ClientStream;
import io.occams.rpc.stream.ClientTask;
import io.occams.rpc.stream.StreamServer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongConsumer;

/**
 * Not a test: calls per second through a proxy against the raw stream API (a hand-written
 * {@link ClientTask} with the same msg), side by side in one run, on one connection with 128 calls in
 * flight, netty runtime, {@code CalService.add}. Server and client share the JVM (separate runtimes).
 *
 * <pre>
 * ./occams mvn -q -pl bundles/client test-compile dependency:build-classpath -Dmdep.outputFile=/tmp/cp.txt
 * java -cp bundles/client/target/test-classes:bundles/client/target/classes:$(cat /tmp/cp.txt) \
 *     io.occams.rpc.client.ProxyVsRawMeasure [seconds=5] [inflight=128]
 * </pre>
 */
public final class ProxyVsRawMeasure {
    /** The proxy's view of the service. */
    @RpcService("CalService")
    public interface Cal {
        CompletableFuture<Long> add(long a, long b);
    }

    private static final byte[] ACTION = "CalService.add".getBytes(StandardCharsets.UTF_8);

    private ProxyVsRawMeasure() {
    }

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        int inflight = args.length > 1 ? Integer.parseInt(args[1]) : 128;
        RpcClient client = RpcClient.create();
        Codec codec = client.codec();
        Binding<Object[]> addArgs = codec.argumentsBinding(long.class, long.class);
        Binding<Long> result = codec.binding(long.class);
        try (NettyRuntime serverRt = NettyRuntime.builder().ioThreads(1).build();
                NettyRuntime clientRt = NettyRuntime.builder().ioThreads(1).build()) {
            StreamServer server = new StreamServer(serverRt, ServerConfig.defaults(), call -> {
                if (!"CalService.add".equals(call.stringAction())) {
                    call.replyError(RpcCode.METHOD_NOT_FOUND);
                    return;
                }
                Object[] ab = addArgs.decode(call.msg());
                ByteBuf out = call.alloc().buffer(16);
                result.encode((Long) ab[0] + (Long) ab[1], out);
                call.reply(out, null);
            });
            RpcAddress addr = server.listen(RpcAddress.tcp("127.0.0.1", 0));
            ClientStream stream = ClientStream.connect(clientRt, addr, ClientConfig.builder().thresholds(inflight).build())
                    .get(10, TimeUnit.SECONDS);
            Cal cal = client.proxy(Cal.class, stream);
            System.out.printf("1 connection x %d in flight, %d s per run, netty (%s), JDK %s%n", inflight, seconds,
                    clientRt.transport(), Runtime.version());
            run("warm-up raw  ", 2, inflight, (i) -> stream.submit(new RawAdd(i, addArgs, result)));
            run("warm-up proxy", 2, inflight, (i) -> cal.add(i, 1).whenComplete(RELEASE));
            for (int round = 1; round <= 2; round++) {
                run("raw   " + round, seconds, inflight, (i) -> stream.submit(new RawAdd(i, addArgs, result)));
                run("proxy " + round, seconds, inflight, (i) -> cal.add(i, 1).whenComplete(RELEASE));
            }
            stream.close();
            server.close();
        }
    }

    private static Semaphore permits;
    private static final LongAdder DONE = new LongAdder();
    private static final LongAdder FAILED = new LongAdder();
    private static final java.util.function.BiConsumer<Long, Throwable> RELEASE = (v, e) -> done(e == null);

    static void done(boolean ok) {
        (ok ? DONE : FAILED).increment();
        permits.release();
    }

    private static void run(String name, int seconds, int inflight, LongConsumer call) throws InterruptedException {
        permits = new Semaphore(inflight);
        DONE.reset();
        FAILED.reset();
        long start = System.nanoTime();
        long end = start + TimeUnit.SECONDS.toNanos(seconds);
        long i = 0;
        while (System.nanoTime() < end) {
            permits.acquire();
            call.accept(i++);
        }
        permits.acquire(inflight); // let the last ones finish
        double secs = (System.nanoTime() - start) / 1e9;
        System.out.printf("%s  %,12.0f calls/s  (%,d calls, %d failed)%n", name, DONE.sum() / secs, DONE.sum(), FAILED.sum());
    }

    /** The raw stream API: the same action and msg as the proxy's add(i, 1), decoded by hand. */
    static final class RawAdd extends ClientTask {
        private final long a;
        private final Binding<Object[]> args;
        private final Binding<Long> result;

        RawAdd(long a, Binding<Object[]> args, Binding<Long> result) {
            super(ACTION, true);
            this.a = a;
            this.args = args;
            this.result = result;
        }

        @Override
        public void encodeMsg(ByteBuf out) {
            args.encode(new Object[] {a, 1L}, out);
        }

        @Override
        public void onReply(ByteBuf msg, ByteBuf blob) {
            done(result.decode(msg) == a + 1);
        }

        @Override
        public void onErrno(int errno) {
            done(false);
        }

        @Override
        public void onErrorString(ByteBuf text) {
            done(false);
        }

        @Override
        public void onFailure(RpcException failure) {
            done(false);
        }
    }
}
