package io.occams.rpc.benchmarks.load;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.function.Consumer;

/**
 * The ceiling's client (issue 21), the counterpart of {@link RawNioServer}: {@code --threads N}
 * selector loops (default: one per connection, at most 2) share {@code --conns} non-blocking
 * connections, each keeping {@code --inflight} requests outstanding. Per readiness event: one read,
 * every complete reply of it checked, timed and answered by a new request, and one write of all the new
 * requests (replies are read while a write is unfinished, the new requests queue behind it) (small shapes: one direct buffer; {@code --blob}: a gathering write of each request's header
 * and a duplicate of one shared blob, never copied). Buffers are made once per connection.
 *
 * <p>Every reply is checked, so the ceiling is an echo that is known to work: the frame magic and status,
 * the sequence number (the server answers in order, so each reply must carry the oldest outstanding one),
 * the msg and blob lengths, and the echoed msg bytes. A failed check counts an error (printed in the
 * RESULT line) and closes that connection.
 */
public final class RawNioClient {
    private RawNioClient() {}

    @SuppressWarnings("AddressSelection") // exactly the IPv4 loopback, like the server it talks to
    public static void main(String[] args) throws Exception {
        RawFrames.ClientOptions o = RawFrames.ClientOptions.parse(args);
        int threads = Integer.parseInt(Measure.opt(args, "threads", String.valueOf(Math.min(o.conns(), 2))));
        Measure m = new Measure();
        Loop[] loops = new Loop[threads];
        for (int i = 0; i < threads; i++) {
            loops[i] = new Loop(m);
        }
        for (int i = 0; i < o.conns(); i++) {
            SocketChannel ch = SocketChannel.open(new InetSocketAddress("127.0.0.1", o.port()));
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            ch.configureBlocking(false);
            Conn c = new Conn(ch, m, o.inflight(), o.msgBytes(), o.blobBytes());
            ch.register(loops[i % threads].selector, SelectionKey.OP_READ, c);
        }
        for (int i = 0; i < threads; i++) {
            Thread t = new Thread(loops[i], "raw-nio-client-" + i);
            t.setDaemon(true);
            t.start();
        }
        m.run(o.warmup(), o.duration());
        System.exit(0);
    }

    static final class Loop implements Runnable, Consumer<SelectionKey> {
        final Selector selector;
        private final Measure m;

        Loop(Measure m) throws IOException {
            this.selector = Selector.open();
            this.m = m;
        }

        @Override
        public void run() {
            try {
                // The first window of requests, written from the loop's own thread.
                for (SelectionKey k : selector.keys()) {
                    Conn c = (Conn) k.attachment();
                    c.start();
                    c.interest(k, c.drain());
                }
                while (!m.stop) {
                    selector.select(this);
                }
            } catch (IOException e) {
                if (!m.stop) {
                    m.errors.increment();
                }
            }
        }

        @Override
        public void accept(SelectionKey key) {
            Conn c = (Conn) key.attachment();
            try {
                // Replies are read even while a write is unfinished (they are small and bounded by the
                // calls in flight): the new requests queue behind the unwritten ones.
                int ready = key.readyOps();
                boolean done = (ready & SelectionKey.OP_READ) != 0 ? c.readBurst() : c.drain();
                c.interest(key, done);
            } catch (IOException | RuntimeException e) {
                if (!m.stop) {
                    m.errors.increment();
                    System.err.println("raw-nio client: " + e);
                }
                key.cancel();
                try {
                    c.ch.close();
                } catch (IOException ignored) {
                    // closing anyway
                }
            }
        }
    }

