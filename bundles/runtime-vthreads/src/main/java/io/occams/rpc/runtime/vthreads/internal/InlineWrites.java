package io.occams.rpc.runtime.vthreads.internal;

/**
 * When a flush may write inline, on the flushing thread, instead of waking the writer. Only
 * {@link #AUTO} is for production; the other two let tests force one path (set through the runtime's
 * builder).
 */
public enum InlineWrites {
    /** Inline when no write is in progress, nothing flushed is waiting and the last write found room. */
    AUTO,
    /**
     * Inline whenever no write is in progress, even when the send buffer was full or flushed buffers
     * wait: inline writes then block, and the rescue reader must step in.
     */
    ALWAYS,
    /** Never inline: every write goes to the writer. */
    NEVER
}
