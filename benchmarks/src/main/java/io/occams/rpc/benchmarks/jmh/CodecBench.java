package io.occams.rpc.benchmarks.jmh;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.occams.rpc.api.spi.Binding;
import io.occams.rpc.codec.MsgpackCodec;
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
 * The msgpack codec on the two shapes every call pays: a small record (encoded as a map in
 * declaration order) and the {@code (long, long)} argument tuple of {@code CalService.add}. Encode
 * into and decode from a direct pooled buffer. Decoding a record allocates the record (and its
 * String); the argument tuple allocates its {@code Object[]} (and the boxes of longs outside the
 * {@code Long} cache): those are the user's objects, the rest should be zero.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class CodecBench {
    /** A small record: 3 fields, 28 bytes of msgpack. */
    public record Small(long id, String name, int count) {}

    private final MsgpackCodec codec = new MsgpackCodec();
    private Binding<Small> small;
    private Binding<Object[]> twoLongs;
    private final Small value = new Small(1234567L, "occams", 42);
    private final Object[] args = {10L, 20L};
    private ByteBuf buf;
    private ByteBuf encodedSmall;
    private ByteBuf encodedArgs;

    @Setup
    public void setup() {
        small = codec.binding(Small.class);
        twoLongs = codec.argumentsBinding(long.class, long.class);
        buf = PooledByteBufAllocator.DEFAULT.directBuffer(256);
        encodedSmall = PooledByteBufAllocator.DEFAULT.directBuffer(256);
        small.encode(value, encodedSmall);
        encodedArgs = PooledByteBufAllocator.DEFAULT.directBuffer(256);
        twoLongs.encode(args, encodedArgs);
    }

    @TearDown
    public void tearDown() {
        buf.release();
        encodedSmall.release();
        encodedArgs.release();
    }

    @Benchmark
    public int encodeRecord() {
        buf.clear();
        small.encode(value, buf);
        return buf.writerIndex();
    }

    @Benchmark
    public Small decodeRecord() {
        encodedSmall.readerIndex(0);
        return small.decode(encodedSmall);
    }

    @Benchmark
    public int encodeLongLong() {
        buf.clear();
        twoLongs.encode(args, buf);
        return buf.writerIndex();
    }

    @Benchmark
    public Object[] decodeLongLong() {
        encodedArgs.readerIndex(0);
        return twoLongs.decode(encodedArgs);
    }
}
