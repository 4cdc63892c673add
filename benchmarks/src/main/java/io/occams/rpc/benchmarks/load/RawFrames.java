package io.occams.rpc.benchmarks.load;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/**
 * What the raw echo's two servers ({@link RawNioServer}, {@link RawServer}) and two clients
 * ({@link RawNioClient}, {@link RawClient}) share, so that the ceiling and the old ceiling differ only in
 * their threading: the options, the listening socket, the request and reply frames (written without
 * allocating), and the checks every reply passes.
 */
final class RawFrames {
    static final int REQUEST_HEAD = 32;
    static final int RESPONSE_HEAD = 20;
    /** The most a request's action and msg may hold (the size of {@link Echo}'s held msg). */
    static final int MAX_MSG = 64 << 10;

    private RawFrames() {}

    /** A client's options: {@code --port} (required) {@code --conns --inflight --payload --blob --warmup --duration}. */
    record ClientOptions(
            int port, int conns, int inflight, int payload, int blobBytes, double warmup, double duration) {
        static ClientOptions parse(String[] args) {
            return new ClientOptions(
                    Integer.parseInt(Measure.opt(args, "port", null)),
                    Integer.parseInt(Measure.opt(args, "conns", "1")),
                    Integer.parseInt(Measure.opt(args, "inflight", "1")),
                    Integer.parseInt(Measure.opt(args, "payload", "8")),
                    Integer.parseInt(Measure.opt(args, "blob", "0")),
                    Double.parseDouble(Measure.opt(args, "warmup", "2")),
                    Double.parseDouble(Measure.opt(args, "duration", "3")));
        }

        /** The msg bytes of each request: the payload, or none when a blob is sent instead. */
        int msgBytes() {
            return blobBytes > 0 ? 0 : payload;
        }
    }

    /**
     * Listens on the IPv4 loopback ({@code --port}, default any), prints {@code READY 127.0.0.1:PORT} for the
     * harness, hands every accepted connection (TCP_NODELAY set) to {@code accepted} on a daemon thread
     * named {@code acceptorName}, and returns when the harness closes this JVM's stdin.
     */
    @SuppressWarnings("AddressSelection") // exactly the IPv4 loopback, like the clients that call it
    static void serveUntilStdinCloses(String[] args, String acceptorName, Accepted accepted) throws IOException {
        int port = Integer.parseInt(Measure.opt(args, "port", "0"));
        ServerSocketChannel ss = ServerSocketChannel.open();
        ss.bind(new InetSocketAddress("127.0.0.1", port), 1024);
        System.out.println("READY 127.0.0.1:" + ((InetSocketAddress) ss.getLocalAddress()).getPort());
        System.out.flush();
        Thread acceptor = new Thread(
                () -> {
                    try {
                        while (true) {
                            SocketChannel ch = ss.accept();
                            ch.setOption(java.net.StandardSocketOptions.TCP_NODELAY, true);
                            accepted.accept(ch);
                        }
                    } catch (IOException e) {
                        // closed
                    }
                },
                acceptorName);
        acceptor.setDaemon(true);
        acceptor.start();
        while (System.in.read() >= 0) {
            // run until the harness closes our stdin
        }
    }

    /** What a server does with a connection it accepted; a failure ends the accepting. */
    interface Accepted {
        void accept(SocketChannel ch) throws IOException;
    }

    /** A msg of {@code payload} bytes 0, 1, 2, ... as little-endian longs (the last one partly used). */
    static long[] payloadWords(int payload) {
        long[] words = new long[(payload + 7) / 8];
        for (int i = 0; i < payload; i++) {
            words[i / 8] |= (long) (i & 0xff) << (8 * (i % 8));
        }
        return words;
    }

    /**
     * Writes a request (header, action 1, msg of {@code payload} bytes from {@code words}, announcing a blob
     * of {@code blobBytes} sent after it) at {@code h}'s position, and moves the position past it.
     */
    static void putRequest(ByteBuffer h, long seq, long[] words, int payload, int blobBytes) {
        int w = h.position();
        h.putLong(w, 0x4D25L | 1L << 16 | 1L << 32);
        h.putLong(w + 8, seq);
        h.putLong(w + 16, 0);
        h.putInt(w + 24, payload);
        h.putInt(w + 28, blobBytes);
        w += REQUEST_HEAD;
        for (int i = 0; i < words.length; i++, w += 8) {
            if (i * 8 + 8 <= payload) {
                h.putLong(w, words[i]);
            } else {
                for (int b = 0; b < payload - i * 8; b++) {
                    h.put(w + b, (byte) (words[i] >>> (8 * b)));
                }
            }
        }
        h.position(h.position() + REQUEST_HEAD + payload);
    }

