package io.occams.rpc.benchmarks.jmh;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.occams.rpc.api.RpcCode;
import io.occams.rpc.api.RpcService;
import io.occams.rpc.codec.MsgpackCodec;
import io.occams.rpc.server.ServiceDispatcher;
import io.occams.rpc.testkit.ServerCallStub;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One remote-API call through the {@link ServiceDispatcher}, without a socket: route
 * {@code "Cal.add"}, decode {@code (long, long)}, call the implementation, encode the result, reply.
 * {@code addAsync} is answered on the calling thread (as on a connection's reader); the reply buffer is
 * released at once. What {@code gc.alloc.rate.norm} shows beyond the argument array and the result
 * (and its future) is the dispatcher's own per-call cost.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class DispatchBench {
    /** The contract: one async method, answered on the reader. */
    @RpcService("Cal")
    public interface Cal {
        CompletableFuture<Long> add(long a, long b);
    }

    /** The implementation. */
    public static final class CalImpl implements Cal {
        @Override
        public CompletableFuture<Long> add(long a, long b) {
            return CompletableFuture.completedFuture(a + b);
        }
    }

    /**
     * The interceptors around each call: {@code none} (the path every call takes when none is registered;
     * also runs against a dispatcher from before interceptors existed, for a before/after figure),
     * {@code noop} (one that does nothing), {@code otel} (the OpenTelemetry interceptor over an SDK meter
     * provider with an in-memory reader, metrics only).
     */
    @Param({"none", "noop", "otel"})
    public String interceptors;

    private ServiceDispatcher dispatcher;
    private ByteBuf args;
    private final Call call = new Call();

    @Setup
    public void setup() {
        MsgpackCodec codec = new MsgpackCodec();
        dispatcher = interceptors.equals("none")
                ? ServiceDispatcher.builder().codec(codec).build()
                : Interceptors.dispatcher(codec, interceptors);
        dispatcher.register(Cal.class, new CalImpl());
        args = PooledByteBufAllocator.DEFAULT.directBuffer(16);
        codec.argumentsBinding(long.class, long.class).encode(new Object[] {10L, 20L}, args);
    }

    @TearDown
    public void tearDown() {
        args.release();
    }

    @Benchmark
    public int addAsync() {
        call.reset(args);
        dispatcher.dispatch(call);
        if (call.replied < 0) {
            throw new AssertionError("not answered on the calling thread");
        }
        return call.replied;
    }

    /** Kept apart so that the "none" case never loads the interceptor classes (it also runs on older jars). */
    static final class Interceptors {
        static ServiceDispatcher dispatcher(MsgpackCodec codec, String kind) {
            io.occams.rpc.api.intercept.CallInterceptor i;
            if (kind.equals("noop")) {
                i = new io.occams.rpc.api.intercept.CallInterceptor() {
                    @Override
                    public Object begin(io.occams.rpc.api.intercept.CallInfo c) {
                        return null;
                    }

                    @Override
                    public void end(
                            io.occams.rpc.api.intercept.CallInfo c,
                            Object state,
                            io.occams.rpc.api.intercept.CallOutcome o) {}
                };
            } else {
                io.opentelemetry.sdk.metrics.SdkMeterProvider meters =
                        io.opentelemetry.sdk.metrics.SdkMeterProvider.builder()
                                .registerMetricReader(
                                        io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader.create())
                                .build();
                i = io.occams.rpc.otel.OpenTelemetryInterceptor.create(
                        io.opentelemetry.sdk.OpenTelemetrySdk.builder()
                                .setMeterProvider(meters)
                                .build(),
                        false);
            }
            return ServiceDispatcher.builder()
                    .codec(codec)
                    .interceptors(java.util.List.of(i))
                    .build();
        }
    }

    /**
     * A reusable stand-in for a connection's call (testkit's {@link ServerCallStub}): remembers the reply's
     * length and releases the reply; the args buffer is the benchmark's, reused and never released here.
     */
    static final class Call extends ServerCallStub {
        int replied;

        Call() {
            super(1, "Cal.add", Unpooled.EMPTY_BUFFER, Runnable::run, PooledByteBufAllocator.DEFAULT);
        }

        void reset(ByteBuf m) {
            msg(m);
            m.readerIndex(0);
            replied = -1;
        }

        @Override
        public void reply(ByteBuf m, ByteBuf b) {
            replied = m == null ? 0 : m.readableBytes();
            if (m != null) {
                m.release();
            }
            if (b != null) {
                b.release();
            }
        }

        @Override
        public void replyErrno(int errno) {
            replied = 1_000_000 + errno;
        }

        @Override
        public void replyError(ByteBuf bytes) {
            bytes.release();
            replied = 2_000_000;
        }

        @Override
        public void replyError(RpcCode code) {
            replied = 3_000_000 + code.ordinal();
        }

        @Override
        public boolean isAnswered() {
            return replied >= 0;
        }
    }
}
