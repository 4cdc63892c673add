package io.occams.rpc.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.occams.rpc.stream.internal.RequestDecoder;
import io.occams.rpc.stream.internal.ResponseDecoder;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The worked frames of spec §2.7, byte for byte, in both directions. */
class GoldenFramesTest {
    private final ByteBuf out = Unpooled.buffer();
    private final RequestDecoder requests = new RequestDecoder(16 << 20, 1024);
    private final ResponseDecoder responses = new ResponseDecoder(16 << 20);

    @AfterEach
    void release() {
        out.release();
    }

    static ByteBuf hex(String s) {
        return Unpooled.wrappedBuffer(ByteBufUtil.decodeHexDump(s.replace(" ", "")));
    }

    static String hexOf(ByteBuf b) {
        return ByteBufUtil.hexDump(b).replaceAll("(..)(?!$)", "$1 ");
    }

    @Test
    void pingRequestAndReplyMatchFrameOne() {
        Frames.writePing(out, 1, 7);
        assertThat(hexOf(out))
                .isEqualTo(
                        "25 4d 01 00 00 00 00 00 01 00 00 00 00 00 00 00 07 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00");
        assertThat(requests.next(out)).isTrue();
        assertThat(requests.isPing()).isTrue();
        assertThat(requests.seq()).isEqualTo(1);
        assertThat(requests.clientId()).isEqualTo(7);
        assertThat(out.isReadable()).isFalse();

        ByteBuf reply = Unpooled.buffer();
        Frames.writeResponseHeader(reply, Frames.FLAG_OK, 0, 1, 0);
        assertThat(hexOf(reply)).isEqualTo("25 4d 01 00 00 00 00 00 01 00 00 00 00 00 00 00 00 00 00 00");
        assertThat(responses.next(reply)).isTrue();
        assertThat(responses.flag()).isEqualTo(Frames.FLAG_OK);
        assertThat(responses.seq()).isEqualTo(1);
        assertThat(responses.msgLength()).isZero();
        reply.release();
    }

    @Test
    void calcAddRequestAndReplyMatchFrameTwo() {
        byte[] action = "Calc.add".getBytes(StandardCharsets.UTF_8);
        Frames.writeRequestHeader(out, Frames.stringAction(action.length), 2, 0, 3, 0);
        out.writeBytes(action).writeBytes(new byte[] {(byte) 0x92, 0x0a, 0x14});
        assertThat(hexOf(out))
                .isEqualTo(
                        "25 4d 01 00 08 00 00 80 02 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 03 00 00 00 00 00 00 00"
                                + " 43 61 6c 63 2e 61 64 64 92 0a 14");
        assertThat(requests.next(out)).isTrue();
        assertThat(requests.isPing()).isFalse();
        assertThat(requests.hasStringAction()).isTrue();
        assertThat(requests.action()).isEqualTo("Calc.add");
        assertThat(requests.numericAction()).isEqualTo(-1);
        assertThat(hexOf(requests.msg())).isEqualTo("92 0a 14");
        assertThat(requests.blobLength()).isZero();

        ByteBuf reply = Unpooled.buffer();
        Frames.writeResponseHeader(reply, Frames.FLAG_OK, 1, 2, 0);
        reply.writeByte(0x1e);
        assertThat(hexOf(reply)).isEqualTo("25 4d 01 00 01 00 00 00 02 00 00 00 00 00 00 00 00 00 00 00 1e");
        assertThat(responses.next(reply)).isTrue();
        assertThat(hexOf(responses.msg())).isEqualTo("1e");
        reply.release();
    }

    @Test
    void errnoReplyMatchesFrameThree() {
        Frames.writeResponseHeader(out, Frames.FLAG_ERRNO, 22, 3, 0);
        assertThat(hexOf(out)).isEqualTo("25 4d 01 01 16 00 00 00 03 00 00 00 00 00 00 00 00 00 00 00");
        assertThat(responses.next(out)).isTrue();
        assertThat(responses.flag()).isEqualTo(Frames.FLAG_ERRNO);
        assertThat(responses.errno()).isEqualTo(22);
        assertThat(responses.seq()).isEqualTo(3);
    }

