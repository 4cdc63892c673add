package io.occams.rpc.benchmarks.load;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;

/**
 * The ceiling's client: plain java.nio, one platform thread per connection, blocking. It keeps
 * {@code --inflight} requests outstanding; each read burst's replies are matched in order (the raw
 * server answers in order), timed, and answered with the same number of new requests in one write
 * (a gathering write of header + the shared blob for {@code --blob}: the blob is never copied). The
 * frames, and the checks each reply passes (a failed one counts an error and closes the connection), are
 * {@link RawFrames}', the same as {@link RawNioClient}'s.
 */
public final class RawClient {
    private RawClient() {}

    @SuppressWarnings("AddressSelection") // exactly the IPv4 loopback, like the server it talks to
    public static void main(String[] args) throws Exception {
        RawFrames.ClientOptions o = RawFrames.ClientOptions.parse(args);
        Measure m = new Measure();
        for (int i = 0; i < o.conns(); i++) {
            SocketChannel ch = SocketChannel.open(new InetSocketAddress("127.0.0.1", o.port()));
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            Thread t = new Thread(() -> loop(ch, m, o.inflight(), o.msgBytes(), o.blobBytes()), "raw-client");
            t.setDaemon(true);
            t.start();
        }
        m.run(o.warmup(), o.duration());
        System.exit(0);
    }

    static void loop(SocketChannel ch, Measure m, int inflight, int payload, int blobBytes) {
        int slots = Integer.highestOneBit(Math.max(inflight, 1) * 2 - 1) * 2;
        int mask = slots - 1;
        long[] sent = new long[slots];
        long[] words = RawFrames.payloadWords(payload);
        RawFrames.Replies replies = new RawFrames.Replies(words, payload);
        ByteBuffer in = ByteBuffer.allocateDirect(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer blob = ByteBuffer.allocateDirect(Math.max(blobBytes, 1));
        ByteBuffer[] heads = new ByteBuffer[slots];
        ByteBuffer[] blobs = new ByteBuffer[slots];
        for (int i = 0; i < slots; i++) {
            heads[i] =
                    ByteBuffer.allocateDirect(RawFrames.REQUEST_HEAD + payload).order(ByteOrder.LITTLE_ENDIAN);
            blobs[i] = blob.duplicate().limit(blobBytes);
        }
        ByteBuffer[] gather = new ByteBuffer[2 * slots];
        long seq = 1;
        try (ch) {
            int n = 0;
            for (int i = 0; i < inflight; i++) {
                n = request(heads, blobs, gather, n, sent, mask, words, seq++, payload, blobBytes, System.nanoTime());
            }
            writeAll(ch, gather, n);
            while (!m.stop) {
                if (ch.read(in) < 0) {
                    return;
                }
                in.flip();
                n = 0;
                long s;
                while ((s = replies.next(in)) != 0) {
                    long now = m.record(sent[(int) (s & mask)]);
                    n = request(heads, blobs, gather, n, sent, mask, words, seq++, payload, blobBytes, now);
                }
                in.compact();
                writeAll(ch, gather, n);
            }
        } catch (IOException e) {
            if (!m.stop) {
                m.errors.increment();
                System.err.println("raw client: " + e);
            }
        }
    }

    private static int request(
            ByteBuffer[] heads,
            ByteBuffer[] blobs,
            ByteBuffer[] gather,
            int n,
            long[] sent,
            int mask,
            long[] words,
            long seq,
            int payload,
            int blobBytes,
            long now) {
        int slot = (int) (seq & mask);
        ByteBuffer h = heads[slot].clear();
        RawFrames.putRequest(h, seq, words, payload, blobBytes);
        gather[n++] = h.flip();
        if (blobBytes > 0) {
            gather[n++] = blobs[slot].clear();
        }
        sent[slot] = now;
        return n;
    }

    private static void writeAll(SocketChannel ch, ByteBuffer[] gather, int n) throws IOException {
        int off = 0;
        while (off < n) {
            ch.write(gather, off, n - off);
            while (off < n && !gather[off].hasRemaining()) {
                off++;
            }
        }
    }
}
