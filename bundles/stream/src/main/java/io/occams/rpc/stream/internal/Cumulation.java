package io.occams.rpc.stream.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;

/**
 * The bytes a connection has read but not yet decoded. Small leftovers are merged by copying (cheap,
 * and keeps header reads on one flat buffer); a large partial frame grows as a composite of the
 * buffers read, so a big blob is never copied.
 *
 * <p>Owns its buffer: {@link #add} takes ownership of what it is given, {@link #release} gives it back.
 * Not thread-safe: used by the connection's reader only.
 */
public final class Cumulation {
    private static final int MERGE_LIMIT = 16 * 1024;
    private static final int MAX_COMPONENTS = 1024;

    private final ByteBufAllocator alloc;
    private ByteBuf buf;

    public Cumulation(ByteBufAllocator alloc) {
        this.alloc = alloc;
    }

    /** Appends {@code data} (taken) and returns the buffer to decode from (borrowed). */
    public ByteBuf add(ByteBuf data) {
        if (buf == null) {
            buf = data;
            return buf;
        }
        if (!buf.isReadable()) {
            buf.release();
            buf = data;
            return buf;
        }
        int left = buf.readableBytes();
        int more = data.readableBytes();
        if (!(buf instanceof CompositeByteBuf) && left + more <= MERGE_LIMIT) {
            ByteBuf merged = alloc.buffer(Math.max(left + more, 1024));
            merged.writeBytes(buf, buf.readerIndex(), left);
            merged.writeBytes(data, data.readerIndex(), more);
            buf.release();
            data.release();
            buf = merged;
            return buf;
        }
        CompositeByteBuf c;
        if (buf instanceof CompositeByteBuf) {
            c = (CompositeByteBuf) buf;
        } else {
            c = alloc.compositeBuffer(MAX_COMPONENTS);
            c.addComponent(true, buf);
            buf = c;
        }
        c.addComponent(true, data);
        return c;
    }

    /** Drops what was decoded; call after a decode loop. */
    public void discardRead() {
        if (buf == null) {
            return;
        }
        if (!buf.isReadable()) {
            buf.release();
            buf = null;
        } else if (buf instanceof CompositeByteBuf) {
            ((CompositeByteBuf) buf).discardReadComponents();
        }
    }

    /** How many undecoded bytes are held. */
    public int size() {
        return buf == null ? 0 : buf.readableBytes();
    }

    /** Releases what is held; idempotent. */
    public void release() {
        if (buf != null) {
            buf.release();
            buf = null;
        }
    }
}
