package io.occams.rpc.codec.internal;

import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.msgpack.core.MessageFormat;
import org.msgpack.core.MessageIntegerOverflowException;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.core.buffer.MessageBuffer;
import org.msgpack.core.buffer.MessageBufferInput;
import org.msgpack.value.ValueType;

/**
 * One decoding in progress: a msgpack-core unpacker over the readable bytes of a {@link ByteBuf}.
 *
 * <p>The unpacker reads a heap buffer's array in place, and a direct buffer's memory in place where
 * msgpack-core may (see {@link #probeDirect}); anything else (direct buffers by default, composite
 * buffers) is copied through one reused {@value #CHUNK}-byte array, never whole. Inputs of at most
 * {@value #SMALL} bytes are always copied into that array (cheaper than a wrapper per decoding).
 * Because the whole input is known up front, {@link #remaining()} is
 * exact, and every length header is checked against it before anything is allocated: a str, bin,
 * array or map header that claims more than the bytes that follow fails at once.
 *
 * <p>Pooled ({@link Pool}) and used by one thread at a time: {@link #begin} to {@link #end}.
 */
final class In implements MessageBufferInput {
    private static final MessagePack.UnpackerConfig CONFIG = new MessagePack.UnpackerConfig().withBufferSize(64);
    private static final int SCRATCH = 256;
    private static final int CHUNK = 8192;
    /** Inputs up to this many bytes are copied into the chunk rather than wrapped. */
    private static final int SMALL = 256;

    private static final boolean DIRECT_IN_PLACE = probeDirect();
    private static final int KEEP_AT_MOST = 64 * 1024;

    final MessageUnpacker unpacker;
    int maxDepth;
    /** The whole input, when msgpack-core reads it in place (heap buffers, and direct ones where allowed). */
    private MessageBuffer pending;
    /** Otherwise the input is copied chunk by chunk from here. */
    private ByteBuf source;

    private int sourcePos;
    private int sourceEnd;
    private final byte[] chunk = new byte[CHUNK];
    private final MessageBuffer fullChunk = MessageBuffer.wrap(chunk);
    /** Views of the first n bytes of {@link #chunk}, made when first needed, for inputs of n <= {@value #SMALL} bytes. */
    private final MessageBuffer[] smallViews = new MessageBuffer[SMALL + 1];

    private long limit;
    /** The input of this decoding and where its readable bytes start (for {@link #readSlice}). */
    private ByteBuf input;

    private int inputStart;
    /** Holds str payloads and map keys while they are matched or turned into a String. */
    private byte[] scratch = new byte[SCRATCH];

    In() {
        unpacker = CONFIG.newUnpacker(this);
    }

    void begin(ByteBuf in, int maxDepth) throws IOException {
        this.maxDepth = maxDepth;
        int len = in.readableBytes();
        int from = in.readerIndex();
        limit = len;
        input = in;
        inputStart = from;
        if (len <= SMALL) {
            // A small input (every argument list and result of a typical call) is copied into the chunk
            // and read through a view of the chunk made once per length: no wrapper per decoding.
            in.getBytes(from, chunk, 0, len);
            pending = small(len);
        } else if (in.hasArray()) {
            pending = MessageBuffer.wrap(in.array(), in.arrayOffset() + from, len);
        } else if (DIRECT_IN_PLACE && in.nioBufferCount() == 1) {
            pending = MessageBuffer.wrap(in.nioBuffer(from, len));
        } else {
            source = in;
            sourcePos = from;
            sourceEnd = from + len;
        }
        unpacker.reset(this);
    }

    /** How many bytes the decoding consumed. */
    long consumed() {
        return unpacker.getTotalReadBytes();
    }

    void end() throws IOException {
        pending = null;
        source = null;
        input = null;
        unpacker.reset(this);
        if (scratch.length > KEEP_AT_MOST) {
            scratch = new byte[SCRATCH];
        }
    }

