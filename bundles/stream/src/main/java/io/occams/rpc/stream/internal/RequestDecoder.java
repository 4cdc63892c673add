package io.occams.rpc.stream.internal;

import io.netty.buffer.ByteBuf;
import io.occams.rpc.stream.FrameException;
import io.occams.rpc.stream.FrameException.Reason;
import io.occams.rpc.stream.Frames;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Reads request frames (spec §2.2) out of a byte stream, a cursor over one frame at a time. Every
 * length is checked against the limits as soon as the 32-byte header is readable, before waiting
 * for, or allocating, anything it announces.
 *
 * <pre>{@code
 * RequestDecoder d = new RequestDecoder(16 << 20, 1024);
 * while (d.next(in)) {                 // a whole frame was readable; in's reader index moved past it
 *     if (d.isPing()) { ... } else handle(d.seq(), d.action(), d.retainedMsg(), d.retainedBlob());
 * }                                    // false: the rest of the frame has not arrived yet
 * }</pre>
 *
 * <p>The accessors describe the frame returned by the last {@link #next} and read from the same
 * buffer, so they are valid until that buffer's read bytes are discarded. Not thread-safe: one per
 * connection, used by its reader.
 */
public final class RequestDecoder {
    private static final int ACTION_CACHE_SIZE = 64;
    private static final VarHandle LONG_LE =
            MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private final int maxFrameBytes;
    private final int maxActionBytes;
    // A small cache of recently seen string actions, so a connection that calls the same methods
    // over and over decodes no string and allocates nothing per frame.
    // Slot i holds an action as its length followed by the words decodeAction compares (null: empty),
    // and its String. Two arrays of 64 references, as before: the server has one decoder per connection.
    private final long[][] cachedActionWords = new long[ACTION_CACHE_SIZE][];
    private final String[] cachedActions = new String[ACTION_CACHE_SIZE];
    private CharsetDecoder utf8;

    private ByteBuf buf;
    private long seq;
    private long clientId;
    private int rawAction;
    private int actionIndex;
    private int actionLength;
    private int msgIndex;
    private int msgLength;
    private int blobIndex;
    private int blobLength;
    private String action;
    /** The length of the incomplete frame whose header the last {@link #next} checked, or 0. */
    private long pendingLength;

    /**
     * @param maxFrameBytes the largest msg + blob accepted
     * @param maxActionBytes the longest string action accepted
     */
    public RequestDecoder(int maxFrameBytes, int maxActionBytes) {
        if (maxFrameBytes < 0 || maxActionBytes <= 0) {
            throw new IllegalArgumentException("limits must be positive");
        }
        this.maxFrameBytes = maxFrameBytes;
        this.maxActionBytes = maxActionBytes;
    }

    /**
     * Checks the header at {@code in}'s reader index (as soon as 32 bytes are there) and, when the whole
     * frame is readable, moves the reader index past it and returns true. Returns false and leaves
     * {@code in} as it was when more bytes are needed.
     *
     * @throws FrameException when the header is bad or a length exceeds a limit; the stream is then
     *         out of step and must be closed
     */
    public boolean next(ByteBuf in) {
        int readable = in.readableBytes();
        pendingLength = 0;
        if (readable < Frames.REQUEST_HEADER_LENGTH) {
            if (readable >= 3) {
                checkMagicAndVersion(in); // refuse garbage without waiting for a whole header
            }
            return false;
        }
        checkMagicAndVersion(in);
        int r = in.readerIndex();
        int act = in.getIntLE(r + 4);
        long msgLen = in.getUnsignedIntLE(r + 24);
        long blobLen = in.getUnsignedIntLE(r + 28);
        int actLen = 0;
        if ((act & Frames.STRING_ACTION_FLAG) != 0) {
            actLen = act & ~Frames.STRING_ACTION_FLAG;
            if (actLen == 0 || actLen > maxActionBytes) {
                throw new FrameException(
                        Reason.ACTION_TOO_LONG, "string action of " + actLen + " bytes (limit " + maxActionBytes + ")");
            }
        }
        if (blobLen > Integer.MAX_VALUE) {
            throw new FrameException(Reason.NEGATIVE_LENGTH, "blob_len " + blobLen + " has the top bit set");
        }
        if (msgLen > maxFrameBytes) {
            throw new FrameException(
                    Reason.MSG_TOO_LONG, "msg_len " + msgLen + " exceeds maxFrameBytes " + maxFrameBytes);
        }
        if (msgLen + blobLen > maxFrameBytes) {
            throw new FrameException(
                    Reason.BLOB_TOO_LONG,
                    "msg_len " + msgLen + " + blob_len " + blobLen + " exceeds maxFrameBytes " + maxFrameBytes);
        }
        long total = Frames.REQUEST_HEADER_LENGTH + (long) actLen + msgLen + blobLen;
        if (readable < total) {
            pendingLength = total;
            return false;
        }
        this.buf = in;
        this.rawAction = act;
        this.seq = in.getLongLE(r + 8);
        this.clientId = in.getLongLE(r + 16);
        this.actionIndex = r + Frames.REQUEST_HEADER_LENGTH;
        this.actionLength = actLen;
        this.msgIndex = actionIndex + actLen;
        this.msgLength = (int) msgLen;
        this.blobIndex = msgIndex + msgLength;
        this.blobLength = (int) blobLen;
        this.action = actLen == 0 ? null : decodeAction(in, actionIndex, actLen);
        in.readerIndex((int) (r + total));
        return true;
    }

    /**
     * After {@link #next} returned false: the whole length (header included) of the frame it is waiting
     * for when that frame's header was readable and checked against the limits (so at most {@code 32 +
     * maxActionBytes + maxFrameBytes}), else 0. A reader may allocate a buffer of this length for it.
     */
    public long pendingFrameLength() {
        return pendingLength;
    }

    /** The frame's sequence number. */
    public long seq() {
        return seq;
    }

    /** The frame's client id (not used by the server, spec §2.2). */
    public long clientId() {
        return clientId;
    }

    /** Whether the frame is a ping: numeric action 0 with an empty msg (spec §2.5). */
    public boolean isPing() {
        return rawAction == Frames.PING_ACTION && msgLength == 0;
    }

    public boolean hasStringAction() {
        return actionLength != 0;
    }

    /** The numeric action, or -1 for a string action. */
    public int numericAction() {
        return actionLength != 0 ? -1 : rawAction;
    }

    /** The string action (checked UTF-8), or null for a numeric action. */
    public String action() {
        return action;
    }

    public int msgLength() {
        return msgLength;
    }

    public int blobLength() {
        return blobLength;
    }

    /** The msg, borrowed from the decoded buffer. */
    public ByteBuf msg() {
        return buf.slice(msgIndex, msgLength);
    }

    /**
     * Appends the msg's bytes to {@code dst}, straight from the decoded buffer: no slice object, which
     * {@link #msg()} costs a caller where escape analysis does not remove it (the server's copy of each
     * small msg was 41 of the 41 bytes of garbage per call on the Netty runtime, issue 21).
     *
     * @since 0.3
     */
    public void copyMsgTo(ByteBuf dst) {
        dst.writeBytes(buf, msgIndex, msgLength);
    }

    /** The msg as a retained slice: the caller releases it. */
    public ByteBuf retainedMsg() {
        return buf.retainedSlice(msgIndex, msgLength);
    }

    /** The blob, borrowed from the decoded buffer. */
    public ByteBuf blob() {
        return buf.slice(blobIndex, blobLength);
    }

    /** The blob as a retained slice, no copy: the caller releases it. */
    public ByteBuf retainedBlob() {
        return buf.retainedSlice(blobIndex, blobLength);
    }

    /*
     * The cache is looked up 8 bytes at a time: an action of n bytes is read as the little-endian
     * words at 0, 8, ... and, when n is not a multiple of 8, one last word that ends at n (it overlaps
     * the word before it when n > 8; below 8 bytes it is the int, short and byte that make up n). Every
     * byte of the action is in some word, so equal lengths and equal words mean equal bytes; nothing
     * past the action is read. A ByteBuf access checks bounds and the reference count each time, so
     * this is about 8x fewer checks than reading byte by byte (FramesBench.decodeRequest).
     */
    private String decodeAction(ByteBuf in, int index, int length) {
        int slot = actionSlot(in, index, length);
        long[] known = cachedActionWords[slot];
        if (known != null && known[0] == length && sameWords(in, index, length, known)) {
            return cachedActions[slot];
        }
        byte[] bytes = new byte[length];
        in.getBytes(index, bytes);
        String s = strictUtf8(bytes); // throws before anything is cached
        cachedActionWords[slot] = words(bytes);
        cachedActions[slot] = s;
        return s;
    }

    /** The cache slot of the {@code length} bytes at {@code index}; package-private for tests. */
    static int actionSlot(ByteBuf in, int index, int length) {
        long h = length;
        int full = length & ~7;
        for (int i = 0; i < full; i += 8) {
            h = (h ^ in.getLongLE(index + i)) * 0x9E3779B97F4A7C15L;
        }
        if ((length & 7) != 0) {
            h = (h ^ lastWord(in, index, length)) * 0x9E3779B97F4A7C15L;
        }
        int x = (int) (h ^ (h >>> 32));
        return (x ^ (x >>> 16)) & (ACTION_CACHE_SIZE - 1);
    }

    private static long lastWord(ByteBuf in, int index, int length) {
        if (length >= 8) {
            return in.getLongLE(index + length - 8);
        }
        long w = 0;
        int off = 0;
        if ((length & 4) != 0) {
            w = in.getIntLE(index) & 0xFFFF_FFFFL;
            off = 4;
        }
        if ((length & 2) != 0) {
            w |= (in.getShortLE(index + off) & 0xFFFFL) << (off << 3);
            off += 2;
        }
        if ((length & 1) != 0) {
            w |= (in.getByte(index + off) & 0xFFL) << (off << 3);
        }
        return w;
    }

    private static boolean sameWords(ByteBuf in, int index, int length, long[] known) {
        int full = length & ~7;
        int k = 1;
        for (int i = 0; i < full; i += 8) {
            if (in.getLongLE(index + i) != known[k++]) {
                return false;
            }
        }
        return (length & 7) == 0 || lastWord(in, index, length) == known[k];
    }

    /** The length, then the words {@link #sameWords} compares against; made once per cache miss. */
    private static long[] words(byte[] bytes) {
        int n = bytes.length;
        int full = n & ~7;
        long[] w = new long[1 + ((n + 7) >>> 3)];
        w[0] = n;
        int k = 1;
        for (int i = 0; i < full; i += 8) {
            w[k++] = (long) LONG_LE.get(bytes, i);
        }
        if ((n & 7) != 0) {
            if (n >= 8) {
                w[k] = (long) LONG_LE.get(bytes, n - 8);
            } else {
                long v = 0;
                for (int i = 0; i < n; i++) {
                    v |= (bytes[i] & 0xFFL) << (i << 3);
                }
                w[k] = v;
            }
        }
        return w;
    }

    private String strictUtf8(byte[] bytes) {
        if (utf8 == null) {
            utf8 = StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT);
        }
        try {
            CharBuffer cb = utf8.reset().decode(ByteBuffer.wrap(bytes));
            return cb.toString();
        } catch (CharacterCodingException e) {
            throw new FrameException(Reason.ACTION_NOT_UTF8, "string action is not valid UTF-8");
        }
    }

    /** Checks magic and version at {@code in}'s reader index (at least 3 bytes readable). */
    static void checkMagicAndVersion(ByteBuf in) {
        int r = in.readerIndex();
        int magic = in.getUnsignedShortLE(r);
        if (magic != Frames.MAGIC) {
            throw new FrameException(
                    Reason.BAD_MAGIC, String.format("expected 25 4d, got %02x %02x", magic & 0xff, magic >>> 8));
        }
        int ver = in.getUnsignedByte(r + 2);
        if (ver != Frames.VERSION) {
            throw new FrameException(Reason.BAD_VERSION, "expected version 1, got " + ver);
        }
    }
}
