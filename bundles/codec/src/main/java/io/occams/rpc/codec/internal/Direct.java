package io.occams.rpc.codec.internal;

import io.netty.buffer.ByteBuf;

/**
 * The msgpack forms of nil, booleans and integers, written to and read from a {@link ByteBuf} in place,
 * without a pooled session or msgpack-core: the path of every argument list and result made of such
 * scalars (a typical call), which would otherwise pay a session from the {@link Pool}, an unpacker reset
 * and a copy for a handful of bytes.
 *
 * <p>The bytes are exactly msgpack-core's ({@code MessagePacker.packLong}: the smallest form, unsigned
 * forms for values of at least 128, signed ones below -32):
 * <pre>
 *  0xxxxxxx                 positive fixint 0..127      111xxxxx               negative fixint -32..-1
 *  cc XX                    uint8 128..255              d0 XX                  int8  -128..-33
 *  cd XX XX                 uint16 ..65535              d1 XX XX               int16 ..-129
 *  ce XX XX XX XX           uint32 ..2^32-1             d2 XX XX XX XX         int32 ..-32769
 *  cf XX*8                  uint64 (to Long.MAX_VALUE)  d3 XX*8                int64 ..Long.MIN_VALUE
 *  c0 nil                   c2 false                    c3 true                (big-endian throughout)
 * </pre>
 * Reading accepts any of these widths; what it does not handle (another format, a uint64 beyond
 * {@code Long.MAX_VALUE}, a value out of the target's range, truncated input) it leaves to the session
 * path, which decodes it or fails with its usual message. Stateless.
 */
final class Direct {
    static final int NIL = 0xc0;
    static final int FALSE = 0xc2;
    static final int TRUE = 0xc3;
    static final int FIXARRAY = 0x90;

    private Direct() {}

    /** Appends {@code v} in its smallest msgpack integer form, as msgpack-core's {@code packLong} does. */
    static void writeLong(ByteBuf out, long v) {
        if (v < -(1L << 5)) {
            if (v < -(1L << 15)) {
                if (v < -(1L << 31)) {
                    out.writeByte(0xd3).writeLong(v);
                } else {
                    out.writeByte(0xd2).writeInt((int) v);
                }
            } else if (v < -(1 << 7)) {
                out.writeByte(0xd1).writeShort((int) v);
            } else {
                out.writeByte(0xd0).writeByte((int) v);
            }
        } else if (v < (1 << 7)) {
            out.writeByte((int) v);
        } else if (v < (1L << 16)) {
            if (v < (1 << 8)) {
                out.writeByte(0xcc).writeByte((int) v);
            } else {
                out.writeByte(0xcd).writeShort((int) v);
            }
        } else if (v < (1L << 32)) {
            out.writeByte(0xce).writeInt((int) v);
        } else {
            out.writeByte(0xcf).writeLong(v);
        }
    }

    /** The encoded length of the integer whose first byte is {@code b}: 1 to 9; 0 when {@code b} starts no integer. */
    static int integerLength(byte b) {
        if (b >= -32) {
            return 1; // positive or negative fixint
        }
        switch (b & 0xff) {
            case 0xcc:
            case 0xd0:
                return 2;
            case 0xcd:
            case 0xd1:
                return 3;
            case 0xce:
            case 0xd2:
                return 5;
            case 0xcf:
            case 0xd3:
                return 9;
            default:
                return 0;
        }
    }

    /**
     * The integer of {@code len} bytes ({@link #integerLength}) at {@code at}, whose first byte is {@code b};
     * a uint64 beyond {@code Long.MAX_VALUE} comes back negative, and the caller must refuse it.
     */
    static long integerAt(ByteBuf in, int at, byte b) {
        switch (b & 0xff) {
            case 0xcc:
                return in.getUnsignedByte(at + 1);
            case 0xcd:
                return in.getUnsignedShort(at + 1);
            case 0xce:
                return in.getUnsignedInt(at + 1);
            case 0xcf:
            case 0xd3:
                return in.getLong(at + 1);
            case 0xd0:
                return in.getByte(at + 1);
            case 0xd1:
                return in.getShort(at + 1);
            case 0xd2:
                return in.getInt(at + 1);
            default:
                return b; // fixint
        }
    }
}
