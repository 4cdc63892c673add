package io.occams.rpc.benchmarks.jmh;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.occams.rpc.stream.Frames;
import io.occams.rpc.stream.internal.RequestDecoder;
import io.occams.rpc.stream.internal.ResponseDecoder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Frame headers: writing a request header, and decoding a whole request (string action, 8-byte msg)
 * and a whole response (8-byte msg) from a direct pooled buffer, as a connection's reader does.
 * All three must allocate nothing ({@code gc.alloc.rate.norm} = 0).
 * The decoders are the stream bundle's internal classes (not API): the benchmarks run on the class
 * path, where the bundle's internal package is visible, so the measurement stays next to what it
 * measured before instead of being rebuilt on the public API, which has no decoder of its own.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class FramesBench {
    private static final byte[] ACTION = "CalService.add".getBytes(StandardCharsets.UTF_8);

    private ByteBuf out;
    private ByteBuf request;
    private ByteBuf response;
    private final RequestDecoder requestDecoder = new RequestDecoder(16 << 20, 1024);
    private final ResponseDecoder responseDecoder = new ResponseDecoder(16 << 20);
    private long seq;

    @Setup
    public void setup() {
        out = PooledByteBufAllocator.DEFAULT.directBuffer(256);
        request = PooledByteBufAllocator.DEFAULT.directBuffer(256);
        Frames.writeRequestHeader(request, Frames.stringAction(ACTION.length), 42, 0, 8, 0);
        request.writeBytes(ACTION).writeLongLE(0x0102030405060708L);
        response = PooledByteBufAllocator.DEFAULT.directBuffer(256);
        Frames.writeResponseHeader(response, Frames.FLAG_OK, 8, 42, 0);
        response.writeLongLE(0x0102030405060708L);
    }

    @TearDown
    public void tearDown() {
        out.release();
        request.release();
        response.release();
    }

    @Benchmark
    public int encodeRequestHeader() {
        out.clear();
        Frames.writeRequestHeader(out, 7, ++seq, 0, 8, 0);
        return out.writerIndex();
    }

    @Benchmark
    public int encodeResponseHeader() {
        out.clear();
        Frames.writeResponseHeader(out, Frames.FLAG_OK, 8, ++seq, 0);
        return out.writerIndex();
    }

    @Benchmark
    public long decodeRequest() {
        request.readerIndex(0);
        if (!requestDecoder.next(request)) {
            throw new AssertionError();
        }
        return requestDecoder.seq() + requestDecoder.action().length() + requestDecoder.msgLength();
    }

    @Benchmark
    public long decodeResponse() {
        response.readerIndex(0);
        if (!responseDecoder.next(response)) {
            throw new AssertionError();
        }
        return responseDecoder.seq() + responseDecoder.msgLength();
    }
}
