package io.occams.rpc.testsuite;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.occams.rpc.api.ClientConfig;
import io.occams.rpc.api.RpcAddress;
import io.occams.rpc.api.RpcException;
import io.occams.rpc.api.spi.Binding;
import io.occams.rpc.api.spi.Codec;
import io.occams.rpc.client.RpcClient;
import io.occams.rpc.examples.AsyncCalService;
import io.occams.rpc.runtime.netty.NettyRuntime;
import io.occams.rpc.server.RpcServer;
import io.occams.rpc.stream.ClientStream;
import io.occams.rpc.stream.ClientTask;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiConsumer;
import java.util.function.LongConsumer;

/**
 * Not a test: calls per second of {@code CalService.add(i, 1)} through an {@link RpcClient} proxy
 * ({@link AsyncCalService}) against the raw stream API ({@link ClientStream#submit} of a hand-written
 * {@link ClientTask} whose msg is encoded and whose reply is decoded by the same codec bindings), both
 * against the same real {@link RpcServer} serving the examples' {@code AsyncCalService} implementation
 * (found through ServiceLoader; invoked on the reader). One connection, 128 calls in flight, Netty runtime
 * (server and client on runtimes of their own, one I/O thread each, in one JVM). After a warm-up of each,
 * the two alternate A B A B.
 *
 * <pre>
 * ./occams mvn -q -pl testsuite test-compile dependency:build-classpath -Dmdep.outputFile=/tmp/ts-cp.txt
 * java -cp testsuite/target/test-classes:$(cat /tmp/ts-cp.txt) \
 *     io.occams.rpc.testsuite.ProxyVsRawAgainstRpcServer [seconds=5] [inflight=128] [rounds=2]
 * </pre>
 */
public final class ProxyVsRawAgainstRpcServer {
    private static final byte[] ACTION = "CalService.add".getBytes(StandardCharsets.UTF_8);

    private static Semaphore permits;
    private static final LongAdder DONE = new LongAdder();
    private static final LongAdder FAILED = new LongAdder();
    private static final BiConsumer<Long, Throwable> RELEASE = (v, e) -> done(e == null);

    private ProxyVsRawAgainstRpcServer() {}

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        int inflight = args.length > 1 ? Integer.parseInt(args[1]) : 128;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        RpcClient client = RpcClient.create();
        Codec codec = client.codec();
        Binding<Object[]> addArgs = codec.argumentsBinding(long.class, long.class);
        Binding<Long> result = codec.binding(long.class);
        ByteBuf sample = Unpooled.buffer();
        addArgs.encode(new Object[] {10L, 20L}, sample);
        String sampleHex = ByteBufUtil.hexDump(sample);
        sample.release();
        if (!"920a14".equals(sampleHex)) {
            throw new IllegalStateException("add(10, 20) should encode as 92 0a 14, not " + sampleHex);
        }
        try (NettyRuntime serverRt = NettyRuntime.builder().ioThreads(1).build();
                NettyRuntime clientRt = NettyRuntime.builder().ioThreads(1).build();
                RpcServer server = RpcServer.builder().runtime(serverRt).build()) {
            if (server.dispatcher().registerAll(AsyncCalService.class).isEmpty()) {
                throw new IllegalStateException("no AsyncCalService through ServiceLoader");
            }
            RpcAddress addr = server.listen(RpcAddress.tcp("127.0.0.1", 0));
            ClientStream stream = ClientStream.connect(
                            clientRt,
                            addr,
                            ClientConfig.builder().thresholds(inflight).build())
                    .get(10, TimeUnit.SECONDS);
            AsyncCalService cal = client.proxy(AsyncCalService.class, stream);
            System.out.printf(
                    "CalService.add against RpcServer(AsyncCalServiceImpl), 1 connection x %d in flight, %d s per run,"
                            + " netty (%s), JDK %s, %d CPUs%n",
                    inflight,
                    seconds,
                    clientRt.transport(),
                    Runtime.version(),
                    Runtime.getRuntime().availableProcessors());
            LongConsumer raw = i -> stream.submit(new RawAdd(i, addArgs, result));
            LongConsumer proxy = i -> cal.add(i, 1).whenComplete(RELEASE);
            run("warm-up raw  ", 3, inflight, raw);
            run("warm-up proxy", 3, inflight, proxy);
            for (int round = 1; round <= rounds; round++) {
                run("A raw   " + round, seconds, inflight, raw);
                run("B proxy " + round, seconds, inflight, proxy);
            }
            stream.close();
            stream.closeFuture().get(10, TimeUnit.SECONDS);
        }
    }

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
        permits.acquire(inflight); // the last ones finish
        double secs = (System.nanoTime() - start) / 1e9;
        System.out.printf(
                "%s  %,12.0f calls/s  (%,d calls, %d failed)%n", name, DONE.sum() / secs, DONE.sum(), FAILED.sum());
    }

    /** The raw stream API: the proxy's action and msg for add(i, 1), the reply decoded by hand. */
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
