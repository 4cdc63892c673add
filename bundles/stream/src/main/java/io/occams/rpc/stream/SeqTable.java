package io.occams.rpc.stream;

import io.netty.util.collection.LongObjectHashMap;
import java.util.List;

/**
 * A stream's calls in flight by sequence number. Seqs are handed out in order and most calls complete
 * within a window of them, so a call lives in a ring indexed by its seq's low bits; a call whose slot is
 * still held by an older one (a straggler, far behind the rest) goes to a hash map beside the ring.
 *
 * <p>Why not a hash map alone: Netty's {@link LongObjectHashMap} places consecutive seqs in consecutive
 * slots, so the calls in flight form one run of occupied slots, and removing the oldest (its head)
 * walks the whole run to shift it back: O(calls in flight) per reply, 16% of the client's CPU at 4
 * connections x 100 in flight (benchmarks/README.md, issue 21). Here adding, finding and removing cost
 * O(1) and allocate nothing once the ring has grown to the calls in flight (it doubles while more than
 * half full, up to {@value #MAX_RING} slots, and starts small, so an idle stream holds little).
 *
 * <p>Not thread-safe: the stream guards it with its own lock.
 */
final class SeqTable {
    static final int MIN_RING = 16;
    static final int MAX_RING = 4096;

    private ClientTask[] ring = new ClientTask[MIN_RING];
    private int mask = MIN_RING - 1;
    /** Tasks in the ring. */
    private int inRing;
    /** Tasks whose ring slot was taken, or null. */
    private LongObjectHashMap<ClientTask> spill;

    /** Adds {@code t} under its {@code seq}, which no task here has. */
    void put(ClientTask t) {
        if (inRing >= ring.length / 2 && ring.length < MAX_RING) {
            grow();
        }
        put0(t);
    }

    /** Removes and returns the task sent under {@code seq}, or null when none is here. */
    ClientTask remove(long seq) {
        int i = (int) seq & mask;
        ClientTask t = ring[i];
        if (t != null && t.seq == seq) {
            ring[i] = null;
            inRing--;
            return t;
        }
        return spill == null || spill.isEmpty() ? null : spill.remove(seq);
    }

    int size() {
        return inRing + (spill == null ? 0 : spill.size());
    }

    boolean isEmpty() {
        return size() == 0;
    }

    /** Moves every task into {@code to} and forgets them. */
    void drainTo(List<ClientTask> to) {
        for (int i = 0; i < ring.length; i++) {
            if (ring[i] != null) {
                to.add(ring[i]);
                ring[i] = null;
            }
        }
        inRing = 0;
        if (spill != null) {
            to.addAll(spill.values());
            spill.clear();
        }
    }

    /** Doubles the ring; tasks of the spill map that now find their slot free move in. */
    private void grow() {
        ClientTask[] old = ring;
        ring = new ClientTask[old.length * 2];
        mask = ring.length - 1;
        inRing = 0;
        LongObjectHashMap<ClientTask> s = spill;
        spill = null;
        for (ClientTask t : old) {
            if (t != null) {
                put0(t);
            }
        }
        if (s != null) {
            for (ClientTask t : s.values()) {
                put0(t);
            }
        }
    }

    private void put0(ClientTask t) {
        int i = (int) t.seq & mask;
        if (ring[i] == null) {
            ring[i] = t;
            inRing++;
        } else {
            if (spill == null) {
                spill = new LongObjectHashMap<>();
            }
            spill.put(t.seq, t);
        }
    }
}
