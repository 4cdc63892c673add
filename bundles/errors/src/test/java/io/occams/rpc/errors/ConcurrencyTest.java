package io.occams.rpc.errors;

import static org.assertj.core.api.Assertions.assertThat;

import io.occams.rpc.api.ErrnoException;
import io.occams.rpc.api.MessageException;
import io.occams.rpc.api.RpcCode;
import io.occams.rpc.api.RpcException;
import io.occams.rpc.api.spi.Codec;
import io.occams.rpc.api.spi.ErrorCodec;
import io.occams.rpc.api.spi.WireError;
import io.occams.rpc.errors.ErrorCodecRegistry.Registration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class ConcurrencyTest {
    private static final int WRITERS = 4;
    private static final int READERS = 4;
    private static final int ROUNDS = 2_000;

    private final Codec codec = new StringOnlyCodec();
    private final ErrorCodecRegistry registry = ErrorCodecRegistry.withBuiltins();
    private final ExecutorService pool = Executors.newFixedThreadPool(WRITERS + READERS);

    /** One exception type per writer, so that writers only race on the shared one. */
    static final class E0 extends RuntimeException {
        private static final long serialVersionUID = 1L;
    }

    static final class E1 extends RuntimeException {
        private static final long serialVersionUID = 1L;
    }

    static final class E2 extends RuntimeException {
        private static final long serialVersionUID = 1L;
    }

    static final class E3 extends RuntimeException {
        private static final long serialVersionUID = 1L;
    }

    static final class Shared extends RuntimeException {
        private static final long serialVersionUID = 1L;
    }

    private static final List<Class<? extends RuntimeException>> OWN = List.of(E0.class, E1.class, E2.class, E3.class);
    private static final List<Supplier<RuntimeException>> MAKE = List.of(E0::new, E1::new, E2::new, E3::new);
    private static final List<Supplier<ErrorCodec<?>>> OWN_CODECS = List.of(
            () -> textCodec(E0.class, "e0", E0::new), () -> textCodec(E1.class, "e1", E1::new),
            () -> textCodec(E2.class, "e2", E2::new), () -> textCodec(E3.class, "e3", E3::new));

    @AfterEach
    void stopPool() throws InterruptedException {
        pool.shutdownNow();
        assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void registeringAndUnregisteringUnderLoadNeverBreaksReadersAndEndsConsistent() throws Exception {
        CyclicBarrier start = new CyclicBarrier(WRITERS + READERS);
        CountDownLatch writersDone = new CountDownLatch(WRITERS);
        AtomicInteger sharedWins = new AtomicInteger();
        AtomicInteger sharedRefusals = new AtomicInteger();
        Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
        List<Future<?>> futures = new ArrayList<>();

        for (int w = 0; w < WRITERS; w++) {
            int me = w;
            futures.add(pool.submit(() -> {
                try {
                    start.await();
                    for (int i = 0; i < ROUNDS; i++) {
                        Registration own = registry.register(OWN_CODECS.get(me).get());
                        Registration shared = null;
                        try {
                            shared = registry.register(textCodec(Shared.class, "shared", Shared::new));
                            sharedWins.incrementAndGet();
                        } catch (IllegalStateException refused) {
                            sharedRefusals.incrementAndGet();
                        }
                        if (i % 2 == 0) {
                            own.close();
                        } else {
                            assertThat(registry.unregister(own.codec())).isTrue();
                        }
                        own.close();
                        if (shared != null) {
                            shared.close();
                        }
                    }
                } catch (Throwable t) {
                    failures.add(t);
                } finally {
                    writersDone.countDown();
                }
                return null;
            }));
        }
        AtomicInteger reads = new AtomicInteger();
        for (int r = 0; r < READERS; r++) {
            int me = r;
            futures.add(pool.submit(() -> {
                try {
                    start.await();
                    do {
                        read(me);
                        reads.incrementAndGet();
                    } while (writersDone.getCount() > 0);
                    read(me);
                } catch (Throwable t) {
                    failures.add(t);
                }
                return null;
            }));
        }
        for (Future<?> f : futures) {
            f.get(50, TimeUnit.SECONDS);
        }

        assertThat(failures).isEmpty();
        assertThat(reads.get()).isPositive();
        assertThat(sharedWins.get() + sharedRefusals.get()).isEqualTo(WRITERS * ROUNDS);
        assertThat(registry.types()).containsExactly(ErrnoException.class, MessageException.class);
        for (Class<? extends RuntimeException> c : OWN) {
            assertThat(registry.codecFor(c)).isNull();
        }
        assertThat(registry.encode(new E0(), codec)).isEqualTo(WireError.text("rpc_internal_err"));
        assertThat(registry.decode(WireError.text("e0"), List.of(), codec)).isExactlyInstanceOf(RpcException.class);
    }

    /** What a reader may see while writers work: the built-ins always, the dynamic codecs or their absence. */
    private void read(int me) {
        assertThat(registry.encode(new ErrnoException(5), codec)).isEqualTo(WireError.errno(5));
        assertThat(registry.encode(new MessageException("m"), codec)).isEqualTo(WireError.text("m"));
        assertThat(((ErrnoException) registry.decode(WireError.errno(-1), List.of(ErrnoException.class), codec))
                        .errno())
                .isEqualTo(-1);
        assertThat(registry.decode(WireError.text("rpc_io_err"), List.of(), codec))
                .isInstanceOfSatisfying(
                        RpcException.class, e -> assertThat(e.code()).isEqualTo(RpcCode.IO));

        WireError own = registry.encode(MAKE.get(me).get(), codec);
        assertThat(own).isIn(WireError.text("e" + me), WireError.text("rpc_internal_err"));
        WireError shared = registry.encode(new Shared(), codec);
        assertThat(shared).isIn(WireError.text("shared"), WireError.text("rpc_internal_err"));

        Throwable back = registry.decode(WireError.text("e" + me), List.of(MessageException.class), codec);
        assertThat(back).isInstanceOfAny(MessageException.class, OWN.get(me));
        Throwable any = registry.decodeAny(WireError.text("shared"), codec);
        assertThat(any).isInstanceOfAny(MessageException.class, Shared.class);
    }

    @Test
    void ofManyThreadsRegisteringTheSameTypeAtOnceExactlyOneWins() throws Exception {
        int threads = WRITERS + READERS;
        CyclicBarrier start = new CyclicBarrier(threads);
        AtomicInteger wins = new AtomicInteger();
        AtomicInteger refusals = new AtomicInteger();
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            futures.add(pool.submit(() -> {
                start.await();
                try {
                    registry.register(textCodec(Shared.class, "shared", Shared::new));
                    wins.incrementAndGet();
                } catch (IllegalStateException e) {
                    refusals.incrementAndGet();
                }
                return null;
            }));
        }
        for (Future<?> f : futures) {
            f.get(30, TimeUnit.SECONDS);
        }

        assertThat(wins.get()).isEqualTo(1);
        assertThat(refusals.get()).isEqualTo(threads - 1);
        assertThat(registry.types()).containsExactly(ErrnoException.class, MessageException.class, Shared.class);
    }

    private static <E extends Throwable> ErrorCodec<E> textCodec(Class<E> type, String text, Supplier<E> make) {
        return new TestErrors.FixedTextCodec<>(type, text, make);
    }
}
