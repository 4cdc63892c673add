package io.occams.rpc.stream.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.occams.rpc.api.RpcAddress;
import io.occams.rpc.api.ServerConfig;
import io.occams.rpc.api.spi.Connection;
import io.occams.rpc.api.spi.ServerCall;
import io.occams.rpc.stream.Frames;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Large frames on the server side of a connection (issue 16, memory for large messages): a frame over
 * {@link Cumulation#LARGE_FRAME} is gathered into one buffer allocated once with its exact length, the
 * bytes read past it are not lost, and a large reply message goes out as the buffer it was encoded into.
 * The reads are fed as a runtime would hand them over: buffers of 64 KiB, one after the other.
 */
class LargeFrameTest {
    private static final ByteBufAllocator ALLOC = new PooledByteBufAllocator(true);
    private static final int READ = 64 * 1024;
    private static final int BIG = 3 * 1024 * 1024 + 17;

    private final Recording connection = new Recording();
    private final List<ServerCall> calls = new ArrayList<>();
    private final List<ByteBuf> msgs = new ArrayList<>();
    private ServerConnection server;

    private ServerConnection server() {
        ServerConfig config =
                ServerConfig.builder().maxFrameBytes(8 * 1024 * 1024).build();
        return new ServerConnection(
                connection,
                call -> {
                    calls.add(call);
                    msgs.add(call.msg());
                },
                config,
                Runnable::run,
                c -> {});
    }

    @AfterEach
    void close() {
        if (server != null) {
            server.onClosed(null);
        }
        connection.release();
    }

    /** A request frame with a numeric action, {@code msg} as its msg and no blob. */
    private static ByteBuf request(long seq, byte[] msg) {
        ByteBuf f = Unpooled.buffer(Frames.REQUEST_HEADER_LENGTH + msg.length);
        Frames.writeRequestHeader(f, Frames.numericAction(7), seq, 0, msg.length, 0);
        return f.writeBytes(msg);
    }

    private static byte[] pattern(int length, int salt) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) (i * 31 + salt);
        }
        return b;
    }

    /** Hands {@code stream} to the server in direct buffers of {@link #READ} bytes, as reads would. */
    private void feed(ByteBuf stream) {
        while (stream.isReadable()) {
            int n = Math.min(READ, stream.readableBytes());
            ByteBuf read = ALLOC.directBuffer(n);
            read.writeBytes(stream, n);
            server.onData(read);
            server.onReadComplete();
        }
    }

    /** The buffer {@code b} is a view of (past slices and leak-detection wrappers). */
    private static ByteBuf root(ByteBuf b) {
        for (ByteBuf u = b.unwrap(); u != null; u = u.unwrap()) {
            b = u;
        }
        return b;
    }

    private static byte[] bytes(ByteBuf b) {
        byte[] a = new byte[b.readableBytes()];
        b.getBytes(b.readerIndex(), a);
        return a;
    }

    @Test
    void aLargeFrameIsReadIntoOneBufferAllocatedWithItsExactLength() {
        server = server();
        byte[] big = pattern(BIG, 1);
        feed(request(1, big));

        assertThat(calls).hasSize(1);
        ByteBuf msg = msgs.get(0);
        assertThat(bytes(msg)).isEqualTo(big);
        ByteBuf frame = root(msg);
        assertThat(frame).isNotInstanceOf(CompositeByteBuf.class);
        assertThat(frame.capacity()).isEqualTo(Frames.REQUEST_HEADER_LENGTH + BIG);
        assertThat(frame.maxCapacity()).isEqualTo(Frames.REQUEST_HEADER_LENGTH + BIG); // never grown
        calls.get(0).reply(null, null);
        assertThat(frame.refCnt()).isZero(); // answered: the frame's memory went back at once
    }

    @Test
    void bytesReadPastTheEndOfALargeFrameAreDecodedAfterIt() {
        server = server();
        byte[] big = pattern(BIG, 2);
        byte[] small = pattern(300, 3);
        byte[] second = pattern(Cumulation.LARGE_FRAME + 5, 4);
        ByteBuf stream = Unpooled.buffer();
        stream.writeBytes(request(1, big))
                .writeBytes(request(2, small))
                .writeBytes(request(3, second))
                .writeBytes(request(4, small));
        feed(stream);

        assertThat(calls).hasSize(4);
        assertThat(bytes(msgs.get(0))).isEqualTo(big);
        assertThat(bytes(msgs.get(1))).isEqualTo(small);
        assertThat(bytes(msgs.get(2))).isEqualTo(second);
        assertThat(bytes(msgs.get(3))).isEqualTo(small);
        assertThat(root(msgs.get(2)).capacity()).isEqualTo(Frames.REQUEST_HEADER_LENGTH + second.length);
        for (ServerCall c : calls) {
            c.reply(null, null);
        }
    }

    @Test
    void mediumFramesReadAsACompositeKeepTheirBytesWhileTheirCallsAreUnanswered() {
        server = server();
        byte[][] sent = new byte[6][];
        ByteBuf stream = Unpooled.buffer();
        for (int i = 0; i < sent.length; i++) {
            sent[i] = pattern(200_000 + 999 * i, 10 + i);
            stream.writeBytes(request(i + 1, sent[i]));
        }
        feed(stream);

        assertThat(calls).hasSize(sent.length);
        for (int i = 0; i < sent.length; i++) {
            assertThat(bytes(msgs.get(i))).as("msg %d", i).isEqualTo(sent[i]);
        }
        for (ServerCall c : calls) {
            c.reply(null, null);
        }
    }

    @Test
    void aLargeReplyMessageIsWrittenAsItsOwnBufferNotCopied() {
        server = server();
        feed(request(9, pattern(10, 5)));
        ByteBuf reply = ALLOC.directBuffer(2 * 1024 * 1024);
        reply.writeBytes(pattern(2 * 1024 * 1024, 6));
        calls.get(0).reply(reply, null);

        assertThat(connection.written).hasSize(2);
        ByteBuf header = connection.written.get(0);
        assertThat(header.readableBytes()).isEqualTo(Frames.RESPONSE_HEADER_LENGTH);
        assertThat(header.getIntLE(header.readerIndex() + 4)).isEqualTo(2 * 1024 * 1024); // msg_len
        assertThat(connection.written.get(1)).isSameAs(reply);
    }

    @Test
    void aSmallReplyMessageStillGoesIntoTheBatch() {
        server = server();
        feed(request(9, pattern(10, 5)));
        ByteBuf reply = ALLOC.buffer(100).writeBytes(pattern(100, 7));
        calls.get(0).reply(reply, null);

        assertThat(connection.written).hasSize(1);
        assertThat(connection.written.get(0).readableBytes()).isEqualTo(Frames.RESPONSE_HEADER_LENGTH + 100);
        assertThat(reply.refCnt()).isZero();
    }

    /** A connection that keeps what is written to it, in order. */
    private static final class Recording implements Connection {
        final List<ByteBuf> written = new ArrayList<>();

        @Override
        public ByteBufAllocator alloc() {
            return ALLOC;
        }

        @Override
        public RpcAddress remoteAddress() {
            return RpcAddress.parse("127.0.0.1:1");
        }

        @Override
        public RpcAddress localAddress() {
            return RpcAddress.parse("127.0.0.1:2");
        }

        @Override
        public void write(ByteBuf buf) {
            written.add(buf);
        }

        @Override
        public void flush() {}

        @Override
        public boolean isWritable() {
            return true;
        }

        @Override
        public void setAutoRead(boolean autoRead) {}

        @Override
        public void shutdownOutput() {}

        @Override
        public void close() {}

        @Override
        public void abort() {}

        @Override
        public boolean isOpen() {
            return true;
        }

        void release() {
            for (ByteBuf b : written) {
                b.release(b.refCnt());
            }
            written.clear();
        }
    }
}
