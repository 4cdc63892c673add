package io.occams.rpc.runtime.vthreads;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.occams.rpc.api.RpcAddress;
import io.occams.rpc.api.spi.Connection;
import io.occams.rpc.api.spi.ConnectionHandler;
import io.occams.rpc.api.spi.Runtime;
import io.occams.rpc.runtime.vthreads.internal.InlineWrites;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Two peers on two runtimes flood each other over loopback TCP: each sends many requests at once
 * without looking at writability, and each answers every request from its reader (written in
 * {@code onData}, flushed in {@code onReadComplete}, as the stream layer does). Both send buffers
 * fill while both readers are writing replies: a runtime whose reader blocks in a write and stops
 * reading would hang here. The write timeout is longer than the test's bound, so a hang is not
 * turned into an abort. Every reply must arrive intact and in order.
 */
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class FloodBothWaysTest {
    private static final byte REQUEST = 0;
    private static final byte REPLY = 1;
    /** Generous: 20,000 frames of 1 KiB each way took 11-33 s at load average 25-35 on 2 cores. */
    private static final Duration BOUND = Duration.ofSeconds(90);

    @ParameterizedTest(name = "{1} frames of {0} bytes each way, always inline: {2}, platform readers: {3}")
    @CsvSource({
        "262144, 64, false, true",
        "65536, 256, false, false",
        "1024, 20000, false, true",
        "262144, 64, true, false",
        "65536, 256, true, true",
        "1024, 20000, true, true"
    })
    void bothPeersFloodEachOtherAndFinish(int frameSize, int frames, boolean alwaysInline, boolean platformReaders)
            throws Exception {
        // alwaysInline: readers write inline even into a full send buffer, so they do block in
        // writes and only the rescue reader keeps the input flowing. platformReaders: the readers are
        // platform threads (the default for a runtime's first connections), else virtual ones.
        flood(frameSize, frames, alwaysInline ? InlineWrites.ALWAYS : InlineWrites.AUTO, platformReaders ? 16 : 0);
    }

    private void flood(int frameSize, int frames, InlineWrites inline, int platformReaders) throws Exception {
        try (VirtualThreadRuntime server = VirtualThreadRuntime.builder()
                        .writeTimeout(Duration.ofSeconds(120))
                        .inlineWrites(inline)
                        .platformReaders(platformReaders)
                        .build();
                VirtualThreadRuntime client = VirtualThreadRuntime.builder()
                        .writeTimeout(Duration.ofSeconds(120))
                        .inlineWrites(inline)
                        .platformReaders(platformReaders)
                        .build()) {
            Peer serverPeer = new Peer(frameSize, frames);
            Peer clientPeer = new Peer(frameSize, frames);
            Runtime.Listener l = server.listen(RpcAddress.tcp("127.0.0.1", 0), conn -> {
                serverPeer.conn = conn;
                Thread.ofVirtual().start(serverPeer::sendRequests);
                return serverPeer;
            });
            Connection c = client.connect(l.localAddress(), Duration.ofSeconds(5), conn -> {
                        clientPeer.conn = conn;
                        return clientPeer;
                    })
                    .get(5, TimeUnit.SECONDS);
            Thread.ofVirtual().start(clientPeer::sendRequests);

            CompletableFuture.allOf(serverPeer.done, clientPeer.done).get(BOUND.toMillis(), TimeUnit.MILLISECONDS);

            assertThat(clientPeer.replies).isEqualTo(frames);
            assertThat(serverPeer.replies).isEqualTo(frames);
            assertThat(clientPeer.requests).isEqualTo(frames);
            assertThat(serverPeer.requests).isEqualTo(frames);
            assertThat(c.isOpen()).isTrue();
            c.close();
            l.close();
        }
    }

    /** One side: sends requests, answers the other side's, checks the replies. */
    private static final class Peer implements ConnectionHandler {
        final int frameSize;
        final int frames;
        final CompletableFuture<Void> done = new CompletableFuture<>();
        volatile Connection conn;
        // reader state (callbacks never overlap)
        int pos;
        byte type;
        byte value;
        int requests;
        int replies;

        Peer(int frameSize, int frames) {
            this.frameSize = frameSize;
            this.frames = frames;
        }

        void sendRequests() {
            try {
                for (int i = 0; i < frames; i++) {
                    conn.write(frame(conn, REQUEST, (byte) i));
                    if (i % 4 == 3) {
                        conn.flush();
                    }
                }
                conn.flush();
            } catch (Throwable t) {
                done.completeExceptionally(t);
            }
        }

        ByteBuf frame(Connection c, byte t, byte v) {
            byte[] body = new byte[frameSize - 1];
            Arrays.fill(body, v);
            return c.alloc().buffer(frameSize).writeByte(t).writeBytes(body);
        }

        @Override
        public void onData(ByteBuf data) {
            try {
                while (data.isReadable()) {
                    if (pos == 0) {
                        type = data.readByte();
                        pos = 1;
                        continue;
                    }
                    if (pos == 1) {
                        value = data.getByte(data.readerIndex());
                    }
                    int take = Math.min(frameSize - pos, data.readableBytes());
                    byte v = value;
                    if (data.forEachByte(data.readerIndex(), take, b -> b == v) != -1) {
                        throw new AssertionError("corrupt frame");
                    }
                    data.skipBytes(take);
                    pos += take;
                    if (pos == frameSize) {
                        pos = 0;
                        frameDone();
                    }
                }
            } catch (Throwable t) {
                done.completeExceptionally(t);
            } finally {
                data.release();
            }
        }

        private void frameDone() {
            if (type == REQUEST) {
                if (value != (byte) requests) {
                    throw new AssertionError("request " + requests + " out of order");
                }
                requests++;
                conn.write(frame(conn, REPLY, value)); // answered from the reader, regardless of writability
            } else {
                if (value != (byte) replies) {
                    throw new AssertionError("reply " + replies + " out of order");
                }
                replies++;
            }
            if (replies == frames && requests == frames) {
                done.complete(null);
            }
        }

        @Override
        public void onReadComplete() {
            conn.flush();
        }

        @Override
        public void onInputShutdown() {}

        @Override
        public void onWritabilityChanged(boolean writable) {}

        @Override
        public void onClosed(Throwable cause) {
            done.completeExceptionally(new AssertionError("closed early", cause));
        }
    }
}
