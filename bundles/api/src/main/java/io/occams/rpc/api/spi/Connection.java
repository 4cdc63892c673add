package io.occams.rpc.api.spi;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.occams.rpc.api.PeerIdentity;
import io.occams.rpc.api.RpcAddress;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * One full-duplex byte stream, provided by a {@link Runtime}. The stream layer writes whole batches
 * of frames to it and gets inbound bytes through its {@link ConnectionHandler}.
 *
 * <p>Thread safety: every method may be called from any thread. Writes keep their order.
 */
@ConsumerType
public interface Connection {
    /** The allocator for buffers written to this connection. */
    ByteBufAllocator alloc();

    /** The peer's address. */
    RpcAddress remoteAddress();

    /** This side's address. */
    RpcAddress localAddress();

    /**
     * Who the peer is: the subject and SANs of the certificate it presented in the TLS handshake, or
     * {@link PeerIdentity#ANONYMOUS} (plaintext, or no client certificate). Known from the first
     * callback on; the default is anonymous.
     *
     * @since 0.2
     */
    default PeerIdentity peerIdentity() {
        return PeerIdentity.ANONYMOUS;
    }

    /**
     * Queues {@code buf} to be written after everything queued before it. Takes ownership: the
     * connection releases it once written, or when the connection closes first. Nothing is sent
     * until {@link #flush()}.
     */
    void write(ByteBuf buf);

    /** Sends everything queued so far. Never blocks the caller. */
    void flush();

    /** {@link #write} then {@link #flush}. */
    default void writeAndFlush(ByteBuf buf) {
        write(buf);
        flush();
    }

    /**
     * Whether the queued, unsent bytes are below the runtime's high-water mark. When it turns false the
     * handler hears {@link ConnectionHandler#onWritabilityChanged}, and again when it turns true.
     */
    boolean isWritable();

    /**
     * Stops ({@code false}) or resumes ({@code true}) reading from the socket: back-pressure for a
     * peer that sends faster than it reads replies. Reading is on at the start.
     */
    void setAutoRead(boolean autoRead);

    /**
     * Flushes what is queued, then half-closes: the peer reads end-of-stream, this side can still
     * read. Idempotent.
     */
    void shutdownOutput();

    /**
     * Flushes what is queued (bounded by the runtime's write timeout), then closes both directions.
     * The handler then hears {@link ConnectionHandler#onClosed}. Idempotent.
     */
    void close();

    /** Closes at once, dropping what is queued. Idempotent. */
    void abort();

    /** Whether the connection is still open in at least one direction. */
    boolean isOpen();
}
