package io.occams.rpc.testkit;

import io.occams.rpc.api.RpcAddress;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * The far end of a connection as a plain blocking {@code java.nio} {@link SocketChannel}: it sees
 * exactly the bytes that reached the socket, and reads only when told to (so a test can make it a
 * peer that does not read). Used by one test thread at a time. Blocking reads are interruptible, so
 * JUnit's {@code @Timeout} ends a read that waits for bytes that never come.
 */
public final class RawPeer implements AutoCloseable {
    private final SocketChannel channel;

    RawPeer(SocketChannel channel) {
        this.channel = channel;
    }

    /** Connects to {@code address} with a blocking channel. */
    public static RawPeer connect(RpcAddress address) throws IOException {
        SocketAddress sa = address.toSocketAddress();
        SocketChannel ch = SocketChannel.open(
                address.isUnix() ? java.net.StandardProtocolFamily.UNIX : java.net.StandardProtocolFamily.INET);
        try {
            ch.connect(sa);
        } catch (IOException e) {
            ch.close();
            throw e;
        }
        return new RawPeer(ch);
    }

    /** The underlying channel. */
    public SocketChannel channel() {
        return channel;
    }

    /** Writes all of {@code bytes}. */
    public void write(byte[] bytes) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        while (b.hasRemaining()) {
            channel.write(b);
        }
    }

    /** Reads exactly {@code n} bytes; fails with {@link EOFException} when the stream ends first. */
    public byte[] readExactly(int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        while (b.hasRemaining()) {
            if (channel.read(b) < 0) {
                throw new EOFException("end of stream after " + b.position() + " of " + n + " bytes");
            }
        }
        return b.array();
    }

    /** Reads until end of stream and returns everything read. */
    public byte[] readToEof() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer b = ByteBuffer.allocate(64 * 1024);
        while (channel.read(b.clear()) >= 0) {
            out.write(b.array(), 0, b.position());
        }
        return out.toByteArray();
    }

    /**
     * Reads until end of stream or a reset, and returns what was read before it; for a peer that was
     * aborted, where either may come.
     */
    public byte[] readToEofOrReset() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer b = ByteBuffer.allocate(64 * 1024);
        try {
            while (channel.read(b.clear()) >= 0) {
                out.write(b.array(), 0, b.position());
            }
        } catch (IOException reset) {
            // a reset ends the stream as well as an EOF does
        }
        return out.toByteArray();
    }

    /**
     * Reads what is readable now without waiting: the number of bytes read, 0 when nothing is there,
     * -1 at end of stream. Leaves the channel blocking again.
     */
    public int readAvailable(ByteArrayOutputStream into) throws IOException {
        channel.configureBlocking(false);
        try {
            ByteBuffer b = ByteBuffer.allocate(64 * 1024);
            int total = 0;
            while (true) {
                int n = channel.read(b.clear());
                if (n < 0) {
                    return total == 0 ? -1 : total;
                }
                if (n == 0) {
                    return total;
                }
                into.write(b.array(), 0, n);
                total += n;
            }
        } finally {
            channel.configureBlocking(true);
        }
    }

    /** Half-closes: the other side reads end of stream. */
    public void shutdownOutput() throws IOException {
        channel.shutdownOutput();
    }

    /** Closes the channel; idempotent. */
    @Override
    public void close() throws IOException {
        channel.close();
    }
}
