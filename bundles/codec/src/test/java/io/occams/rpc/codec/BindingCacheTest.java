package io.occams.rpc.codec;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.occams.rpc.api.spi.Binding;
import io.occams.rpc.api.spi.Codec;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A type is bound once per codec; the same type always gives the same binding. */
class BindingCacheTest {
    private final Codec codec = new MsgpackCodec();

    record Point(int a, int b) {}

    record Line(Point from, Point to) {}

    @Test
    void askingTwiceForATypeGivesTheSameBinding() {
        assertThat(codec.<Point>binding(Point.class)).isSameAs(codec.binding(Point.class));
        assertThat(codec.argumentsBinding(int.class, String.class))
                .isSameAs(codec.argumentsBinding(int.class, String.class));
        assertThat(codec.argumentsBinding()).isSameAs(codec.argumentsBinding());
    }

    @Test
    void equalGenericTypesFromDifferentPlacesShareOneBinding() {
        Type a = new Wire.TypeOf<Map<String, List<Long>>>() {}.type;
        Type b = new Wire.TypeOf<Map<String, List<Long>>>() {}.type;
        assertThat(a).isNotSameAs(b);
        assertThat(codec.<Object>binding(a)).isSameAs(codec.binding(b));
    }

    @Test
    void aTypeBoundAsPartOfAnotherIsReused() {
        Binding<Line> line = codec.binding(Line.class);
        assertThat(line).isNotNull();
        Binding<Point> point = codec.binding(Point.class);
        assertThat(codec.<Point>binding(Point.class)).isSameAs(point);
    }

    @Test
    void threadsBindingTheSameNewTypeAtOnceAllGetOneInstance() throws Exception {
        Codec fresh = new MsgpackCodec();
        int threads = 8;
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Binding<Line>>> results = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                results.add(pool.submit(() -> {
                    start.await();
                    Binding<Line> b = fresh.binding(Line.class);
                    ByteBuf buf = Unpooled.buffer();
                    try {
                        b.encode(new Line(new Point(1, 2), new Point(3, 4)), buf);
                        assertThat(b.decode(buf)).isEqualTo(new Line(new Point(1, 2), new Point(3, 4)));
                    } finally {
                        buf.release();
                    }
                    return b;
                }));
            }
            start.countDown();
            Binding<Line> first = results.get(0).get(10, TimeUnit.SECONDS);
            for (Future<Binding<Line>> f : results) {
                assertThat(f.get(10, TimeUnit.SECONDS)).isSameAs(first);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void theCodecIsFoundThroughServiceLoader() {
        List<Codec> found = new ArrayList<>();
        ServiceLoader.load(Codec.class).forEach(found::add);
        assertThat(found).anySatisfy(c -> {
            assertThat(c).isInstanceOf(MsgpackCodec.class);
            assertThat(c.format()).isEqualTo(Codec.MSGPACK);
        });
    }
}
