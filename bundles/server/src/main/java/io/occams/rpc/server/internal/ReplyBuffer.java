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
 * pooled buffer per reply cost an allocation from the pool, a leak-detector sample and a release, a
 * visible share of the API server's profile (see benchmarks/README.md). So {@link #take} hands out the thread's buffer with one extra
 * reference, which {@code reply} takes and releases; {@link #done} then finds the buffer back to our one
 * reference and keeps it. If the connection kept the buffer instead (a {@code ServerCall} may: it owns what
 * it is given), the count is still above one, and we drop ours and make another: the bytes it holds are
 * never touched again.
 *
 * <p>Other threads (the virtual threads synchronous methods run on, a user's executor) keep theirs in a
 * plain {@link ThreadLocal}: such a thread runs a whole read burst of calls, or a connection's bursts one
 * after the other, so one buffer serves them all. Before, each of their replies took a pooled direct
 * buffer from the call's allocator, which on a virtual thread has no thread cache: the arena's
 * allocation and free were about a fifth of the Netty server's CPU time at 4x100 with a synchronous
 * method (a JFR CPU-time profile, 2026-12-06). A {@code take} nested inside another on the same thread
 * gets a fresh buffer. Used by one thread at a time: take, reply, done.
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

    /** The same for threads without Netty's fast thread-locals; its buffer is heap, the GC frees it with the thread. */
    private static final ThreadLocal<ReplyBuffer> OTHER = ThreadLocal.withInitial(ReplyBuffer::new);

    /** This thread's buffer (heap, unpooled: it needs no release when the thread ends); null until first use. */
    private ByteBuf buf;
    /** Between take and done: a nested take must not get the same buffer. */
    private boolean inUse;

    private ReplyBuffer() {}

    /** An empty buffer for one reply message, of which the caller owns one reference (reply() takes it). */
    public static ByteBuf take(ByteBufAllocator alloc) {
        ReplyBuffer r = local();
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

    private static ReplyBuffer local() {
        return FastThreadLocalThread.currentThreadHasFastThreadLocal() ? LOCAL.get() : OTHER.get();
    }

    /** Call after the buffer from {@link #take} was given to reply() or released, on the same thread. */
    public static void done(ByteBuf b) {
        ReplyBuffer r = local();
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
