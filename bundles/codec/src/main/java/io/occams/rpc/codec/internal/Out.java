package io.occams.rpc.codec.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import java.io.IOException;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessagePacker;
import org.msgpack.core.buffer.MessageBuffer;
import org.msgpack.core.buffer.MessageBufferOutput;

/**
 * One encoding in progress: a msgpack-core packer whose output is the caller's {@link ByteBuf}.
 *
 * <p>The packer fills a small array owned by this session and copies it into the buffer when it
 * flushes; payloads above the flush threshold go to the buffer directly. Sessions are pooled
 * ({@link Pool}) and used by one thread at a time: {@link #begin} to {@link #end}.
 */
final class Out implements MessageBufferOutput {
    private static final int BUFFER = 8192;
    /** A session that grew its array for one long string gives it back before returning to the pool. */
    private static final int KEEP_AT_MOST = 64 * 1024;

    private static final MessagePack.PackerConfig CONFIG = new MessagePack.PackerConfig()
            .withBufferSize(BUFFER)
            .withBufferFlushThreshold(BUFFER)
            .withStr8FormatSupport(true);

    final MessagePacker packer;
    int maxDepth;
    private ByteBuf target;
    private byte[] array = new byte[BUFFER];
    private MessageBuffer chunk = MessageBuffer.wrap(array);

    Out() {
        packer = CONFIG.newPacker(this);
    }

    void begin(ByteBuf target, int maxDepth) {
        this.target = target;
        this.maxDepth = maxDepth;
        packer.clear();
    }

    /** Writes what the packer still holds into the target. */
    void finish() throws IOException {
        packer.flush();
    }

    void end() {
        packer.clear();
        target = null;
        if (array.length > KEEP_AT_MOST) {
            array = new byte[BUFFER];
            chunk = MessageBuffer.wrap(array);
        }
    }

    /** Strings longer than this (in chars) are written as UTF-8 straight into the target, sized up front. */
    static final int LARGE_STRING = 8192;

    /**
     * A long string: its UTF-8 length counted first, the target grown once to exactly what it needs and
     * the characters encoded into it, with no intermediate byte array and no growth by doubling.
     * Unpaired surrogates become '?', as {@code String.getBytes} makes them.
     */
    void writeLargeString(String s) throws IOException {
        int len = ByteBufUtil.utf8Bytes(s);
        packer.packRawStringHeader(len);
        packer.flush();
        ByteBuf own = ownComponent(len);
        if (own != null) {
            try {
                ByteBufUtil.reserveAndWriteUtf8(own, s, len);
            } catch (RuntimeException | Error e) {
                own.release();
                throw e;
            }
            addComponent(own);
            return;
        }
        reserve(len);
        ByteBufUtil.reserveAndWriteUtf8(target, s, len);
    }

    /** Payloads of at least this many bytes get a buffer of their own in a composite target. */
    static final int OWN_COMPONENT = 64 * 1024;

    /**
     * For a payload of {@code len} bytes into a composite target (at least {@value #OWN_COMPONENT}): a
     * direct buffer of exactly that size, to be filled and {@link #addComponent added}; else null. A large
     * reply then goes to the socket as it was encoded, with no heap copy and no growth of the target.
     */
    ByteBuf ownComponent(int len) {
        if (len < OWN_COMPONENT || !(target instanceof CompositeByteBuf c)) {
            return null;
        }
        return c.alloc().directBuffer(len, len);
    }

    /** Appends a filled buffer from {@link #ownComponent} to the composite target, which takes it. */
    void addComponent(ByteBuf own) {
        CompositeByteBuf c = (CompositeByteBuf) target;
        c.capacity(c.writerIndex()); // the component must follow the bytes written, not the room after them
        c.addComponent(true, own);
    }

    /** A payload of {@code len} bytes comes next: grows the target once to exactly what it needs (not by doubling). */
    void reserve(int len) throws IOException {
        packer.flush();
        if (target.writableBytes() < len) {
            long want = (long) target.writerIndex() + len;
            if (want <= target.maxCapacity()) {
                target.capacity((int) want);
            }
        }
    }

    /** Buffers of at least this many bytes go into a composite target as a slice instead of being copied. */
    static final int SLICE_AT_LEAST = 4 * 1024;

    /**
     * A buffer's readable bytes as a bin. Into a {@link CompositeByteBuf} target a large one is added as a
     * retained slice, so its bytes are not copied (the target holds them until it is released); into any
     * other target they are copied, the target grown once. {@code b} itself is left as it is.
     */
    void writeBuf(ByteBuf b) throws IOException {
        int n = b.readableBytes();
        packer.packBinaryHeader(n);
        if (n >= SLICE_AT_LEAST && target instanceof CompositeByteBuf c) {
            packer.flush();
            c.capacity(c.writerIndex()); // the slice must follow the bytes written, not the room after them
            c.addComponent(true, b.retainedSlice());
            return;
        }
        if (n > LARGE_STRING) {
            reserve(n);
            target.writeBytes(b, b.readerIndex(), n);
            return;
        }
        packer.flush();
        target.writeBytes(b, b.readerIndex(), n);
    }

    void checkDepth(int depth) {
        if (depth >= maxDepth) {
            throw CodecFailure.encode("value nested deeper than " + maxDepth + " levels (a cycle?)");
        }
    }

    @Override
    public MessageBuffer next(int minimumSize) {
        if (array.length < minimumSize) {
            array = new byte[minimumSize];
            chunk = MessageBuffer.wrap(array);
        }
        return chunk;
    }

    @Override
    public void writeBuffer(int length) {
        target.writeBytes(array, 0, length);
    }

    @Override
    public void write(byte[] buffer, int offset, int length) {
        target.writeBytes(buffer, offset, length);
    }

    @Override
    public void add(byte[] buffer, int offset, int length) {
        // add() may keep a reference; a copy into the target is always safe.
        target.writeBytes(buffer, offset, length);
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
}
