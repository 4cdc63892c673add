package io.occams.rpc.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.occams.rpc.api.RpcCode;
import io.occams.rpc.stream.FrameException.Reason;
import io.occams.rpc.stream.internal.RequestDecoder;
import io.occams.rpc.stream.internal.ResponseDecoder;
import org.junit.jupiter.api.Test;

/**
 * Headers that lie: each is refused with its own reason as soon as the header is readable, with no
 * body present and nothing allocated for what it announces.
 */
class EvilFramesTest {
    private static final int LIMIT = 1 << 20;

    private static ByteBuf request(int action, int msgLen, int blobLen) {
        ByteBuf b = Unpooled.buffer(32);
        b.writeShortLE(Frames.MAGIC)
                .writeByte(1)
                .writeByte(0)
                .writeIntLE(action)
                .writeLongLE(1)
                .writeLongLE(0)
                .writeIntLE(msgLen)
                .writeIntLE(blobLen);
        return b;
    }

    private static ByteBuf response(int flag, int word, int blobLen) {
        ByteBuf b = Unpooled.buffer(20);
        b.writeShortLE(Frames.MAGIC)
                .writeByte(1)
                .writeByte(flag)
                .writeIntLE(word)
                .writeLongLE(1)
                .writeIntLE(blobLen);
        return b;
    }

    private static void assertRefused(Runnable r, Reason reason) {
        assertThatThrownBy(r::run)
                .isInstanceOfSatisfying(
                        FrameException.class, e -> assertThat(e.reason()).isEqualTo(reason));
    }

    @Test
    void msgLengthOfFourGigabytesIsRefusedFromTheHeaderAlone() {
        RequestDecoder d = new RequestDecoder(LIMIT, 1024);
        assertRefused(() -> d.next(request(1, -1, 0)), Reason.MSG_TOO_LONG);
    }

    @Test
    void msgJustOverTheLimitIsRefused() {
        RequestDecoder d = new RequestDecoder(LIMIT, 1024);
        assertRefused(() -> d.next(request(1, LIMIT + 1, 0)), Reason.MSG_TOO_LONG);
        assertThat(d.next(request(1, LIMIT, 0))).isFalse(); // at the limit: waits for the body
    }

    @Test
    void blobLengthWithTheTopBitSetIsRefusedNotTreatedAsEmpty() {
        RequestDecoder d = new RequestDecoder(LIMIT, 1024);
        assertRefused(() -> d.next(request(1, 0, 0x8000_0000)), Reason.NEGATIVE_LENGTH);
    }

    @Test
    void msgPlusBlobOverTheLimitIsRefused() {
        RequestDecoder d = new RequestDecoder(LIMIT, 1024);
        assertRefused(() -> d.next(request(1, LIMIT / 2, LIMIT / 2 + 1)), Reason.BLOB_TOO_LONG);
    }

    @Test
    void stringActionLongerThanTheLimitIsRefused() {
        RequestDecoder d = new RequestDecoder(LIMIT, 1024);
        assertRefused(() -> d.next(request(0x8000_0000 | 1025, 0, 0)), Reason.ACTION_TOO_LONG);
        assertRefused(() -> d.next(request(0xFFFF_FFFF, 0, 0)), Reason.ACTION_TOO_LONG);
        assertRefused(() -> d.next(request(0x8000_0000, 0, 0)), Reason.ACTION_TOO_LONG);
    }

    @Test
    void stringActionThatIsNotUtf8IsRefused() {
        RequestDecoder d = new RequestDecoder(LIMIT, 1024);
        ByteBuf b = request(0x8000_0002, 0, 0).writeByte(0xc3).writeByte(0x28);
        assertRefused(() -> d.next(b), Reason.ACTION_NOT_UTF8);
    }

    @Test
    void badMagicAndBadVersionAreTwoDifferentErrors() {
        RequestDecoder d = new RequestDecoder(LIMIT, 1024);
        ByteBuf magic = request(1, 0, 0).setByte(0, 0x26);
        assertRefused(() -> d.next(magic), Reason.BAD_MAGIC);
        ByteBuf version = request(1, 0, 0).setByte(2, 2);
        assertThatThrownBy(() -> d.next(version)).isInstanceOfSatisfying(FrameException.class, e -> {
            assertThat(e.reason()).isEqualTo(Reason.BAD_VERSION);
            assertThat(e.code()).isEqualTo(RpcCode.INVALID_VERSION);
        });
    }

    @Test
    void negativeNumericActionCannotBeSent() {
        assertThatThrownBy(() -> Frames.numericAction(-1))
                .isInstanceOfSatisfying(
                        FrameException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.NUMERIC_ACTION_OUT_OF_RANGE));
        assertThat(Frames.numericAction(Integer.MAX_VALUE)).isEqualTo(Integer.MAX_VALUE);
    }

    @Test
    void responseWithUnknownFlagIsRefusedNotPanicked() {
        ResponseDecoder d = new ResponseDecoder(LIMIT);
        assertRefused(() -> d.next(response(3, 0, 0)), Reason.BAD_FLAG);
    }

    @Test
    void responseWithNegativeBlobLengthIsRefused() {
        ResponseDecoder d = new ResponseDecoder(LIMIT);
        assertRefused(() -> d.next(response(0, 0, -5)), Reason.NEGATIVE_LENGTH);
        assertRefused(() -> d.next(response(2, 0, Integer.MIN_VALUE)), Reason.NEGATIVE_LENGTH);
    }

    @Test
    void responseMsgOverTheLimitIsRefused() {
        ResponseDecoder d = new ResponseDecoder(LIMIT);
        assertRefused(() -> d.next(response(0, -1, 0)), Reason.MSG_TOO_LONG);
        assertRefused(() -> d.next(response(2, 0, LIMIT + 1)), Reason.BLOB_TOO_LONG);
    }

    @Test
    void errnoFrameWithHugeErrnoIsANumberNotALength() {
        ResponseDecoder d = new ResponseDecoder(LIMIT);
        ByteBuf b = response(1, -1, 0);
        assertThat(d.next(b)).isTrue();
        assertThat(Integer.toUnsignedLong(d.errno())).isEqualTo(0xFFFF_FFFFL);
        assertThat(b.isReadable()).isFalse();
    }

    @Test
    void responseBadMagicIsRefused() {
        ResponseDecoder d = new ResponseDecoder(LIMIT);
        assertRefused(() -> d.next(response(0, 0, 0).setByte(1, 0)), Reason.BAD_MAGIC);
    }

    @Test
    void garbageIsRefusedBeforeAWholeHeaderArrives() {
        RequestDecoder d = new RequestDecoder(LIMIT, 1024);
        assertRefused(() -> d.next(Unpooled.wrappedBuffer("GET / HTTP/1.1\r\n".getBytes())), Reason.BAD_MAGIC);
        assertThat(d.next(Unpooled.wrappedBuffer(new byte[] {0x25, 0x4d}))).isFalse();
    }
}
