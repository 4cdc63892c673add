package io.occams.rpc.runtime.vthreads.internal;

import io.netty.buffer.ByteBufAllocator;
import java.util.concurrent.ScheduledExecutorService;

/**
 * What every connection of one runtime shares: the limits from the runtime's builder, its allocator
 * and its timer. Immutable.
 *
 * @param allocator where read buffers come from and what {@code Connection.alloc()} returns
 * @param readBufferSize the most bytes one read asks for
 * @param lowWaterMark queued bytes below which an unwritable connection turns writable again
 * @param highWaterMark queued bytes above which a connection turns unwritable
 * @param writeTimeoutNanos how long a write may stay blocked, and how long {@code close()} may drain
 * @param timer the runtime's timer (close deadlines, connect timeouts)
 * @param inlineWrites when a flush may write inline ({@link InlineWrites#AUTO} but in tests)
 */
public record Settings(
        ByteBufAllocator allocator,
        int readBufferSize,
        int lowWaterMark,
        int highWaterMark,
        long writeTimeoutNanos,
        ScheduledExecutorService timer,
        InlineWrites inlineWrites) {}
