package io.occams.rpc.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.occams.rpc.api.RpcException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The contract of {@link SeqTable}: every task put is found under its seq, once, whatever the seqs. */
class SeqTableTest {
    private final SeqTable table = new SeqTable();

    private static ClientTask task(long seq) {
        ClientTask t = new ClientTask(1) {
            @Override
            public void onReply(ByteBuf msg, ByteBuf blob) {}

            @Override
            public void onErrno(int errno) {}

            @Override
            public void onErrorString(ByteBuf text) {}

            @Override
            public void onFailure(RpcException failure) {}
        };
        t.seq = seq;
        return t;
    }

    @Test
    void aClosedLoopOfConsecutiveSeqsFindsEachTaskUnderItsSeqOnce() {
        List<ClientTask> inFlight = new ArrayList<>();
        long seq = 1;
        for (int i = 0; i < 100; i++) {
            ClientTask t = task(seq++);
            table.put(t);
            inFlight.add(t);
        }
        for (int round = 0; round < 10_000; round++) {
            ClientTask oldest = inFlight.remove(0);
            assertThat(table.remove(oldest.seq)).isSameAs(oldest);
            assertThat(table.remove(oldest.seq)).isNull();
            ClientTask t = task(seq++);
            table.put(t);
            inFlight.add(t);
        }
        assertThat(table.size()).isEqualTo(100);
        for (ClientTask t : inFlight) {
            assertThat(table.remove(t.seq)).isSameAs(t);
        }
        assertThat(table.isEmpty()).isTrue();
    }

    @Test
    void aStragglerFarBehindTheOthersIsKeptBesideThemAndFound() {
        ClientTask straggler = task(1);
        table.put(straggler);
        List<ClientTask> later = new ArrayList<>();
        // Many laps of the ring past the straggler's slot, a few calls in flight at a time.
        for (long seq = 2; seq < 100_000; seq++) {
            ClientTask t = task(seq);
            table.put(t);
            later.add(t);
            if (later.size() > 3) {
                ClientTask done = later.remove(0);
                assertThat(table.remove(done.seq)).isSameAs(done);
            }
        }
        assertThat(table.size()).isEqualTo(1 + later.size());
        assertThat(table.remove(1)).isSameAs(straggler);
        for (ClientTask t : later) {
            assertThat(table.remove(t.seq)).isSameAs(t);
        }
        assertThat(table.isEmpty()).isTrue();
    }

    @Test
    void tasksWhoseSlotsCollideAreAllKeptWhileTheRingGrowsUnderThem() {
        List<ClientTask> all = new ArrayList<>();
        for (long seq = 1; seq <= 3000; seq++) { // more than half of every ring up to the largest: it grows
            all.add(task(seq));
            if (seq % 10 == 0) {
                all.add(task(seq + 8192)); // the slot of an earlier seq at every ring size
            }
        }
        all.forEach(table::put);
        assertThat(table.size()).isEqualTo(all.size());
        for (ClientTask t : all) {
            assertThat(table.remove(t.seq)).isSameAs(t);
        }
        assertThat(table.isEmpty()).isTrue();
    }

    @Test
    void aSeqNoTaskWasSentUnderIsNotFoundEvenWhenItsSlotIsTaken() {
        ClientTask resent = task(1 + SeqTable.MIN_RING); // same slot as seq 1, whose call was forgotten
        table.put(resent);
        assertThat(table.remove(1)).isNull();
        assertThat(table.remove(0)).isNull();
        assertThat(table.size()).isEqualTo(1);
    }

    @Test
    void drainingHandsOverEveryTaskAndLeavesTheTableEmptyAndUsable() {
        List<ClientTask> all = new ArrayList<>();
        for (long seq = 1; seq <= 50; seq++) {
            all.add(task(seq));
        }
        all.add(task(1 + 4096L * 3)); // shares seq 1's slot
        all.forEach(table::put);
        List<ClientTask> drained = new ArrayList<>();
        table.drainTo(drained);
        assertThat(drained).containsExactlyInAnyOrderElementsOf(all);
        assertThat(table.isEmpty()).isTrue();
        ClientTask next = task(51);
        table.put(next);
        assertThat(table.remove(51)).isSameAs(next);
    }
}
