package io.occams.rpc.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.occams.rpc.stream.internal.ResponseDecoder;
import org.junit.jupiter.api.Test;

/** What {@link ResponseDecoder#msg()} and {@link ResponseDecoder#blob()} lend: the frame's bytes, or nothing to release. */
class ResponseDecoderBorrowTest {
    private final ResponseDecoder responses = new ResponseDecoder(1 << 20);

    @Test
    void aReplyWithoutBlobLendsTheSharedEmptyBufferAndTheMsgAsASliceOfTheFrame() {
        ByteBuf in = Unpooled.buffer();
        Frames.writeResponseHeader(in, Frames.FLAG_OK, 8, 4, 0);
        in.writeLongLE(0x0102030405060708L);
        assertThat(responses.next(in)).isTrue();
        assertThat(responses.blob()).isSameAs(Unpooled.EMPTY_BUFFER);
        ByteBuf msg = responses.msg();
        assertThat(msg.readableBytes()).isEqualTo(8);
        assertThat(msg.getLongLE(0)).isEqualTo(0x0102030405060708L);
        assertThat(msg.refCnt()).isEqualTo(in.refCnt()); // borrowed: the frame's own reference
        in.release();
    }

    @Test
    void anEmptyReplyLendsEmptyBuffersThatABorrowerMayRetainAndReleaseHarmlessly() {
        ByteBuf in = Unpooled.buffer();
        Frames.writeResponseHeader(in, Frames.FLAG_OK, 0, 5, 0);
        assertThat(responses.next(in)).isTrue();
        ByteBuf msg = responses.msg();
        ByteBuf blob = responses.blob();
        assertThat(msg.isReadable()).isFalse();
        assertThat(blob.isReadable()).isFalse();
        msg.retain().release();
        blob.retain().release();
        assertThat(in.refCnt()).isEqualTo(1);
        in.release();
    }

    @Test
    void aReplyWithABlobLendsItsBytes() {
        ByteBuf in = Unpooled.buffer();
        Frames.writeResponseHeader(in, Frames.FLAG_OK, 0, 6, 3);
        in.writeBytes(new byte[] {1, 2, 3});
        assertThat(responses.next(in)).isTrue();
        assertThat(responses.msg().isReadable()).isFalse();
        assertThat(GoldenFramesTest.hexOf(responses.blob())).isEqualTo("01 02 03");
        in.release();
    }
}
