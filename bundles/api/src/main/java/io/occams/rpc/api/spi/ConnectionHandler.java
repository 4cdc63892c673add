package io.occams.rpc.api.spi;

import io.netty.buffer.ByteBuf;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The stream layer's side of a {@link Connection}: a runtime calls it with what happens on the socket.
 *
 * <p>Threading: a runtime calls these methods from one thread at a time per connection (the
 * connection's reader), in order, never concurrently. {@link #onClosed} is the last call, exactly once.
 */
@ProviderType
public interface ConnectionHandler {
    /** Bytes read from the socket. Takes ownership: the handler releases {@code data}. */
    void onData(ByteBuf data);

    /** The runtime has no more bytes to hand over for now: a good moment to flush replies. */
    void onReadComplete();

    /** The peer closed its output (end-of-stream). This side may still write. */
    void onInputShutdown();

    /** The writability of the connection changed (see {@link Connection#isWritable()}). */
    void onWritabilityChanged(boolean writable);

    /**
     * The connection is closed in both directions; {@code cause} is null for an orderly close. Last call.
     */
    void onClosed(Throwable cause);

    /** Makes a handler for each new connection. */
    @FunctionalInterface
    @ProviderType
    interface Factory {
        /** Called once per connection, before its first byte is read, on the connection's reader. */
        ConnectionHandler open(Connection connection);
    }
}
