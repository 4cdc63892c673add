package io.occams.rpc.stream;

import io.netty.buffer.ByteBuf;

/**
 * The occams-rpc 0.2 frame layout (spec §2), little-endian, packed.
 *
 * <pre>
 * request  = ReqHead(32) + action bytes (string actions only) + msg + blob
 *   0      2     3      4        8         16          24        28        32
 *   +------+-----+------+--------+---------+-----------+---------+---------+
 *   |magic | ver |format| action |   seq   | client_id | msg_len |blob_len |
 *   | u16  | u8  |  u8  |  u32   |   u64   |    u64    |   u32   |   u32   |
 *   +------+-----+------+--------+---------+-----------+---------+---------+
 *   action: n (0..2^31-1) for a numeric action, len(s) | 0x8000_0000 for a string action s
 *
 * response = RespHead(20) + body
 *   0      2     3      4                8         16        20
 *   +------+-----+------+----------------+---------+---------+
 *   |magic | ver | flag | msg_len/errno  |   seq   |blob_len |
 *   | u16  | u8  |  u8  |      u32       |   u64   |   i32   |
 *   +------+-----+------+----------------+---------+---------+
 *   flag 0: msg_len bytes of msg, blob_len bytes of blob
 *   flag 1: no body; the u32 at offset 4 is the errno
 *   flag 2: blob_len bytes of error text (an rpc_* name for framework errors)
 * </pre>
 *
 * <p>Static helpers only; thread-safe. The writers append to the given buffer (borrowed).
 */
public final class Frames {
    /** {@code 0x4D25}, on the wire {@code 25 4d} ("%M"). */
    public static final int MAGIC = 0x4D25;
    /** The only version: 1. */
    public static final int VERSION = 1;
    /** The format byte written (msgpack); readers ignore it. */
    public static final int FORMAT_MSGPACK = 0;

    public static final int REQUEST_HEADER_LENGTH = 32;
    public static final int RESPONSE_HEADER_LENGTH = 20;
    /** Set in {@code action} for a string action. */
    public static final int STRING_ACTION_FLAG = 0x8000_0000;
    /** Numeric action 0 with an empty msg is a ping. */
    public static final int PING_ACTION = 0;

    public static final int FLAG_OK = 0;
    public static final int FLAG_ERRNO = 1;
    public static final int FLAG_ERROR_STRING = 2;

    private Frames() {}

    /**
     * The wire value of numeric action {@code n}.
     *
     * @throws FrameException {@code NUMERIC_ACTION_OUT_OF_RANGE} when {@code n} is negative: its top bit
     *         would turn it into a string action on the wire (spec §12.6)
     */
    public static int numericAction(int n) {
        if (n < 0) {
            throw new FrameException(
                    FrameException.Reason.NUMERIC_ACTION_OUT_OF_RANGE,
                    "numeric action " + n + " is negative; the legal range is 0.." + Integer.MAX_VALUE);
        }
        return n;
    }

    /** The wire value of a string action of {@code byteLength} UTF-8 bytes. */
    public static int stringAction(int byteLength) {
        if (byteLength <= 0) {
            throw new FrameException(FrameException.Reason.ACTION_TOO_LONG, "a string action must not be empty");
        }
        return byteLength | STRING_ACTION_FLAG;
    }

    /** Appends a 32-byte request header. {@code action} is already in wire form. */
    public static void writeRequestHeader(
            ByteBuf out, int action, long seq, long clientId, int msgLength, int blobLength) {
        if (blobLength < 0 || msgLength < 0) {
            throw new FrameException(
                    FrameException.Reason.NEGATIVE_LENGTH, "msg " + msgLength + ", blob " + blobLength);
        }
        out.ensureWritable(REQUEST_HEADER_LENGTH);
        int w = out.writerIndex();
        // Four little-endian longs, not eight fields: each set checks the index and the buffer's
        // reference count, a cost per call on the client (issue 21's profile).
        out.setLongLE(w, MAGIC | (long) VERSION << 16 | (long) FORMAT_MSGPACK << 24 | (action & 0xffff_ffffL) << 32);
        out.setLongLE(w + 8, seq);
        out.setLongLE(w + 16, clientId);
        out.setLongLE(w + 24, msgLength | (long) blobLength << 32);
        out.writerIndex(w + REQUEST_HEADER_LENGTH);
    }

    /** Appends a ping request: numeric action 0, no msg, no blob. */
    public static void writePing(ByteBuf out, long seq, long clientId) {
        writeRequestHeader(out, PING_ACTION, seq, clientId, 0, 0);
    }

    /**
     * Appends a 20-byte response header. For {@link #FLAG_ERRNO} pass the errno as {@code msgLengthOrErrno}
     * and 0 as {@code blobLength}; for {@link #FLAG_ERROR_STRING} pass 0 and the text length.
     */
    public static void writeResponseHeader(ByteBuf out, int flag, int msgLengthOrErrno, long seq, int blobLength) {
        if (blobLength < 0) {
            throw new FrameException(FrameException.Reason.NEGATIVE_LENGTH, "blob " + blobLength);
        }
        out.ensureWritable(RESPONSE_HEADER_LENGTH);
        int w = out.writerIndex();
        out.setLongLE(w, MAGIC | (long) VERSION << 16 | (flag & 0xffL) << 24 | (msgLengthOrErrno & 0xffff_ffffL) << 32);
        out.setLongLE(w + 8, seq);
        out.setIntLE(w + 16, blobLength);
        out.writerIndex(w + RESPONSE_HEADER_LENGTH);
    }
}
