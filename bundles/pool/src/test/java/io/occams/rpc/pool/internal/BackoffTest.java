package io.occams.rpc.pool.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The reconnect delays of a pool: doubling steps, capped, with jitter in the upper half of each step. */
class BackoffTest {
    @Test
    void delaysDoubleUpToTheCapAndEachLiesInTheUpperHalfOfItsStep() {
        Backoff b = new Backoff(100, 1_000, new SplittableRandom(7));
        long[] steps = {100, 200, 400, 800, 1_000, 1_000, 1_000, 1_000};
        for (long step : steps) {
            assertThat(b.next()).isBetween(step / 2, step);
        }
    }

    @Test
    void noDelayEverExceedsTheCap() {
        Backoff b = new Backoff(100, 1_000, new SplittableRandom(11));
        for (int i = 0; i < 10_000; i++) {
            assertThat(b.next()).isBetween(50L, 1_000L);
        }
    }

    @Test
    void delaysAtTheCapAreSpreadNotAllTheSame() {
        Backoff b = new Backoff(100, 1_000, new SplittableRandom(3));
        for (int i = 0; i < 5; i++) {
            b.next();
        }
        List<Long> atCap = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            atCap.add(b.next());
        }
        assertThat(new HashSet<>(atCap)).hasSizeGreaterThan(50);
    }

    @Test
    void aResetStartsAgainFromTheInitialStep() {
        Backoff b = new Backoff(100, 1_000, new SplittableRandom(5));
        for (int i = 0; i < 6; i++) {
            b.next();
        }
        b.reset();
        assertThat(b.next()).isBetween(50L, 100L);
    }
}