    @Override
    public MessageBuffer next() {
        MessageBuffer b = pending;
        if (b != null) {
            pending = null;
            return b;
        }
        if (source == null || sourcePos >= sourceEnd) {
            return null;
        }
        // The unpacker copies what it still needs of a chunk before it asks for the next one,
        // so one array serves every chunk.
        int n = Math.min(CHUNK, sourceEnd - sourcePos);
        source.getBytes(sourcePos, chunk, 0, n);
        sourcePos += n;
        return n == CHUNK ? fullChunk : MessageBuffer.wrap(chunk, 0, n);
    }

    private MessageBuffer small(int len) {
        MessageBuffer b = smallViews[len];
        if (b == null) {
            b = MessageBuffer.wrap(chunk, 0, len);
            smallViews[len] = b;
        }
        return b;
    }

    /**
     * Whether msgpack-core can read a direct NIO buffer in place. It needs {@code sun.nio.ch} opened
     * to it ({@code --add-opens java.base/sun.nio.ch=ALL-UNNAMED}, or to {@code msgpack.core} on the
     * module path); without that, direct buffers are copied through {@link #CHUNK}-byte chunks.
     */
    private static boolean probeDirect() {
        try {
            MessageBuffer.wrap(ByteBuffer.allocateDirect(1));
            return true;
        } catch (LinkageError | RuntimeException e) {
            return false;
        }
    }

    @Override
    public void close() {}

    long remaining() {
        return limit - unpacker.getTotalReadBytes();
    }

    void checkDepth(int depth) {
        if (depth >= maxDepth) {
            throw CodecFailure.decode("value nested deeper than " + maxDepth + " levels");
        }
    }

    MessageFormat peek() throws IOException {
        if (remaining() <= 0) {
            throw CodecFailure.decode("truncated: a value was expected after byte " + consumed());
        }
        MessageFormat f = unpacker.getNextFormat();
        if (f == MessageFormat.NEVER_USED) {
            throw CodecFailure.decode("byte 0xc1 at offset " + consumed() + " is not msgpack");
        }
        return f;
    }

    static CodecFailure mismatch(String expected, MessageFormat got) {
        return CodecFailure.decode("expected " + expected + ", got " + describe(got));
    }

    static String describe(MessageFormat f) {
        switch (f.getValueType()) {
            case NIL:
                return "nil";
            case BOOLEAN:
                return "bool";
            case INTEGER:
                return "integer";
            case FLOAT:
                return "float";
            case STRING:
                return "str";
            case BINARY:
                return "bin";
            case ARRAY:
                return "array";
            case MAP:
                return "map";
            default:
                return "ext";
        }
    }

    /** Reads any msgpack integer as a long; {@code target} names the Java type for messages. */
    long readLong(MessageFormat f, String target) throws IOException {
        if (f.getValueType() != ValueType.INTEGER) {
            throw mismatch(target, f);
        }
        try {
            return unpacker.unpackLong();
        } catch (MessageIntegerOverflowException e) {
            throw CodecFailure.decode("integer " + e.getBigInteger() + " out of range for " + target);
        }
    }

    /** Reads an integer and checks it against {@code [min, max]}. */
    long readLong(MessageFormat f, String target, long min, long max) throws IOException {
        long v = readLong(f, target);
        if (v < min || v > max) {
            throw CodecFailure.decode("integer " + v + " out of range for " + target);
        }
        return v;
    }

    double readDouble(MessageFormat f, String target) throws IOException {
        switch (f.getValueType()) {
            case FLOAT:
                return unpacker.unpackDouble();
            case INTEGER:
                return readLong(f, target);
            default:
                throw mismatch(target, f);
        }
    }

    /** An array header, checked against the bytes left (every element takes at least one). */
    int arrayHeader() throws IOException {
        int n = unpacker.unpackArrayHeader();
        claim(n, 1, "array");
        return n;
    }

