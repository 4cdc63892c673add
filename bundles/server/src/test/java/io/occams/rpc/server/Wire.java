package io.occams.rpc.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.occams.rpc.stream.Frames;
import io.occams.rpc.testkit.RawPeer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/** Request frames built with {@link Frames} and reply frames read byte for byte from a raw socket. */
final class Wire {
    private Wire() {}

    static byte[] hex(String h) {
        return HexFormat.of().parseHex(h.replace(" ", ""));
    }

    static String hex(byte[] b) {
        return HexFormat.ofDelimiter(" ").formatHex(b);
    }

    /** A request frame for string action {@code action} with {@code msg}, client id 0, no blob. */
    static byte[] request(long seq, String action, byte[] msg) {
        byte[] a = action.getBytes(StandardCharsets.UTF_8);
        ByteBuf out = Unpooled.buffer();
        try {
            Frames.writeRequestHeader(out, Frames.stringAction(a.length), seq, 0, msg.length, 0);
            out.writeBytes(a).writeBytes(msg);
            return ByteBufUtil.getBytes(out);
        } finally {
            out.release();
        }
    }

    /** A request frame with numeric action {@code action}. */
    static byte[] numericRequest(long seq, int action, byte[] msg) {
        ByteBuf out = Unpooled.buffer();
        try {
            Frames.writeRequestHeader(out, Frames.numericAction(action), seq, 0, msg.length, 0);
            out.writeBytes(msg);
            return ByteBufUtil.getBytes(out);
        } finally {
            out.release();
        }
    }

    /** A whole reply frame as read: the 20-byte header plus its body. */
    record Frame(byte[] bytes) {
        long seq() {
            return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(8);
        }

        int flag() {
            return bytes[3];
        }

        int msgLenOrErrno() {
            return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getInt(4);
        }

        /** The body after the header (msg+blob, or the error text). */
        byte[] body() {
            return java.util.Arrays.copyOfRange(bytes, Frames.RESPONSE_HEADER_LENGTH, bytes.length);
        }

        String text() {
            return new String(body(), StandardCharsets.UTF_8);
        }

        String hex() {
            return Wire.hex(bytes);
        }
    }

    /** Writes a request for string action {@code action} with the msg {@code msgHex}, reads the reply and checks it echoes {@code seq}. */
    static Frame call(RawPeer peer, long seq, String action, String msgHex) throws IOException {
        peer.write(request(seq, action, hex(msgHex)));
        Frame f = read(peer);
        if (f.seq() != seq) {
            throw new AssertionError("reply to seq " + f.seq() + ", expected " + seq);
        }
        return f;
    }

    /** Reads one reply frame. */
    static Frame read(RawPeer peer) throws IOException {
        byte[] head = peer.readExactly(Frames.RESPONSE_HEADER_LENGTH);
        ByteBuffer h = ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN);
        int flag = head[3];
        int body = flag == Frames.FLAG_OK
                ? h.getInt(4) + h.getInt(16)
                : flag == Frames.FLAG_ERROR_STRING ? h.getInt(16) : 0;
        byte[] rest = body == 0 ? new byte[0] : peer.readExactly(body);
        byte[] all = new byte[head.length + rest.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(rest, 0, all, head.length, rest.length);
        return new Frame(all);
    }

    /** The exact bytes of an ok reply carrying {@code msg}. */
    static String okReply(long seq, String msgHex) {
        byte[] msg = hex(msgHex);
        ByteBuf out = Unpooled.buffer();
        try {
            Frames.writeResponseHeader(out, Frames.FLAG_OK, msg.length, seq, 0);
            out.writeBytes(msg);
            return hex(ByteBufUtil.getBytes(out));
        } finally {
            out.release();
        }
    }

    /** The exact bytes of an errno reply. */
    static String errnoReply(long seq, int errno) {
        ByteBuf out = Unpooled.buffer();
        try {
            Frames.writeResponseHeader(out, Frames.FLAG_ERRNO, errno, seq, 0);
            return hex(ByteBufUtil.getBytes(out));
        } finally {
            out.release();
        }
    }

    /** The exact bytes of a string-error reply. */
    static String errorReply(long seq, String text) {
        byte[] t = text.getBytes(StandardCharsets.UTF_8);
        ByteBuf out = Unpooled.buffer();
        try {
            Frames.writeResponseHeader(out, Frames.FLAG_ERROR_STRING, 0, seq, t.length);
            out.writeBytes(t);
            return hex(ByteBufUtil.getBytes(out));
        } finally {
            out.release();
        }
    }
}
