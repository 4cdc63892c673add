package io.occams.rpc.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.occams.rpc.stream.FrameException;
import io.occams.rpc.stream.internal.RequestDecoder;
import io.occams.rpc.stream.internal.ResponseDecoder;
import java.util.ArrayList;
import java.util.List;

/**
 * The request and response decoders on any bytes, arriving in any pieces: they either hand out frames
 * within the limits or throw {@link FrameException}, nothing else; and the frames do not depend on how
 * the bytes were split.
 */
class FrameDecodersFuzzTest {
    private static final int MAX_FRAME = 4096;
    private static final int MAX_ACTION = 64;

    @FuzzTest(maxDuration = "3m")
    void requestDecoderTakesAnyBytesInAnyPieces(FuzzedDataProvider data) {
        int pieces = data.consumeInt(1, 8);
        byte[] bytes = data.consumeRemainingAsBytes();
        List<String> whole = requests(bytes, 1, 0);
        List<String> split = requests(bytes, pieces, bytes.length == 0 ? 0 : (bytes[0] & 0xFF) % 7 + 1);
        assertThat(split).isEqualTo(whole);
    }

    @FuzzTest(maxDuration = "3m")
    void responseDecoderTakesAnyBytesInAnyPieces(FuzzedDataProvider data) {
        int pieces = data.consumeInt(1, 8);
        byte[] bytes = data.consumeRemainingAsBytes();
        List<String> whole = responses(bytes, 1, 0);
        List<String> split = responses(bytes, pieces, bytes.length == 0 ? 0 : (bytes[0] & 0xFF) % 7 + 1);
        assertThat(split).isEqualTo(whole);
    }

    /** What the decoder made of {@code bytes} fed in {@code pieces} (sizes varied by {@code stride}): one line per frame, then how it ended. */
    private static List<String> requests(byte[] bytes, int pieces, int stride) {
        RequestDecoder d = new RequestDecoder(MAX_FRAME, MAX_ACTION);
        List<String> out = new ArrayList<>();
        ByteBuf in = Unpooled.buffer();
        try {
            for (byte[] piece : split(bytes, pieces, stride)) {
                in.writeBytes(piece);
                while (d.next(in)) {
                    assertThat(d.msgLength()).isBetween(0, MAX_FRAME);
                    assertThat((long) d.msgLength() + d.blobLength()).isBetween(0L, (long) MAX_FRAME);
                    assertThat(d.msg().readableBytes()).isEqualTo(d.msgLength());
                    assertThat(d.blob().readableBytes()).isEqualTo(d.blobLength());
                    ByteBuf m = d.retainedMsg();
                    ByteBuf b = d.retainedBlob();
                    try {
                        out.add(d.seq() + " " + d.clientId() + " "
                                + (d.isPing() ? "ping" : d.hasStringAction() ? d.action() : d.numericAction()) + " "
                                + io.netty.buffer.ByteBufUtil.hexDump(m) + " "
                                + io.netty.buffer.ByteBufUtil.hexDump(b));
                    } finally {
                        m.release();
                        b.release();
                    }
                    in.discardReadBytes();
                }
            }
            out.add("needs more: " + in.readableBytes());
        } catch (FrameException e) {
            out.add("broken: " + e.reason());
        } finally {
            in.release();
        }
        return out;
    }

    private static List<String> responses(byte[] bytes, int pieces, int stride) {
        ResponseDecoder d = new ResponseDecoder(MAX_FRAME);
        List<String> out = new ArrayList<>();
        ByteBuf in = Unpooled.buffer();
        try {
            for (byte[] piece : split(bytes, pieces, stride)) {
                in.writeBytes(piece);
                while (d.next(in)) {
                    assertThat((long) d.msgLength() + d.blobLength()).isBetween(0L, (long) MAX_FRAME);
                    String line = d.seq() + " flag " + d.flag();
                    if (d.flag() == 1) {
                        line += " errno " + d.errno();
                    } else if (d.flag() == 2) {
                        line += " error " + io.netty.buffer.ByteBufUtil.hexDump(d.errorBytes());
                    } else {
                        ByteBuf m = d.retainedMsg();
                        ByteBuf b = d.retainedBlob();
                        try {
                            assertThat(m.readableBytes()).isEqualTo(d.msgLength());
                            assertThat(b.readableBytes()).isEqualTo(d.blobLength());
                            line += " " + io.netty.buffer.ByteBufUtil.hexDump(m) + " "
                                    + io.netty.buffer.ByteBufUtil.hexDump(b);
                        } finally {
                            m.release();
                            b.release();
                        }
                    }
                    out.add(line);
                    in.discardReadBytes();
                }
            }
            out.add("needs more: " + in.readableBytes());
        } catch (FrameException e) {
            out.add("broken: " + e.reason());
        } finally {
            in.release();
        }
        return out;
    }

    private static List<byte[]> split(byte[] bytes, int pieces, int stride) {
        List<byte[]> out = new ArrayList<>();
        int at = 0;
        for (int i = 0; i < pieces - 1 && at < bytes.length; i++) {
            int n = Math.min(bytes.length - at, 1 + (i * stride + 3) % 41);
            out.add(java.util.Arrays.copyOfRange(bytes, at, at + n));
            at += n;
        }
        out.add(java.util.Arrays.copyOfRange(bytes, at, bytes.length));
        return out;
    }
}
