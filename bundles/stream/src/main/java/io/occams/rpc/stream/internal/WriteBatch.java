package io.occams.rpc.stream.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * A connection's write batch: the buffer frames are written into until a flush hands it to the
 * connection, and, after that, the same buffer written into again once the connection let go of it,
 * instead of a new one per flush. On a runtime whose threads Netty's Recycler does not serve (virtual
 * threads) a new pooled buffer per flush is a new buffer object and a new NIO view of it each time.
 *
 * <p>Ownership: {@link #take} hands the connection the reference it releases once the bytes are
 * written, and keeps one of our own. The kept buffer is filled again only when that reference is
 * the only one left ({@code refCnt() == 1}): the connection released its own, so nobody else reads it.
 * While the connection still holds it (the write is queued or in progress) a new buffer is allocated
 * and our reference to the old one is dropped, so it is freed when the write ends.
 *
 * <p>Only a connection that flushes more than once per {@link #trim} period keeps a batch: one that
 * made a call and went quiet would otherwise hold it until a trim, and with 10,000 of them the pooled
 * direct memory still in use after the quiet period grew although each batch had been dropped
 * ({@code benchmarks/run idle}; the figures are in benchmarks/README.md).
 *
 * <p>Not thread-safe: its owner guards it with the lock it writes frames under.
 */
public final class WriteBatch {
    /** A batch that grew beyond this is not kept, so one burst does not pin a large buffer. */
    private static final int KEEP_LIMIT = 64 * 1024;

    private final int initialCapacity;
    /** Being filled, or null. */
    private ByteBuf out;
    /** The last batch handed out, with one reference of ours, or null; never both it and out. */
    private ByteBuf kept;
    /** Whether a kept batch was filled again since the last {@link #trim}. */
    private boolean reused;
    /** Batches taken since the last {@link #trim}: the first of a period is not kept. */
    private int taken;

    public WriteBatch(int initialCapacity) {
        this.initialCapacity = initialCapacity;
    }

    /** The batch to write frames into: the one being filled, the kept one if free, or a new one. */
    public ByteBuf get(ByteBufAllocator alloc) {
        ByteBuf o = out;
        if (o == null) {
            ByteBuf k = kept;
            kept = null;
            if (k != null && k.refCnt() == 1) {
                o = k.clear();
                reused = true;
            } else {
                if (k != null) {
                    k.release(); // still the connection's: it frees it when written
                }
                o = alloc.ioBuffer(initialCapacity);
            }
            out = o;
        }
        return o;
    }

    /** The batch being filled, or null when none was started since the last {@link #take}. */
    public ByteBuf current() {
        return out;
    }

    /** Whether there are bytes to hand to the connection. */
    public boolean isReadable() {
        return out != null && out.isReadable();
    }

    /**
     * Takes the batch being filled (not null: check {@link #current}) for the caller to hand to the
     * connection, which owns the returned reference; keeps one of our own for {@link #get}.
     */
    public ByteBuf take() {
        ByteBuf o = out;
        out = null;
        if (taken < 2) {
            taken++; // saturates: a runtime without trim calls still keeps
        }
        if (taken > 1 && o.capacity() <= KEEP_LIMIT) {
            kept = o.retain();
        }
        return o;
    }

    /** Drops the kept batch unless it was used since the last call: once a second, so idle connections hold none. */
    public void trim() {
        if (!reused && kept != null) {
            kept.release();
            kept = null;
        }
        reused = false;
        taken = 0;
    }

    /** Releases both buffers (the connection closed); may be called twice. */
    public void release() {
        if (out != null) {
            out.release();
            out = null;
        }
        if (kept != null) {
            kept.release();
            kept = null;
        }
    }
}
