package io.occams.rpc.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.occams.rpc.api.RpcService;
import io.occams.rpc.codec.MsgpackCodec;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code ByteBuf} parameters and results of the remote API (issue 16, memory for large messages): an
 * argument is a view of the request's own bytes, not a copy; a result goes into the reply as it is; and
 * every buffer is released exactly once, whether the method returns its argument, a buffer of its own
 * or a future of one.
 */
@Timeout(60)
class ByteBufArgumentsTest {
    private static final MsgpackCodec CODEC = new MsgpackCodec();
    private static final ByteBufAllocator ALLOC = new PooledByteBufAllocator(true);
    private static final int SIZE = 100_000;

    @RpcService("Blobs")
    public interface Blobs {
        ByteBuf echo(ByteBuf b);

        ByteBuf fresh(ByteBuf b);

        CompletableFuture<ByteBuf> later(ByteBuf b);

        long length(ByteBuf b);
    }

    static final class BlobsImpl implements Blobs {
        final AtomicReference<ByteBuf> seen = new AtomicReference<>();
        final AtomicReference<ByteBuf> made = new AtomicReference<>();
        /** The array under the argument of {@link #length} and where its bytes start, seen during the call. */
        volatile byte[] array;

        volatile int offset;

        @Override
        public ByteBuf echo(ByteBuf b) {
            seen.set(b);
            return b;
        }

        @Override
        public ByteBuf fresh(ByteBuf b) {
            ByteBuf out = ALLOC.directBuffer(b.readableBytes()).writeBytes(b, b.readerIndex(), b.readableBytes());
            made.set(out);
            return out;
        }

        @Override
        public CompletableFuture<ByteBuf> later(ByteBuf b) {
            seen.set(b);
            return CompletableFuture.supplyAsync(() -> b);
        }

        @Override
        public long length(ByteBuf b) {
            array = b.array();
            offset = b.arrayOffset() + b.readerIndex();
            return b.readableBytes();
        }
    }

    /** A msgpack bin 32 of {@code n} bytes (i mod 251), as the client would send it. */
    private static byte[] bin(int n) {
        byte[] b = new byte[5 + n];
        b[0] = (byte) 0xc6;
        b[1] = (byte) (n >>> 24);
        b[2] = (byte) (n >>> 16);
        b[3] = (byte) (n >>> 8);
        b[4] = (byte) n;
        for (int i = 0; i < n; i++) {
            b[5 + i] = (byte) (i % 251);
        }
        return b;
    }

    /** A call whose request msg is a heap buffer over {@code wire}; keeps the reply for the test to release. */
    private static FakeCall call(ServiceDispatcher d, String action, byte[] wire) {
        FakeCall c = FakeCall.keepingReply(action, wire, Runnable::run);
        d.dispatch(c);
        return c;
    }

    private static byte[] bytes(ByteBuf b) {
        byte[] a = new byte[b.readableBytes()];
        b.getBytes(b.readerIndex(), a);
        return a;
    }

    private static ServiceDispatcher dispatcher(BlobsImpl impl) {
        ServiceDispatcher d = ServiceDispatcher.builder().codec(CODEC).build();
        d.register(Blobs.class, impl);
        return d;
    }

    @Test
    void aByteBufArgumentIsAViewOfTheRequestsBytesNotACopy() throws Exception {
        BlobsImpl impl = new BlobsImpl();
        byte[] wire = bin(SIZE);
        FakeCall c = call(dispatcher(impl), "Blobs.length", wire);
        ByteBuf reply = c.keptReply.get(30, TimeUnit.SECONDS);
        reply.release();

        assertThat(impl.array).isSameAs(wire); // the request's own array
        assertThat(impl.offset).isEqualTo(5); // past the bin 32 header
        assertThat(c.msg().refCnt()).isZero(); // and released with the call, once
    }

    @Test
    void anArgumentReturnedAsItIsGoesIntoTheReplyWithoutACopyAndIsReleasedOnce() throws Exception {
        BlobsImpl impl = new BlobsImpl();
        byte[] wire = bin(SIZE);
        FakeCall c = call(dispatcher(impl), "Blobs.echo", wire);
        ByteBuf reply = c.keptReply.get(30, TimeUnit.SECONDS);
        try {
            assertThat(reply).isInstanceOf(CompositeByteBuf.class);
            CompositeByteBuf composite = (CompositeByteBuf) reply;
            ByteBuf payload = composite.component(composite.numComponents() - 1);
            assertThat(payload.readableBytes()).isEqualTo(SIZE);
            assertThat(payload.array()).isSameAs(wire); // no copy of the blob on the way out either
            assertThat(bytes(reply)).isEqualTo(wire); // msgpack bin 32, the same bytes as came in
            assertThat(c.msg().refCnt()).isPositive(); // held by the reply until it is written
        } finally {
            reply.release();
        }
        assertThat(c.msg().refCnt()).isZero();
    }

    @Test
    void aBufferTheMethodMadeIsReleasedByTheServerOnceWritten() throws Exception {
        BlobsImpl impl = new BlobsImpl();
        byte[] wire = bin(SIZE);
        FakeCall c = call(dispatcher(impl), "Blobs.fresh", wire);
        ByteBuf reply = c.keptReply.get(30, TimeUnit.SECONDS);
        ByteBuf made = impl.made.get();
        try {
            assertThat(bytes(reply)).isEqualTo(wire);
            assertThat(made.refCnt()).isEqualTo(1); // the reply's reference, until written
        } finally {
            reply.release();
        }
        assertThat(made.refCnt()).isZero();
        assertThat(c.msg().refCnt()).isZero();
    }

    @Test
    void aFutureOfTheArgumentCompletedOnAnotherThreadIsAnsweredAndReleasedOnce() throws Exception {
        BlobsImpl impl = new BlobsImpl();
        byte[] wire = bin(SIZE);
        FakeCall c = call(dispatcher(impl), "Blobs.later", wire);
        ByteBuf reply = c.keptReply.get(30, TimeUnit.SECONDS);
        try {
            assertThat(Arrays.equals(bytes(reply), wire)).isTrue();
        } finally {
            reply.release();
        }
        assertThat(c.msg().refCnt()).isZero();
    }
}