    /** A map header, checked against the bytes left (every entry takes at least two). */
    int mapHeader() throws IOException {
        int n = unpacker.unpackMapHeader();
        claim(n, 2, "map");
        return n;
    }

    /** A str or bin header (either is accepted), checked against the bytes left. */
    int rawHeader(MessageFormat f, String target) throws IOException {
        int n;
        switch (f.getValueType()) {
            case STRING:
                n = unpacker.unpackRawStringHeader();
                claim(n, 1, "str");
                return n;
            case BINARY:
                n = unpacker.unpackBinaryHeader();
                claim(n, 1, "bin");
                return n;
            default:
                throw mismatch(target, f);
        }
    }

    private void claim(long n, int bytesEach, String what) {
        long left = remaining();
        if (n * bytesEach > left) {
            String unit = bytesEach == 2 ? " entries" : what.equals("array") ? " elements" : " bytes";
            throw CodecFailure.decode(what + " header claims " + n + unit + " but only " + left + " bytes follow");
        }
    }

    /** Reads {@code n} payload bytes (already checked by a header method) into the scratch array. */
    byte[] readToScratch(int n) throws IOException {
        if (scratch.length < n) {
            scratch = new byte[Math.max(n, scratch.length * 2)];
        }
        unpacker.readPayload(scratch, 0, n);
        return scratch;
    }

    /** A str (or bin) as a String; strict UTF-8. */
    String readString(MessageFormat f, String target) throws IOException {
        int n = rawHeader(f, target);
        if (n == 0) {
            return "";
        }
        if (n > KEEP_AT_MOST) {
            return readLargeString(n);
        }
        byte[] b = readToScratch(n);
        if (!Utf8.isValid(b, 0, n)) {
            throw CodecFailure.decode("str of " + n + " bytes is not valid UTF-8");
        }
        return new String(b, 0, n, StandardCharsets.UTF_8);
    }

    /**
     * A long str: made into a String straight from the input where it is a heap array (no scratch copy
     * of, say, 16 MiB that is garbage at once); from a direct input through one array of its own size.
     */
    private String readLargeString(int n) throws IOException {
        MessageBuffer ref = unpacker.readPayloadAsReference(n);
        byte[] b;
        int off;
        if (ref.hasArray()) {
            b = ref.array();
            off = ref.arrayOffset();
        } else {
            b = new byte[n];
            off = 0;
            ref.getBytes(0, b, 0, n);
        }
        if (!Utf8.isValid(b, off, n)) {
            throw CodecFailure.decode("str of " + n + " bytes is not valid UTF-8");
        }
        return new String(b, off, n, StandardCharsets.UTF_8);
    }

    /** A bin (or str) as a fresh byte array. */
    byte[] readBytes(MessageFormat f, String target) throws IOException {
        int n = rawHeader(f, target);
        byte[] b = new byte[n];
        unpacker.readPayload(b, 0, n);
        return b;
    }

    /**
     * A bin (or str) as a slice of the input, no copy: borrowed, valid as long as the input's bytes are.
     * The payload is skipped, not read, so a chunked input is walked through the chunk array and nothing
     * of the payload's size is allocated.
     */
    ByteBuf readSlice(MessageFormat f, String target) throws IOException {
        int header;
        switch (f) {
            case FIXSTR:
                header = 1;
                break;
            case BIN8:
            case STR8:
                header = 2;
                break;
            case BIN16:
            case STR16:
                header = 3;
                break;
            case BIN32:
            case STR32:
                header = 5;
                break;
            default:
                throw mismatch(target, f);
        }
        long at = consumed();
        unpacker.skipValue(); // the header says how long; a payload that runs past the input fails here
        long n = consumed() - at - header;
        return input.slice(inputStart + (int) (at + header), (int) n);
    }

    void skip() throws IOException {
        unpacker.skipValue();
    }
}