    @Test
    void userStringErrorMatchesFrameFour() {
        byte[] text = "divide by zero".getBytes(StandardCharsets.UTF_8);
        Frames.writeResponseHeader(out, Frames.FLAG_ERROR_STRING, 0, 4, text.length);
        out.writeBytes(text);
        assertThat(hexOf(out))
                .isEqualTo("25 4d 01 02 00 00 00 00 04 00 00 00 00 00 00 00 0e 00 00 00"
                        + " 64 69 76 69 64 65 20 62 79 20 7a 65 72 6f");
        assertThat(responses.next(out)).isTrue();
        assertThat(responses.flag()).isEqualTo(Frames.FLAG_ERROR_STRING);
        assertThat(new String(responses.errorBytes(), StandardCharsets.UTF_8)).isEqualTo("divide by zero");
    }

    @Test
    void internalErrorMatchesFrameFive() {
        byte[] text = "rpc_method_notfound".getBytes(StandardCharsets.US_ASCII);
        Frames.writeResponseHeader(out, Frames.FLAG_ERROR_STRING, 0, 5, text.length);
        out.writeBytes(text);
        assertThat(hexOf(out.slice(0, 20))).isEqualTo("25 4d 01 02 00 00 00 00 05 00 00 00 00 00 00 00 13 00 00 00");
        assertThat(responses.next(out)).isTrue();
        assertThat(responses.errorTextEquals(text)).isTrue();
    }

    @Test
    void writeWithBlobMatchesFrameSix() {
        String msg = "83 a5 69 6e 6f 64 65 01 a6 6f 66 66 73 65 74 00 a3 6c 65 6e 03";
        Frames.writeRequestHeader(out, Frames.numericAction(3), 9, 0, 21, 3);
        out.writeBytes(ByteBufUtil.decodeHexDump(msg.replace(" ", ""))).writeBytes(new byte[] {1, 2, 3});
        assertThat(hexOf(out))
                .isEqualTo(
                        "25 4d 01 00 03 00 00 00 09 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 15 00 00 00 03 00 00 00 "
                                + msg + " 01 02 03");
        assertThat(requests.next(out)).isTrue();
        assertThat(requests.numericAction()).isEqualTo(3);
        assertThat(requests.seq()).isEqualTo(9);
        assertThat(hexOf(requests.msg())).isEqualTo(msg);
        assertThat(hexOf(requests.blob())).isEqualTo("01 02 03");
    }

    @Test
    void calServiceIncAndIoErrorMatchFrameSeven() {
        byte[] action = "CalService.inc".getBytes(StandardCharsets.UTF_8);
        Frames.writeRequestHeader(out, Frames.stringAction(action.length), 1, 0, 1, 0);
        out.writeBytes(action).writeByte(0x29);
        assertThat(out.getIntLE(4)).isEqualTo(0x8000000e);
        assertThat(requests.next(out)).isTrue();
        assertThat(requests.action()).isEqualTo("CalService.inc");
        assertThat(hexOf(requests.msg())).isEqualTo("29");

        ByteBuf reply = Unpooled.buffer();
        Frames.writeResponseHeader(reply, Frames.FLAG_OK, 1, 1, 0);
        reply.writeByte(0x2a);
        Frames.writeResponseHeader(reply, Frames.FLAG_ERRNO, 5, 2, 0);
        Frames.writeResponseHeader(reply, Frames.FLAG_OK, 1, 3, 0);
        reply.writeByte(0xc0);
        assertThat(responses.next(reply)).isTrue();
        assertThat(hexOf(responses.msg())).isEqualTo("2a");
        assertThat(responses.next(reply)).isTrue();
        assertThat(responses.errno()).isEqualTo(5);
        assertThat(responses.next(reply)).isTrue();
        assertThat(hexOf(responses.msg())).isEqualTo("c0");
        assertThat(responses.next(reply)).isFalse();
        reply.release();
    }

    @Test
    void framesSplitAtEveryByteDecodeTheSame() {
        byte[] action = "Calc.add".getBytes(StandardCharsets.UTF_8);
        Frames.writeRequestHeader(out, Frames.stringAction(action.length), 2, 0, 3, 2);
        out.writeBytes(action).writeBytes(new byte[] {(byte) 0x92, 0x0a, 0x14, 7, 8});
        byte[] all = ByteBufUtil.getBytes(out);
        for (int cut = 0; cut < all.length; cut++) {
            ByteBuf partial = Unpooled.wrappedBuffer(all, 0, cut);
            assertThat(requests.next(partial)).as("cut at %d", cut).isFalse();
            assertThat(partial.readerIndex()).isZero();
        }
        assertThat(requests.next(Unpooled.wrappedBuffer(all))).isTrue();
        assertThat(hexOf(requests.blob())).isEqualTo("07 08");
    }
}
