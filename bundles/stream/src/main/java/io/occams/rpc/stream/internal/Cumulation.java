package io.occams.rpc.stream.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;

/**
 * The bytes a connection has read but not yet decoded. Small leftovers are merged by copying (cheap,
 * and keeps header reads on one flat buffer); a partial frame of up to {@value #LARGE_FRAME} bytes grows
 * as a composite of the buffers read, so a blob is not copied.
 *
 * <p>A larger frame is gathered into one buffer allocated once, with exactly the frame's length as its
 * header announces it (already checked against {@code maxFrameBytes} by the decoder), when its owner
 * says so through {@link #next}: every read after that is copied into it and released at once. A
 * composite of hundreds of read buffers would instead hold them all until the frame is complete, be
 * copied whole into a new buffer each time it passes Netty's component limit, and give the codec
 * scattered bytes (which it copies again to read a long string or to hand out a buffer argument). Bytes
 * read beyond the end of such a frame wait in {@link #rest} until the frame was decoded.
 *
 * <p>A composite is never changed under the slices that calls hold of it: once the decoder handed
 * out parts of it, what is left of it moves to a new composite ({@link #discardRead}).
 *
 * <p>Owns its buffers: {@link #add} takes ownership of what it is given, {@link #release} gives them back.
 * Not thread-safe: used by the connection's reader only.
 */
public final class Cumulation {
    private static final int MERGE_LIMIT = 16 * 1024;
    private static final int MAX_COMPONENTS = 1024;
    /** Frames longer than this are gathered into a buffer of their own exact length (see {@link #next}). */
    public static final int LARGE_FRAME = 1024 * 1024;

    private final ByteBufAllocator alloc;
    private ByteBuf buf;
    /** Whether {@link #buf} is the buffer of one large frame, sized to it exactly, being filled. */
    private boolean frame;
    /** Bytes read past the end of the large frame in {@link #buf}, decoded after it; or null. */
    private ByteBuf rest;

    public Cumulation(ByteBufAllocator alloc) {
        this.alloc = alloc;
    }

    /** Appends {@code data} (taken) and returns the buffer to decode from (borrowed). */
    public ByteBuf add(ByteBuf data) {
        if (frame) {
            return fill(data);
        }
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

    /** Copies what fits of {@code data} (taken) into the frame buffer; the rest waits for the frame's decoding. */
    private ByteBuf fill(ByteBuf data) {
        int room = buf.writableBytes();
        int more = data.readableBytes();
        if (more <= room) {
            buf.writeBytes(data, data.readerIndex(), more);
            data.release();
            return buf;
        }
        buf.writeBytes(data, data.readerIndex(), room);
        data.skipBytes(room);
        if (rest == null) {
            rest = data;
        } else {
            // Not reached by a reader that decodes after every add (the frame is complete by now), but
            // nothing read may be lost.
            CompositeByteBuf c = alloc.compositeBuffer(MAX_COMPONENTS);
            c.addComponent(true, rest);
            c.addComponent(true, data);
            rest = c;
        }
        return buf;
    }

    /**
     * After a decode loop stopped: drops what was decoded and returns the next bytes to decode, or null
     * when more must be read first. {@code frameLength} is the whole length of the frame that starts at
     * the decode position when its header was readable (0 otherwise): when it is over
     * {@value #LARGE_FRAME} bytes, what is held of it moves into one buffer of exactly that length, and
     * reads fill it from then on. Once that frame was decoded, the bytes read past it are returned.
     */
    public ByteBuf next(long frameLength) {
        if (frame) {
            if (buf.isReadable()) {
                return null; // the frame is not complete yet
            }
            buf.release(); // the calls decoded from it hold their own references
            buf = rest;
            rest = null;
            frame = false;
            return buf;
        }
        discardRead();
        if (frameLength > LARGE_FRAME
                && buf != null
                && frameLength > buf.readableBytes()
                && frameLength <= Integer.MAX_VALUE) {
            int length = (int) frameLength;
            ByteBuf f = alloc.directBuffer(length, length);
            f.writeBytes(buf, buf.readerIndex(), buf.readableBytes());
            buf.release();
            buf = f;
            frame = true;
        }
        return null;
    }

    /** Whether the bytes held are one large frame's buffer, being filled (see {@link #next}). */
    public boolean isFrameBuffer() {
        return frame;
    }

    /** Drops what was decoded; call after a decode loop. */
    public void discardRead() {
        if (buf == null || frame) {
            return;
        }
        if (!buf.isReadable()) {
            buf.release();
            buf = null;
        } else if (buf instanceof CompositeByteBuf c) {
            if (c.refCnt() == 1) {
                c.discardReadComponents();
            } else {
                // Calls hold slices of this composite (their msg or blob): discarding its read components
                // would shift the bytes under them. What is left moves to a new composite instead, as
                // slices of the same components; the old one lives on until those calls are answered.
                CompositeByteBuf fresh = alloc.compositeBuffer(MAX_COMPONENTS);
                for (ByteBuf part : c.decompose(c.readerIndex(), c.readableBytes())) {
                    fresh.addComponent(true, part.retain());
                }
                c.release();
                buf = fresh;
            }
        }
    }

    /** How many undecoded bytes are held. */
    public int size() {
        return (buf == null ? 0 : buf.readableBytes()) + (rest == null ? 0 : rest.readableBytes());
    }

    /** Releases what is held; idempotent. */
    public void release() {
        if (buf != null) {
            buf.release();
            buf = null;
        }
        if (rest != null) {
            rest.release();
            rest = null;
        }
        frame = false;
    }
}
