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
 * (a gathering write of header + the shared blob for {@code --blob}: the blob is never copied).
 */
public final class RawClient {
    private RawClient() {}

    @SuppressWarnings("AddressSelection") // exactly the IPv4 loopback, like the server it talks to
    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(Measure.opt(args, "port", null));
        int conns = Integer.parseInt(Measure.opt(args, "conns", "1"));
        int inflight = Integer.parseInt(Measure.opt(args, "inflight", "1"));
        int payload = Integer.parseInt(Measure.opt(args, "payload", "8"));
        int blobBytes = Integer.parseInt(Measure.opt(args, "blob", "0"));
        double warmup = Double.parseDouble(Measure.opt(args, "warmup", "2"));
        double duration = Double.parseDouble(Measure.opt(args, "duration", "3"));
        Measure m = new Measure();
        for (int i = 0; i < conns; i++) {
            SocketChannel ch = SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            Thread t = new Thread(() -> loop(ch, m, inflight, blobBytes > 0 ? 0 : payload, blobBytes), "raw-client");
            t.setDaemon(true);
            t.start();
        }
        m.run(warmup, duration);
        System.exit(0);
    }

    static void loop(SocketChannel ch, Measure m, int inflight, int payload, int blobBytes) {
        int slots = Integer.highestOneBit(Math.max(inflight, 1) * 2 - 1) * 2;
        int mask = slots - 1;
        long[] sent = new long[slots];
        ByteBuffer in = ByteBuffer.allocateDirect(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer blob = ByteBuffer.allocateDirect(Math.max(blobBytes, 1));
        ByteBuffer[] heads = new ByteBuffer[slots];
        ByteBuffer[] blobs = new ByteBuffer[slots];
        for (int i = 0; i < slots; i++) {
            heads[i] = ByteBuffer.allocateDirect(32 + payload).order(ByteOrder.LITTLE_ENDIAN);
            blobs[i] = blob.duplicate().limit(blobBytes);
        }
        ByteBuffer[] gather = new ByteBuffer[2 * slots];
        long seq = 1;
        long firstUnanswered = 1;
        try (ch) {
            int n = 0;
            for (int i = 0; i < inflight; i++) {
                n = request(heads, blobs, gather, n, sent, mask, seq++, payload, blobBytes, System.nanoTime());
            }
            writeAll(ch, gather, n);
            while (!m.stop) {
                if (ch.read(in) < 0) {
                    return;
                }
                in.flip();
                n = 0;
                while (in.remaining() >= 20) {
                    int p = in.position();
                    int msgLen = in.getInt(p + 4);
                    int blobLen = in.getInt(p + 16);
                    int total = 20 + msgLen + blobLen;
                    if (in.remaining() < total) {
                        break;
                    }
                    in.position(p + total);
                    long now = m.record(sent[(int) (firstUnanswered++ & mask)]);
                    n = request(heads, blobs, gather, n, sent, mask, seq++, payload, blobBytes, now);
                }
                in.compact();
                writeAll(ch, gather, n);
            }
        } catch (IOException e) {
            if (!m.stop) {
                m.errors.increment();
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
            long seq,
            int payload,
            int blobBytes,
            long now) {
        int slot = (int) (seq & mask);
        ByteBuffer h = heads[slot].clear();
        h.putShort((short) 0x4D25)
                .put((byte) 1)
                .put((byte) 0)
                .putInt(1)
                .putLong(seq)
                .putLong(0)
                .putInt(payload)
                .putInt(blobBytes);
        for (int i = 0; i < payload; i++) {
            h.put((byte) i);
        }
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
