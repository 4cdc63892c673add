package io.occams.rpc.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.occams.rpc.api.ServiceContract;
import io.occams.rpc.codec.MsgpackCodec;
import io.occams.rpc.server.TestServices.VersionService;
import io.occams.rpc.server.internal.Provider;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The drain of a provider whose in-flight count is striped by thread: a call counted on one thread and
 * given back on another still holds the drain, whichever stripe each thread counts in.
 */
class ProviderDrainTest {
    private static Provider provider() {
        return new Provider(
                ServiceContract.of(VersionService.class), TestServices.version("1"), 0, 1, new MsgpackCodec());
    }

    @Test
    void theDrainCompletesOnlyWhenCallsCountedOnManyThreadsAreAllGivenBackWhereverTheyEnd() throws Exception {
        Provider p = provider();
        // One call counted on each of 16 threads: more threads than stripes, so some share one.
        ExecutorService pool = Executors.newFixedThreadPool(16);
        List<Integer> stripes = new ArrayList<>();
        try {
            List<CompletableFuture<Integer>> counted = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                counted.add(CompletableFuture.supplyAsync(p::acquire, pool));
            }
            for (CompletableFuture<Integer> c : counted) {
                stripes.add(c.get(30, TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdown();
        }
        assertThat(stripes).allMatch(s -> s >= 0);
        assertThat(p.inFlight()).isEqualTo(16);

        CompletableFuture<Void> drained = p.close();
        // Given back on this thread, not the ones that counted them; the last one ends the drain.
        for (int i = 0; i < 15; i++) {
            p.release(stripes.get(i));
            assertThat(drained).isNotDone();
        }
        assertThat(p.inFlight()).isEqualTo(1);
        p.release(stripes.get(15));
        assertThat(drained).isDone();
        assertThat(p.inFlight()).isZero();
    }

    @Test
    void aClosedProviderRefusesNewCallsAndCountsNothingForThem() {
        Provider p = provider();
        int stripe = p.acquire();
        CompletableFuture<Void> drained = p.close();

        assertThat(p.acquire()).isNegative();
        assertThat(p.inFlight()).isEqualTo(1);
        assertThat(drained).isNotDone();

        p.release(stripe);
        assertThat(drained).isDone();
    }

    @Test
    void aProviderClosedWithNoCallsIsDrainedAtOnce() {
        assertThat(provider().close()).isDone();
    }
}
