package io.occams.rpc.server.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.concurrent.FastThreadLocalThread;

/**
 * The buffer a result is encoded into before {@code ServerCall.reply} takes it: one per Netty thread
 * (event loops, and the runtime's pool threads), reused from call to call.
 *
 * <p>A reply's message is a few bytes that the stream copies into its output batch and releases; a
 * pooled buffer per reply cost an allocation from the pool, a leak-detector sample and a release, about
 * 10% of the API server's samples at 4x100. So {@link #take} hands out the thread's buffer with one extra
 * reference, which {@code reply} takes and releases; {@link #done} then finds the buffer back to our one
 * reference and keeps it. If the connection kept the buffer instead (a {@code ServerCall} may: it owns what
 * it is given), the count is still above one, and we drop ours and make another: the bytes it holds are
 * never touched again.
 *
 * <p>Other threads (virtual threads, a user's executor) allocate from the call's allocator per reply, as
 * before: a buffer per virtual thread would be made and dropped per call. A {@code take} nested inside
 * another on the same thread gets a fresh buffer too. Used by one thread at a time: take, reply, done.
 */
public final class ReplyBuffer {
    private static final int INITIAL = 64;
    /** A buffer that grew past this for one large result is dropped after it. */
    private static final int KEEP_AT_MOST = 64 * 1024;
    private static final FastThreadLocal<ReplyBuffer> LOCAL = new FastThreadLocal<>() {
        @Override
        protected ReplyBuffer initialValue() {
            return new ReplyBuffer();
        }

        // The thread ends (its event loop shut down): the buffer goes back, no leak report for it later.
        @Override
        protected void onRemoval(ReplyBuffer r) {
            ByteBuf b = r.buf;
            r.buf = null;
            if (b != null && !r.inUse) {
                b.release();
            }
        }
    };

    /** This thread's buffer (heap, unpooled: it needs no release when the thread ends); null until first use. */
    private ByteBuf buf;
    /** Between take and done: a nested take must not get the same buffer. */
    private boolean inUse;

    private ReplyBuffer() {
    }

    /** An empty buffer for one reply message, of which the caller owns one reference (reply() takes it). */
    public static ByteBuf take(ByteBufAllocator alloc) {
        if (!FastThreadLocalThread.currentThreadHasFastThreadLocal()) {
            return alloc.buffer();
        }
        ReplyBuffer r = LOCAL.get();
        if (r.inUse) {
            return alloc.buffer();
        }
        ByteBuf b = r.buf;
        if (b == null) {
            b = Unpooled.buffer(INITIAL);
            r.buf = b;
        }
        r.inUse = true;
        return b.clear().retain();
    }

    /** Call after the buffer from {@link #take} was given to reply() or released, on the same thread. */
    public static void done(ByteBuf b) {
        if (!FastThreadLocalThread.currentThreadHasFastThreadLocal()) {
            return;
        }
        ReplyBuffer r = LOCAL.get();
        if (r.buf != b) {
            return;
        }
        r.inUse = false;
        if (b.refCnt() != 1 || b.capacity() > KEEP_AT_MOST) {
            r.buf = null;
            b.release();
        }
    }
}
