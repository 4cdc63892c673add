package io.occams.rpc.stream.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.occams.rpc.stream.FrameException;
import io.occams.rpc.stream.FrameException.Reason;
import io.occams.rpc.stream.Frames;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The decoder's cache of string actions, which reads an action 8 bytes at a time: every length
 * around the word boundaries, a difference in any one byte, actions that share a cache slot, and
 * bad UTF-8 anywhere. Frames are wrapped in buffers of exactly their size, so a read past the
 * action would throw.
 */
class StringActionCacheTest {
    private static final int LIMIT = 1 << 20;

    private static byte[] action(int length, int seed) {
        byte[] a = new byte[length];
        for (int i = 0; i < length; i++) {
            a[i] = (byte) ('A' + (i * 7 + seed) % 26);
        }
        return a;
    }

    private static ByteBuf frame(byte[] action) {
        ByteBuf b = Unpooled.buffer(
                Frames.REQUEST_HEADER_LENGTH + action.length, Frames.REQUEST_HEADER_LENGTH + action.length);
        Frames.writeRequestHeader(b, Frames.STRING_ACTION_FLAG | action.length, 9, 0, 0, 0);
        return b.writeBytes(action);
    }

    private static String decode(RequestDecoder d, ByteBuf frame) {
        assertThat(d.next(frame)).isTrue();
        assertThat(frame.isReadable()).isFalse();
        return d.action();
    }

    private static String utf8(byte[] a) {
        return new String(a, StandardCharsets.UTF_8);
    }

    private static void assertRefused(Runnable r, Reason reason) {
        assertThatThrownBy(r::run)
                .isInstanceOfSatisfying(
                        FrameException.class, e -> assertThat(e.reason()).isEqualTo(reason));
    }

    @Test
    void actionsOfEveryLengthUpToFortyDecodeAndTheSecondComesFromTheCache() {
        RequestDecoder d = new RequestDecoder(LIMIT, 1024);
        assertRefused(() -> d.next(frame(new byte[0])), Reason.ACTION_TOO_LONG);
        for (int n = 1; n <= 40; n++) {
            byte[] a = action(n, n);
            String first = decode(d, frame(a));
            assertThat(first).isEqualTo(utf8(a));
            assertThat(decode(d, frame(a))).as("length %d", n).isSameAs(first);
        }
    }

    @Test
    void anActionThatDiffersFromTheCachedOneInAnyOneByteIsNotTakenForIt() {
        RequestDecoder d = new RequestDecoder(LIMIT, 1024);
        for (int n = 1; n <= 40; n++) {
            byte[] a = action(n, 3);
            for (int p = 0; p < n; p++) {
                assertThat(decode(d, frame(a))).isEqualTo(utf8(a));
                byte[] b = a.clone();
                b[p] = (byte) (b[p] == 'z' ? 'y' : 'z');
                assertThat(decode(d, frame(b))).as("length %d, byte %d", n, p).isEqualTo(utf8(b));
                assertThat(decode(d, frame(a))).as("length %d, byte %d", n, p).isEqualTo(utf8(a));
            }
        }
    }

    @Test
    void anActionAndTheSameFollowedByZeroBytesAreDifferentActions() {
        RequestDecoder d = new RequestDecoder(LIMIT, 1024);
        for (int n = 1; n <= 32; n++) {
            byte[] a = action(n, 5);
            for (int extra = 1; extra <= 8; extra++) {
                byte[] b = java.util.Arrays.copyOf(a, n + extra);
                assertThat(decode(d, frame(a))).isEqualTo(utf8(a));
                assertThat(decode(d, frame(b))).as("length %d + %d", n, extra).isEqualTo(utf8(b));
                assertThat(decode(d, frame(a))).isEqualTo(utf8(a));
            }
        }
    }

    @Test
    void twoActionsOnTheSameCacheSlotTakeItInTurnAndEachDecodesToItself() {
        Map<Integer, byte[]> bySlot = new HashMap<>();
        byte[][] pair = null;
        for (int i = 0; pair == null; i++) {
            byte[] a = ("CalService.m" + (1000 + i)).getBytes(StandardCharsets.UTF_8); // all 16 bytes
            byte[] other = bySlot.putIfAbsent(RequestDecoder.actionSlot(Unpooled.wrappedBuffer(a), 0, a.length), a);
            if (other != null) {
                pair = new byte[][] {other, a};
            }
        }
        byte[] shorter = null;
        for (int i = 0; shorter == null; i++) {
            byte[] a = ("Svc.m" + i).getBytes(StandardCharsets.UTF_8);
            if (RequestDecoder.actionSlot(Unpooled.wrappedBuffer(a), 0, a.length)
                    == RequestDecoder.actionSlot(Unpooled.wrappedBuffer(pair[0]), 0, pair[0].length)) {
                shorter = a;
            }
        }
        RequestDecoder d = new RequestDecoder(LIMIT, 1024);
        for (int round = 0; round < 3; round++) {
            for (byte[] a : new byte[][] {pair[0], pair[1], shorter}) {
                assertThat(decode(d, frame(a))).isEqualTo(utf8(a));
                assertThat(decode(d, frame(a))).isEqualTo(utf8(a));
            }
        }
    }

    @Test
    void anActionSplitAcrossBufferComponentsDecodesTheSame() {
        RequestDecoder d = new RequestDecoder(LIMIT, 1024);
        for (int n = 1; n <= 40; n++) {
            byte[] a = action(n, 11);
            for (int cut = 1; cut < n; cut += 3) {
                ByteBuf whole = frame(a);
                CompositeByteBuf c = Unpooled.compositeBuffer();
                c.addComponent(true, whole.retainedSlice(0, Frames.REQUEST_HEADER_LENGTH + cut));
                c.addComponent(true, whole.retainedSlice(Frames.REQUEST_HEADER_LENGTH + cut, n - cut));
                whole.release();
                assertThat(decode(d, c)).as("length %d cut at %d", n, cut).isEqualTo(utf8(a));
                c.release();
            }
        }
    }

    @Test
    void badUtf8AnywhereInTheActionIsRefusedEveryTimeAndPoisonsNoSlot() {
        RequestDecoder d = new RequestDecoder(LIMIT, 1024);
        for (int n = 1; n <= 40; n++) {
            byte[] good = action(n, 1);
            for (int p : new int[] {0, n / 2, n - 1}) {
                byte[] bad = good.clone();
                bad[p] = (byte) 0xFF;
                assertRefused(() -> d.next(frame(bad)), Reason.ACTION_NOT_UTF8);
                assertRefused(() -> d.next(frame(bad)), Reason.ACTION_NOT_UTF8);
                assertThat(decode(d, frame(good))).isEqualTo(utf8(good));
            }
        }
        byte[] twoByteCharCutShort = "Svc.\u00e9".getBytes(StandardCharsets.UTF_8);
        byte[] cut = java.util.Arrays.copyOf(twoByteCharCutShort, twoByteCharCutShort.length - 1);
        assertRefused(() -> d.next(frame(cut)), Reason.ACTION_NOT_UTF8);
        assertThat(decode(d, frame(twoByteCharCutShort))).isEqualTo("Svc.\u00e9");
    }
}