    static final class Conn {
        final SocketChannel ch;
        private final Measure m;
        private final int inflight;
        private final int payload;
        private final int blobBytes;
        private final int mask;
        private final long[] sent;
        private final ByteBuffer in = ByteBuffer.allocateDirect(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
        /** Small shapes: the new requests of one burst, written at once. */
        private final ByteBuffer out;
        /** Blob shape: per slot a header buffer, and the shared blob's duplicate; gathered. */
        private final ByteBuffer[] heads;

        private final ByteBuffer[] blobs;
        private final ByteBuffer[] gather;
        private int gatherOff;
        private int gatherN;
        /** The msg's bytes as little-endian longs (the payload is bytes 0, 1, 2, ...), and the tail. */
        private final long[] words;

        private final RawFrames.Replies replies;

        private long seq = 1;
        /** Whether the key asks for OP_WRITE too (a write is unfinished). */
        private boolean writeInterest;

        Conn(SocketChannel ch, Measure m, int inflight, int payload, int blobBytes) {
            this.ch = ch;
            this.m = m;
            this.inflight = inflight;
            this.payload = payload;
            this.blobBytes = blobBytes;
            int slots = Integer.highestOneBit(Math.max(inflight, 1) * 2 - 1) * 2;
            this.mask = slots - 1;
            this.sent = new long[slots];
            this.out = ByteBuffer.allocateDirect(Math.max(1 << 16, inflight * (RawFrames.REQUEST_HEAD + payload) * 2))
                    .order(ByteOrder.LITTLE_ENDIAN);
            if (blobBytes > 0) {
                ByteBuffer blob = ByteBuffer.allocateDirect(blobBytes);
                for (int i = 0; i < blobBytes; i++) {
                    blob.put(i, (byte) i);
                }
                heads = new ByteBuffer[slots];
                blobs = new ByteBuffer[slots];
                for (int i = 0; i < slots; i++) {
                    heads[i] = ByteBuffer.allocateDirect(RawFrames.REQUEST_HEAD + payload)
                            .order(ByteOrder.LITTLE_ENDIAN);
                    blobs[i] = blob.duplicate();
                }
                gather = new ByteBuffer[2 * slots];
            } else {
                heads = null;
                blobs = null;
                gather = null;
            }
            words = RawFrames.payloadWords(payload);
            replies = new RawFrames.Replies(words, payload);
        }

        void start() {
            long now = System.nanoTime();
            for (int i = 0; i < inflight; i++) {
                request(now);
            }
        }

        private void request(long now) {
            long s = seq++;
            int slot = (int) (s & mask);
            sent[slot] = now;
            ByteBuffer h = blobBytes > 0 ? heads[slot].clear() : out;
            RawFrames.putRequest(h, s, words, payload, blobBytes);
            if (blobBytes > 0) {
                if (gatherN + 2 > gather.length) { // unwritten requests move to the front (never more than half)
                    System.arraycopy(gather, gatherOff, gather, 0, gatherN - gatherOff);
                    gatherN -= gatherOff;
                    gatherOff = 0;
                }
                gather[gatherN++] = h.flip();
                gather[gatherN++] = blobs[slot].clear();
            }
        }

        /**
         * One read, its replies checked and answered, one write (of the new requests, behind any left
         * unwritten). False when the write is left unfinished.
         */
        boolean readBurst() throws IOException {
            if (ch.read(in) < 0) {
                throw new IOException("server closed");
            }
            in.flip();
            long s;
            while ((s = replies.next(in)) != 0) {
                long now = m.record(sent[(int) (s & mask)]);
                if (!m.stop) {
                    request(now);
                }
            }
            in.compact();
            return drain();
        }

        /** Asks for OP_WRITE while a write is unfinished, OP_READ always; changes the key only on a change. */
        void interest(SelectionKey key, boolean writeDone) {
            if (writeDone == writeInterest) {
                writeInterest = !writeDone;
                key.interestOps(writeDone ? SelectionKey.OP_READ : SelectionKey.OP_READ | SelectionKey.OP_WRITE);
            }
        }

        /** Writes the pending requests; true when all of them went. */
        boolean drain() throws IOException {
            if (blobBytes == 0) {
                out.flip();
                ch.write(out);
                boolean done = !out.hasRemaining();
                out.compact();
                return done;
            }
            if (gatherOff < gatherN) {
                ch.write(gather, gatherOff, gatherN - gatherOff);
                while (gatherOff < gatherN && !gather[gatherOff].hasRemaining()) {
                    gatherOff++;
                }
            }
            if (gatherOff < gatherN) {
                return false;
            }
            gatherOff = 0;
            gatherN = 0;
            return true;
        }
    }
}