    /**
     * The client's check of its replies, in the order the server answers: each must have the frame magic
     * and status, the oldest outstanding sequence number, the msg and blob lengths asked for, and the msg
     * bytes sent.
     */
    static final class Replies {
        private final long[] words;
        private final int payload;
        private long firstUnanswered = 1;

        Replies(long[] words, int payload) {
            this.words = words;
            this.payload = payload;
        }

        /**
         * Consumes the reply at {@code in}'s position and returns its sequence number, or returns 0 (and
         * leaves {@code in} as it was) when the reply is not all there yet.
         *
         * @throws IOException when the reply fails a check
         */
        long next(ByteBuffer in) throws IOException {
            if (in.remaining() < RESPONSE_HEAD) {
                return 0;
            }
            int p = in.position();
            long head = in.getLong(p);
            int msgLen = (int) (head >>> 32);
            int blobLen = in.getInt(p + 16);
            if ((head & 0xffff_ffffL) != (0x4D25L | 1L << 16)) {
                throw new IOException("bad reply header " + Long.toHexString(head));
            }
            if (msgLen != payload || blobLen != 0) {
                throw new IOException(
                        "reply lengths msg " + msgLen + " blob " + blobLen + ", expected " + payload + " and 0");
            }
            int total = RESPONSE_HEAD + msgLen;
            if (in.remaining() < total) {
                return 0;
            }
            long s = in.getLong(p + 8);
            if (s != firstUnanswered) {
                throw new IOException("reply seq " + s + ", expected " + firstUnanswered);
            }
            int q = p + RESPONSE_HEAD;
            for (int i = 0; i < words.length; i++, q += 8) {
                if (i * 8 + 8 <= payload) {
                    if (in.getLong(q) != words[i]) {
                        throw new IOException("reply " + s + ": msg bytes differ from those sent");
                    }
                } else {
                    for (int b = 0; b < payload - i * 8; b++) {
                        if (in.get(q + b) != (byte) (words[i] >>> (8 * b))) {
                            throw new IOException("reply " + s + ": msg bytes differ from those sent");
                        }
                    }
                }
            }
            in.position(p + total);
            firstUnanswered++;
            return s;
        }
    }

    /**
     * A server connection's echo: its buffers (made once) and the requests scanned from them. Each
     * complete request is answered (20-byte header + the msg echoed) into {@link #out}; a blob is skipped
     * in place, never copied, its request's msg held until the blob has passed. A frame without the magic,
     * or whose action and msg exceed {@link #MAX_MSG}, fails the connection.
     */
    static class Echo {
        final SocketChannel ch;
        final ByteBuffer in = ByteBuffer.allocateDirect(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
        final ByteBuffer out;
        /** The msg of a request whose blob is still being skipped, answered when the blob has passed. */
        private final ByteBuffer pendingMsg = ByteBuffer.allocateDirect(MAX_MSG).order(ByteOrder.LITTLE_ENDIAN);

        private long skip;
        private long pendingSeq;

        Echo(SocketChannel ch, int outBytes) {
            this.ch = ch;
            this.out = ByteBuffer.allocateDirect(outBytes).order(ByteOrder.LITTLE_ENDIAN);
        }

        /** Answers every complete request that {@link #in} holds (flipped: ready to read), then compacts it. */
        final void answerAll() throws IOException {
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
                if (msgLen < 0 || blobLen < 0 || actLen + msgLen > MAX_MSG) {
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
        }

        private void reply(long seq, ByteBuffer src, int off, int msgLen) throws IOException {
            if (out.remaining() < RESPONSE_HEAD + msgLen) {
                // A full output buffer mid-burst: hand it to the kernel (blocking briefly is the
                // harness's own closed loop; it never happens with the harness's shapes).
                flush();
            }
            int w = out.position();
            out.putLong(w, 0x4D25L | 1L << 16 | (long) msgLen << 32);
            out.putLong(w + 8, seq);
            out.putInt(w + 16, 0);
            out.put(w + RESPONSE_HEAD, src, off, msgLen);
            out.position(w + RESPONSE_HEAD + msgLen);
        }

        /** Writes all that {@link #out} holds, however many writes that takes. */
        final void flush() throws IOException {
            out.flip();
            while (out.hasRemaining()) {
                ch.write(out);
            }
            out.clear();
        }
    }
}
