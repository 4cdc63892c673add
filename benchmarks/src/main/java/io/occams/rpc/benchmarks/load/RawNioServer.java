package io.occams.rpc.benchmarks.load;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;

/**
 * The ceiling's server (issue 21): the fastest echo of occams frames plain java.nio gives on this
 * machine. {@code --threads N} selector loops (default 2), each owning some connections; per readiness
 * event one read into the connection's direct buffer, every complete request of it answered (20-byte
 * header + the msg echoed; a blob skipped in place, never copied) into the connection's direct output
 * buffer, and one write of that. Nothing is allocated per call or per read: buffers are made once per
 * connection, selected keys are visited through {@link Selector#select(Consumer)} (no key set iterator).
 * When a write does not finish, the connection stops reading until it has (back-pressure, as any server
 * must). No framework, no dispatch, no limits: what the machine and the wire format allow.
 *
 * <p>The old ceiling, one blocking platform thread per connection ({@link RawServer}), is kept as the
 * harness contender {@code raw-blocking}, to show the difference in the same run.
 */
public final class RawNioServer {
    static final int REQUEST_HEAD = 32;
    static final int RESPONSE_HEAD = 20;

    private RawNioServer() {}

    @SuppressWarnings("AddressSelection") // exactly the IPv4 loopback, like the clients that call it
    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(Measure.opt(args, "port", "0"));
        int threads = Integer.parseInt(Measure.opt(args, "threads", "2"));
        ServerSocketChannel ss = ServerSocketChannel.open();
        ss.bind(new InetSocketAddress("127.0.0.1", port), 1024);
        Loop[] loops = new Loop[threads];
        for (int i = 0; i < threads; i++) {
            loops[i] = new Loop();
            Thread t = new Thread(loops[i], "raw-nio-" + i);
            t.setDaemon(true);
            t.start();
        }
        System.out.println("READY 127.0.0.1:" + ((InetSocketAddress) ss.getLocalAddress()).getPort());
        System.out.flush();
        Thread acceptor = new Thread(
                () -> {
                    int next = 0;
                    try {
                        while (true) {
                            SocketChannel ch = ss.accept();
                            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                            ch.configureBlocking(false);
                            loops[next++ % loops.length].add(ch);
                        }
                    } catch (IOException e) {
                        // closed
                    }
                },
                "raw-nio-accept");
        acceptor.setDaemon(true);
        acceptor.start();
        while (System.in.read() >= 0) {
            // run until the harness closes our stdin
        }
    }

    /** One selector thread. */
    static final class Loop implements Runnable, Consumer<SelectionKey> {
        private final Selector selector;
        private final ConcurrentLinkedQueue<SocketChannel> added = new ConcurrentLinkedQueue<>();

        Loop() throws IOException {
            selector = Selector.open();
        }

        void add(SocketChannel ch) {
            added.add(ch);
            selector.wakeup();
        }

        @Override
        public void run() {
            try {
                while (true) {
                    SocketChannel ch;
                    while ((ch = added.poll()) != null) {
                        ch.register(selector, SelectionKey.OP_READ, new Conn(ch));
                    }
                    selector.select(this);
                }
            } catch (IOException e) {
                // selector gone
            }
        }

        @Override
        public void accept(SelectionKey key) {
            Conn c = (Conn) key.attachment();
            try {
                if (key.isWritable()) {
                    if (!c.drain()) {
                        return;
                    }
                    key.interestOps(SelectionKey.OP_READ);
                }
                if (key.isReadable() && !c.readBurst()) {
                    key.interestOps(SelectionKey.OP_WRITE);
                }
            } catch (IOException | RuntimeException e) {
                key.cancel();
                try {
                    c.ch.close();
                } catch (IOException ignored) {
                    // closing anyway
                }
            }
        }
    }

    /** One connection's state: its buffers, made once. */
    static final class Conn {
        final SocketChannel ch;
        final ByteBuffer in = ByteBuffer.allocateDirect(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
        final ByteBuffer out = ByteBuffer.allocateDirect(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
        /** The msg of a request whose blob is still being skipped, answered when the blob has passed. */
        final ByteBuffer pendingMsg = ByteBuffer.allocateDirect(64 << 10).order(ByteOrder.LITTLE_ENDIAN);

        long skip;
        long pendingSeq;

        Conn(SocketChannel ch) {
            this.ch = ch;
        }

        /** One read, its replies, one write. Returns false when the write is left unfinished. */
        boolean readBurst() throws IOException {
            if (ch.read(in) < 0) {
                throw new IOException("peer closed");
            }
            in.flip();
            while (true) {
                if (skip > 0) {
                    int s = (int) Math.min(skip, in.remaining());
                    in.position(in.position() + s);
                    skip -= s;
                    if (skip > 0) {
                        break;
                    }
                    pendingMsg.flip();
                    reply(pendingSeq, pendingMsg, 0, pendingMsg.remaining());
                    pendingMsg.clear();
                }
                int p = in.position();
                if (in.remaining() < REQUEST_HEAD) {
                    break;
                }
                if ((in.getShort(p) & 0xffff) != 0x4D25) {
                    throw new IOException("not an occams frame");
                }
                int act = in.getInt(p + 4);
                long seq = in.getLong(p + 8);
                int msgLen = in.getInt(p + 24);
                int blobLen = in.getInt(p + 28);
                int actLen = act < 0 ? act & 0x7fff_ffff : 0;
                if (msgLen < 0 || blobLen < 0 || actLen + msgLen > (64 << 10)) {
                    throw new IOException("frame out of bounds");
                }
                int head = REQUEST_HEAD + actLen + msgLen;
                if (in.remaining() < head) {
                    break;
                }
                in.position(p + head);
                if (blobLen == 0) {
                    reply(seq, in, p + REQUEST_HEAD + actLen, msgLen);
                } else {
                    pendingMsg.put(0, in, p + REQUEST_HEAD + actLen, msgLen).position(msgLen);
                    pendingSeq = seq;
                    skip = blobLen;
                }
            }
            in.compact();
            return drain();
        }

        private void reply(long seq, ByteBuffer src, int off, int msgLen) throws IOException {
            if (out.remaining() < RESPONSE_HEAD + msgLen) {
                // A full output buffer mid-burst: hand it to the kernel (blocking briefly is the
                // harness's own closed loop; it never happens with the harness's shapes).
                out.flip();
                while (out.hasRemaining()) {
                    ch.write(out);
                }
                out.clear();
            }
            int w = out.position();
            out.putLong(w, 0x4D25L | 1L << 16 | (long) msgLen << 32);
            out.putLong(w + 8, seq);
            out.putInt(w + 16, 0);
            out.put(w + RESPONSE_HEAD, src, off, msgLen);
            out.position(w + RESPONSE_HEAD + msgLen);
        }

        /** Writes what the output buffer holds; true when all of it went. */
        boolean drain() throws IOException {
            out.flip();
            ch.write(out);
            boolean done = !out.hasRemaining();
            out.compact();
            return done;
        }
    }
}
