package io.occams.rpc.benchmarks.load;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/**
 * The ceiling: the leanest pipelined echo of occams frames we can write in plain java.nio. One platform
 * thread per connection, blocking channels, direct buffers, no allocation per frame: it decodes every
 * request header in a read burst, answers each (20-byte header + the msg echoed; a blob is skipped in
 * place, never copied) into one output buffer, and writes that once per burst. No framework, no
 * dispatch, no limits checked: what the machine and the wire format allow.
 */
public final class RawServer {
    private RawServer() {}

    @SuppressWarnings("AddressSelection") // exactly the IPv4 loopback, like the server it talks to
    public static void main(String[] args) throws Exception {
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
                            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                            Thread t = new Thread(() -> serve(ch), "raw-conn");
                            t.setDaemon(true);
                            t.start();
                        }
                    } catch (IOException e) {
                        // closed
                    }
                },
                "raw-accept");
        acceptor.setDaemon(true);
        acceptor.start();
        while (System.in.read() >= 0) {
            // run until the harness closes our stdin
        }
    }

    static void serve(SocketChannel ch) {
        ByteBuffer in = ByteBuffer.allocateDirect(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer out = ByteBuffer.allocateDirect(2 << 20).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer pendingMsg = ByteBuffer.allocateDirect(64 << 10);
        long skip = 0;
        long pendingSeq = 0;
        try (ch) {
            while (ch.read(in) >= 0) {
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
                        reply(ch, out, pendingSeq, pendingMsg);
                        pendingMsg.clear();
                    }
                    int p = in.position();
                    if (in.remaining() < 32) {
                        break;
                    }
                    int act = in.getInt(p + 4);
                    long seq = in.getLong(p + 8);
                    int msgLen = in.getInt(p + 24);
                    int blobLen = in.getInt(p + 28);
                    int actLen = act < 0 ? act & 0x7fff_ffff : 0;
                    int head = 32 + actLen + msgLen;
                    if (in.remaining() < head) {
                        break;
                    }
                    ByteBuffer msg = in.slice(p + 32 + actLen, msgLen);
                    in.position(p + head);
                    if (blobLen == 0) {
                        reply(ch, out, seq, msg);
                    } else {
                        pendingMsg.put(msg);
                        pendingSeq = seq;
                        skip = blobLen;
                    }
                }
                in.compact();
                flush(ch, out);
            }
        } catch (IOException e) {
            // peer gone
        }
    }

    private static void reply(SocketChannel ch, ByteBuffer out, long seq, ByteBuffer msg) throws IOException {
        if (out.remaining() < 20 + msg.remaining()) {
            flush(ch, out);
        }
        out.putShort((short) 0x4D25)
                .put((byte) 1)
                .put((byte) 0)
                .putInt(msg.remaining())
                .putLong(seq)
                .putInt(0);
        out.put(msg);
    }

    private static void flush(SocketChannel ch, ByteBuffer out) throws IOException {
        out.flip();
        while (out.hasRemaining()) {
            ch.write(out);
        }
        out.clear();
    }
}
