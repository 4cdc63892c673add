package io.occams.rpc.benchmarks.load;

import java.io.IOException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
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
 * must). No framework, no dispatch, no limits beyond the frame bounds: what the machine and the wire format
 * allow. The frames are {@link RawFrames.Echo}'s, the same as {@link RawServer}'s.
 *
 * <p>The old ceiling, one blocking platform thread per connection ({@link RawServer}), is kept as the
 * harness contender {@code raw-blocking}, to show the difference in the same run.
 */
public final class RawNioServer {
    private RawNioServer() {}

    public static void main(String[] args) throws Exception {
        int threads = Integer.parseInt(Measure.opt(args, "threads", "2"));
        Loop[] loops = new Loop[threads];
        for (int i = 0; i < threads; i++) {
            loops[i] = new Loop();
            Thread t = new Thread(loops[i], "raw-nio-" + i);
            t.setDaemon(true);
            t.start();
        }
        int[] next = {0};
        RawFrames.serveUntilStdinCloses(args, "raw-nio-accept", ch -> {
            ch.configureBlocking(false);
            loops[next[0]++ % loops.length].add(ch);
        });
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

    /** One connection's state: its buffers, made once (the frames are {@link RawFrames.Echo}'s). */
    static final class Conn extends RawFrames.Echo {
        Conn(SocketChannel ch) {
            super(ch, 1 << 20);
        }

        /** One read, its replies, one write. Returns false when the write is left unfinished. */
        boolean readBurst() throws IOException {
            if (ch.read(in) < 0) {
                throw new IOException("peer closed");
            }
            in.flip();
            answerAll();
            return drain();
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
