package io.occams.rpc.benchmarks.jmh;

import io.netty.buffer.ByteBuf;
import io.occams.rpc.api.ClientConfig;
import io.occams.rpc.api.RpcAddress;
import io.occams.rpc.api.ServerConfig;
import io.occams.rpc.api.spi.Runtime;
import io.occams.rpc.runtime.netty.NettyRuntime;
import io.occams.rpc.runtime.vthreads.VirtualThreadRuntime;
import io.occams.rpc.stream.ClientStream;
import io.occams.rpc.stream.ClientTask;
import io.occams.rpc.stream.Reply;
import io.occams.rpc.stream.StreamServer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
 * A full round trip in one JVM over loopback TCP: {@link ClientStream} to a {@link StreamServer}
 * whose dispatch echoes the 8-byte msg, on each runtime.
 *
 * <ul>
 * <li>{@code pipelined100}: 100 calls written with {@code send(task, false)} and one {@code flush()},
 *     then waited for; time and bytes per call. The 100 tasks are made once and reused (a completed
 *     {@link ClientTask} may be sent again), so {@code gc.alloc.rate.norm} is the stream path's own
 *     garbage, client and server (before reuse, a new {@code Echo} per call added 56 bytes).
 * <li>{@code submitted100}: the same 100 calls through {@code submit}, which (off the reader, with no
 *     other sender queued) flushes each call: what a lone thread pays without batching.
 * <li>{@code oneCall}: a single call, waited for: the loopback latency of one call.
 * <li>{@code callJoin}: {@link ClientStream#call} with its {@code CompletableFuture} and {@link Reply}.
 * </ul>
 *
 * <p>Allocation is counted over all threads (client reader, server reader, this one), so the server's
 * per-call objects show up here too.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class RoundTripBench {
    @Param({"netty", "vthreads"})
    public String runtime;

    private Runtime rt;
    private StreamServer server;
    private ClientStream stream;
    private ByteBuf msg;
    private final Echo[] tasks = new Echo[100];
    final AtomicInteger remaining = new AtomicInteger();
    volatile Thread waiter;

    @Setup(Level.Trial)
    public void setup() throws Exception {
        rt = "netty".equals(runtime)
                ? NettyRuntime.builder().build()
                : VirtualThreadRuntime.builder().build();
        server = new StreamServer(
                rt, ServerConfig.defaults(), call -> call.reply(call.msg().retain(), null));
        RpcAddress bound = server.listen(RpcAddress.parse("127.0.0.1:0"));
        stream = ClientStream.connect(
                        rt, bound, ClientConfig.builder().thresholds(256).build())
                .join();
        msg = rt.allocator().directBuffer(8).writeLongLE(0x0102030405060708L);
        for (int i = 0; i < tasks.length; i++) {
            tasks[i] = new Echo(this);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        stream.close();
        stream.closeFuture().get(5, TimeUnit.SECONDS);
        server.close();
        msg.release();
        rt.close();
    }

    @Benchmark
    @OperationsPerInvocation(100)
    public void pipelined100() {
        calls(100, true);
    }

    @Benchmark
    @OperationsPerInvocation(100)
    public void submitted100() {
        calls(100, false);
    }

    @Benchmark
    public void oneCall() {
        calls(1, true);
    }

    @Benchmark
    public int callJoin() {
        try (Reply r = stream.call(7, msg.retainedDuplicate(), null).join()) {
            return r.msg().readableBytes();
        }
    }

    private void calls(int n, boolean batch) {
        waiter = Thread.currentThread();
        remaining.set(n);
        // Every task of the previous invocation has completed (remaining reached 0 after its completion
        // ran), so each may be sent again.
        for (int i = 0; i < n; i++) {
            if (batch) {
                stream.send(tasks[i], i == n - 1);
            } else {
                stream.submit(tasks[i]);
            }
        }
        while (remaining.get() > 0) {
            LockSupport.park(this);
        }
    }

    void done() {
        if (remaining.decrementAndGet() == 0) {
            LockSupport.unpark(waiter);
        }
    }

    /** One echo call: numeric action 7, the 8-byte msg; the completion counts down. */
    static final class Echo extends EchoTask {
        private final RoundTripBench b;

        Echo(RoundTripBench b) {
            super(7);
            this.b = b;
        }

        @Override
        void done(boolean replied) {
            b.done();
        }
    }
}
