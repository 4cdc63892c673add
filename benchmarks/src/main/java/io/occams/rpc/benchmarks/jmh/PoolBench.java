package io.occams.rpc.benchmarks.jmh;

import io.occams.rpc.api.ClientConfig;
import io.occams.rpc.api.RpcAddress;
import io.occams.rpc.api.ServerConfig;
import io.occams.rpc.pool.FailoverPool;
import io.occams.rpc.runtime.netty.NettyRuntime;
import io.occams.rpc.stream.Caller;
import io.occams.rpc.stream.ClientStream;
import io.occams.rpc.stream.ClientTask;
import io.occams.rpc.stream.StreamServer;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What a {@link FailoverPool} costs against one {@link ClientStream}: calls per second with 128 calls in
 * flight, in one JVM over loopback TCP, on the Netty runtime (client and the two servers on runtimes of
 * their own, sharing this JVM's cores). Each server's dispatch echoes the 8-byte msg.
 *
 * <ul>
 * <li>{@code stream}: one {@link ClientStream} to the first server;
 * <li>{@code failover-first-healthy}: a {@link FailoverPool} over both servers, every call to the first
 *     (the second is only there to fail over to);
 * <li>{@code failover-round-robin}: the same pool alternating between them.
 * </ul>
 *
 * <p>The pools have at most {@code maxConnections} connections per address, 1 unless
 * {@code -p maxConnections=8} says otherwise (the stream always has one; with the default window of 128
 * calls a pool needs no second one, {@code -p window=32} makes it open them), so by default the pool's rows
 * differ from the stream's by the pool's own work (and, round robin, by a second server). An invocation
 * is a closed loop of {@value #CALLS} calls: 128 submitted at once, and each completion, on the client's
 * event loop, submits the next (the same task, as {@link ClientTask} allows) until all are sent; the
 * invocation returns when the last completes. The score is calls per second. Calls that fail are
 * counted, and an iteration with any fails its trial.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class PoolBench {
    static final int IN_FLIGHT = 128;
    static final int CALLS = 16 * IN_FLIGHT;

    @Param({"stream", "failover-first-healthy", "failover-round-robin"})
    public String caller;

    /** The pools' connections per address; the stream has one whatever this says. */
    @Param({"1"})
    public int maxConnections;

    /**
     * Each connection's window ({@link ClientConfig#thresholds()}): below 128, a pool opens more
     * connections per address (up to {@code maxConnections}) as the windows fill.
     */
    @Param({"128"})
    public int window;

    private NettyRuntime serverRt;
    private NettyRuntime clientRt;
    private StreamServer s1;
    private StreamServer s2;
    private ClientStream stream;
    private FailoverPool pool;
    private Caller target;
    private final Echo[] tasks = new Echo[IN_FLIGHT];
    /** Calls of this invocation still to be submitted after the first {@value #IN_FLIGHT}. */
    final AtomicInteger toSubmit = new AtomicInteger();
    /** Calls of this invocation not yet completed; the one that reaches 0 wakes the waiter. */
    final AtomicInteger remaining = new AtomicInteger();

    final AtomicLong failed = new AtomicLong();
    // Written by the benchmark thread before it submits; read by the completion that unparks it.
    volatile Thread waiter;

    @Setup(Level.Trial)
    public void setup() throws Exception {
        serverRt = NettyRuntime.builder().build();
        clientRt = NettyRuntime.builder().build();
        s1 = new StreamServer(
                serverRt, ServerConfig.defaults(), call -> call.reply(call.msg().retain(), null));
        s2 = new StreamServer(
                serverRt, ServerConfig.defaults(), call -> call.reply(call.msg().retain(), null));
        RpcAddress a1 = s1.listen(RpcAddress.parse("127.0.0.1:0"));
        RpcAddress a2 = s2.listen(RpcAddress.parse("127.0.0.1:0"));
        ClientConfig config = ClientConfig.builder()
                .maxConnections(maxConnections)
                .thresholds(window)
                .build();
        switch (caller) {
            case "stream":
                stream = ClientStream.connect(clientRt, a1, config).join();
                target = stream;
                break;
            case "failover-first-healthy":
                pool = new FailoverPool(clientRt, List.of(a1, a2), config, FailoverPool.Selection.FIRST_HEALTHY, 3);
                target = pool;
                break;
            case "failover-round-robin":
                pool = new FailoverPool(clientRt, List.of(a1, a2), config, FailoverPool.Selection.ROUND_ROBIN, 3);
                target = pool;
                break;
            default:
                throw new IllegalArgumentException("caller " + caller);
        }
        for (int i = 0; i < tasks.length; i++) {
            tasks[i] = new Echo(this);
        }
    }

    @TearDown(Level.Iteration)
    public void checkNoFailures() {
        long f = failed.getAndSet(0);
        if (f > 0) {
            throw new IllegalStateException(f + " calls failed through " + caller);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        if (stream != null) {
            stream.close();
            stream.closeFuture().get(10, TimeUnit.SECONDS);
        }
        if (pool != null) {
            pool.close();
            pool.closeFuture().get(10, TimeUnit.SECONDS);
        }
        s1.close();
        s2.close();
        clientRt.close();
        serverRt.close();
    }

    @Benchmark
    @OperationsPerInvocation(CALLS)
    public void inFlight128() {
        waiter = Thread.currentThread();
        toSubmit.set(CALLS - IN_FLIGHT);
        remaining.set(CALLS);
        // Every task of the previous invocation has completed (remaining reached 0 after its last
        // completion ran), so each may be sent again.
        for (Echo t : tasks) {
            target.submit(t);
        }
        while (remaining.get() > 0) {
            LockSupport.park(this);
        }
    }

    /** On the client's event loop: sends the next call, if any, before counting this one done. */
    void completed(Echo task) {
        if (toSubmit.getAndDecrement() > 0) {
            target.submit(task);
        }
        if (remaining.decrementAndGet() == 0) {
            LockSupport.unpark(waiter);
        }
    }

    /** One echo call: numeric action 2, the 8-byte msg; a failure is counted. */
    static final class Echo extends EchoTask {
        private final PoolBench b;

        Echo(PoolBench b) {
            super(2);
            this.b = b;
        }

        @Override
        void done(boolean replied) {
            if (!replied) {
                b.failed.incrementAndGet();
            }
            b.completed(this);
        }
    }
}
