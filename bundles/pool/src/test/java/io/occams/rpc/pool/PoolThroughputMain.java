package io.occams.rpc.pool;

import io.netty.buffer.ByteBuf;
import io.occams.rpc.api.ClientConfig;
import io.occams.rpc.api.RpcAddress;
import io.occams.rpc.api.RpcException;
import io.occams.rpc.api.ServerConfig;
import io.occams.rpc.runtime.netty.NettyRuntime;
import io.occams.rpc.stream.Caller;
import io.occams.rpc.stream.ClientStream;
import io.occams.rpc.stream.ClientTask;
import io.occams.rpc.stream.StreamServer;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Not a test: calls/s through a {@link FailoverPool} of two local servers against one
 * {@link ClientStream}, side by side in one run (closed loop, N calls in flight, 8-byte echo, Netty
 * runtime; client and servers share this JVM and its cores). Run by hand:
 *
 * <pre>
 * ./occams mvn -q -o -pl bundles/pool dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=/tmp/pool.cp
 * java -cp bundles/pool/target/test-classes:bundles/pool/target/classes:$(cat /tmp/pool.cp) io.occams.rpc.pool.PoolThroughputMain [seconds] [inFlight] [rounds]
 * </pre>
 */
public final class PoolThroughputMain {
    private PoolThroughputMain() {
    }

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        int inFlight = args.length > 1 ? Integer.parseInt(args[1]) : 128;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        try (NettyRuntime serverRt = new NettyRuntime(); NettyRuntime clientRt = new NettyRuntime()) {
            StreamServer s1 = new StreamServer(serverRt, ServerConfig.defaults(), call -> call.reply(call.msg().retain(), null));
            StreamServer s2 = new StreamServer(serverRt, ServerConfig.defaults(), call -> call.reply(call.msg().retain(), null));
            RpcAddress a1 = s1.listen(RpcAddress.parse("127.0.0.1:0"));
            RpcAddress a2 = s2.listen(RpcAddress.parse("127.0.0.1:0"));
            ClientConfig one = ClientConfig.builder().maxConnections(1).build();
            System.out.printf("netty (%s), %d in flight, 8-byte echo, %d s per run after 2 s warm-up%n",
                    clientRt.transport(), inFlight, seconds);
            for (int r = 0; r < rounds; r++) {
                ClientStream stream = ClientStream.connect(clientRt, a1, one).join();
                report("ClientStream, 1 connection", run(stream, inFlight, seconds));
                stream.close();
                stream.closeFuture().get(10, TimeUnit.SECONDS);

                try (FailoverPool pool = new FailoverPool(clientRt, List.of(a1, a2), one, FailoverPool.Selection.ROUND_ROBIN, 3)) {
                    report("FailoverPool round-robin, 2 x maxConnections 1", run(pool, inFlight, seconds));
                    pool.close();
                    pool.closeFuture().get(10, TimeUnit.SECONDS);
                }
                try (ClientPool pool = new ClientPool(clientRt, a1, one)) {
                    report("ClientPool, 1 address x maxConnections 1", run(pool, inFlight, seconds));
                    pool.close();
                    pool.closeFuture().get(10, TimeUnit.SECONDS);
                }
                try (FailoverPool pool = new FailoverPool(clientRt, List.of(a1, a2), one, FailoverPool.Selection.FIRST_HEALTHY, 3)) {
                    report("FailoverPool first-healthy, 2 x maxConnections 1", run(pool, inFlight, seconds));
                    pool.close();
                    pool.closeFuture().get(10, TimeUnit.SECONDS);
                }
                try (FailoverPool pool = new FailoverPool(clientRt, List.of(a1, a2), ClientConfig.defaults(), FailoverPool.Selection.ROUND_ROBIN, 3)) {
                    report("FailoverPool round-robin, 2 x maxConnections 8", run(pool, inFlight, seconds));
                    pool.close();
                    pool.closeFuture().get(10, TimeUnit.SECONDS);
                }
            }
            s1.close();
            s2.close();
        }
    }

    private static void report(String what, double perSecond) {
        System.out.printf("%-48s %,12.0f calls/s%n", what, perSecond);
    }

    /** Keeps {@code inFlight} calls going through {@code caller}; returns completions per second over the measured window. */
    private static double run(Caller caller, int inFlight, int seconds) throws InterruptedException {
        Loop loop = new Loop(caller);
        for (int i = 0; i < inFlight; i++) {
            caller.submit(new Echo(loop));
        }
        Thread.sleep(2_000); // warm-up (a benchmark, not a test)
        long c0 = loop.done.get();
        long t0 = System.nanoTime();
        Thread.sleep(seconds * 1_000L);
        long c1 = loop.done.get();
        long t1 = System.nanoTime();
        loop.running = false;
        return (c1 - c0) * 1e9 / (t1 - t0);
    }

    private static final class Loop {
        final Caller caller;
        final AtomicLong done = new AtomicLong();
        final AtomicLong failed = new AtomicLong();
        volatile boolean running = true;

        Loop(Caller caller) {
            this.caller = caller;
        }

        void next() {
            if (running) {
                caller.submit(new Echo(this));
            }
        }
    }

    /** An 8-byte echo that, on completion, sends the next one: a closed loop. */
    private static final class Echo extends ClientTask {
        private final Loop loop;

        Echo(Loop loop) {
            super(2);
            this.loop = loop;
        }

        @Override
        public void encodeMsg(ByteBuf out) {
            out.writeLongLE(0x0123_4567_89AB_CDEFL);
        }

        @Override
        public void onReply(ByteBuf msg, ByteBuf blob) {
            loop.done.incrementAndGet();
            loop.next();
        }

        @Override
        public void onErrno(int errno) {
            loop.failed.incrementAndGet();
            loop.next();
        }

        @Override
        public void onErrorString(ByteBuf text) {
            loop.failed.incrementAndGet();
            loop.next();
        }

        @Override
        public void onFailure(RpcException failure) {
            loop.failed.incrementAndGet();
            loop.next();
        }
    }
}
