package io.occams.rpc.stream.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.occams.rpc.stream.FrameException;
import io.occams.rpc.stream.FrameException.Reason;
import io.occams.rpc.stream.Frames;

/**
 * Reads response frames (spec §2.4) out of a byte stream, a cursor over one frame at a time. The
 * flag is checked before any length is believed: an errno frame's u32 is a number, never a size
 * (the seed sized a buffer from it, spec §12.5), and every body length is checked against the limit
 * before anything waits for it.
 *
 * <p>Accessors describe the frame returned by the last {@link #next}, reading from the same buffer.
 * Not thread-safe: one per connection.
 */
public final class ResponseDecoder {
    private final int maxFrameBytes;

    private ByteBuf buf;
    private long seq;
    private int flag;
    private int errno;
    private int msgIndex;
    private int msgLength;
    private int blobIndex;
    private int blobLength;

    /** @param maxFrameBytes the largest msg + blob (or error text) accepted */
    public ResponseDecoder(int maxFrameBytes) {
        this.maxFrameBytes = maxFrameBytes;
    }

    /**
     * When a whole frame is readable at {@code in}'s reader index, moves past it and returns true;
     * otherwise returns false and leaves {@code in} as it was.
     *
     * @throws FrameException for a bad magic, version or flag, or a length beyond the limit
     */
    public boolean next(ByteBuf in) {
        int readable = in.readableBytes();
        if (readable < Frames.RESPONSE_HEADER_LENGTH) {
            if (readable >= 3) {
                RequestDecoder.checkMagicAndVersion(in); // refuse garbage without waiting for a whole header
            }
            return false;
        }
        RequestDecoder.checkMagicAndVersion(in);
        int r = in.readerIndex();
        int f = in.getUnsignedByte(r + 3);
        int word = in.getIntLE(r + 4);
        int blob = in.getIntLE(r + 16);
        long msgLen;
        switch (f) {
            case Frames.FLAG_OK:
                msgLen = word & 0xFFFF_FFFFL;
                break;
            case Frames.FLAG_ERRNO:
                msgLen = 0;
                blob = 0; // the seed writes 0 here; nothing follows an errno frame
                break;
            case Frames.FLAG_ERROR_STRING:
                msgLen = 0;
                break;
            default:
                throw new FrameException(Reason.BAD_FLAG, "response flag " + f + " is not 0, 1 or 2");
        }
        if (blob < 0) {
            throw new FrameException(Reason.NEGATIVE_LENGTH, "blob_len " + blob + " is negative");
        }
        if (msgLen > maxFrameBytes) {
            throw new FrameException(
                    Reason.MSG_TOO_LONG, "msg_len " + msgLen + " exceeds maxFrameBytes " + maxFrameBytes);
        }
        if (msgLen + blob > maxFrameBytes) {
            throw new FrameException(
                    Reason.BLOB_TOO_LONG,
                    "body of " + (msgLen + blob) + " bytes exceeds maxFrameBytes " + maxFrameBytes);
        }
        long total = Frames.RESPONSE_HEADER_LENGTH + msgLen + blob;
        if (readable < total) {
            return false;
        }
        this.buf = in;
        this.flag = f;
        this.errno = f == Frames.FLAG_ERRNO ? word : 0;
        this.seq = in.getLongLE(r + 8);
        this.msgIndex = r + Frames.RESPONSE_HEADER_LENGTH;
        this.msgLength = (int) msgLen;
        this.blobIndex = msgIndex + msgLength;
        this.blobLength = blob;
        in.readerIndex((int) (r + total));
        return true;
    }

    public long seq() {
        return seq;
    }

    /** {@link Frames#FLAG_OK}, {@link Frames#FLAG_ERRNO} or {@link Frames#FLAG_ERROR_STRING}. */
    public int flag() {
        return flag;
    }

    /** The errno of a flag-1 frame (unsigned 32 bits in an int). */
    public int errno() {
        return errno;
    }

    public int msgLength() {
        return msgLength;
    }

    /** The blob length of an ok frame, or the error text length of a flag-2 frame. */
    public int blobLength() {
        return blobLength;
    }

    /**
     * The msg of an ok frame, borrowed; when empty, the shared empty buffer (retain and release do
     * nothing to it), not a new slice object per call.
     */
    public ByteBuf msg() {
        return msgLength == 0 ? Unpooled.EMPTY_BUFFER : buf.slice(msgIndex, msgLength);
    }

    /**
     * Appends the msg's bytes to {@code dst}, straight from the decoded buffer, with no slice object.
     *
     * @since 0.3
     */
    public void copyMsgTo(ByteBuf dst) {
        dst.writeBytes(buf, msgIndex, msgLength);
    }

    /**
     * The blob of an ok frame, or the error text of a flag-2 frame, borrowed; when empty, the shared
     * empty buffer, as for {@link #msg()}. Most replies carry no blob; its slice showed in allocation
     * profiles of the virtual-thread client where escape analysis had not removed it.
     */
    public ByteBuf blob() {
        return blobLength == 0 ? Unpooled.EMPTY_BUFFER : buf.slice(blobIndex, blobLength);
    }

    /** {@link #blob()} as a retained slice: the caller releases it. */
    public ByteBuf retainedBlob() {
        return buf.retainedSlice(blobIndex, blobLength);
    }

    /** {@link #msg()} as a retained slice: the caller releases it. */
    public ByteBuf retainedMsg() {
        return buf.retainedSlice(msgIndex, msgLength);
    }

    /** Reads the error text bytes of a flag-2 frame into a new array. */
    public byte[] errorBytes() {
        byte[] b = new byte[blobLength];
        buf.getBytes(blobIndex, b);
        return b;
    }

    /** Whether the error text of a flag-2 frame equals {@code ascii} exactly; allocates nothing. */
    public boolean errorTextEquals(byte[] ascii) {
        if (blobLength != ascii.length) {
            return false;
        }
        for (int i = 0; i < ascii.length; i++) {
            if (buf.getByte(blobIndex + i) != ascii[i]) {
                return false;
            }
        }
        return true;
    }
}
