package io.occams.rpc.stream;

import io.netty.buffer.ByteBuf;
import io.netty.util.ReferenceCounted;

/**
 * A successful answer from {@link ClientStream#call}: the msg and the blob, as slices of what was
 * read (no copy). The reply owns both; {@link #close()} releases them, exactly once (idempotent).
 */
public final class Reply implements AutoCloseable {
    private final ByteBuf msg;
    private final ByteBuf blob;
    private boolean closed;

    Reply(ByteBuf msg, ByteBuf blob) {
        this.msg = msg;
        this.blob = blob;
    }

    /** The structured message; empty when there was none. Valid until {@link #close()}. */
    public ByteBuf msg() {
        return msg;
    }

    /** The raw blob; empty when there was none. Valid until {@link #close()}. */
    public ByteBuf blob() {
        return blob;
    }

    /** Releases the buffers; idempotent. */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            release(msg);
            release(blob);
        }
    }

    private static void release(ReferenceCounted r) {
        if (r != null && r.refCnt() > 0) {
            r.release();
        }
    }
}
