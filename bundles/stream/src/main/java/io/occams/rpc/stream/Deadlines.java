package io.occams.rpc.stream;

/**
 * The deadlines of one stream's calls in flight, in a few ordered lanes: lists linked through the tasks
 * themselves, each sorted by deadline. Calls of one stream mostly share one timeout and are sent in
 * order, so a new deadline is nearly always the latest of its lane and is appended; a call with another
 * timeout starts another lane. Adding, removing and finding the earliest deadline cost O(lanes), with
 * at most {@value #MAX_LANES} lanes, and allocate nothing (a lane is made once, when first needed). Only
 * when every lane ends later than a new deadline (more distinct timeouts than lanes) is it inserted in
 * order from a lane's tail.
 *
 * <p>Not thread-safe: the stream guards it with its pending table's lock.
 */
final class Deadlines {
    static final int MAX_LANES = 8;

    /** One sorted list: earliest deadline at the head. */
    static final class Lane {
        ClientTask head;
        ClientTask tail;
    }

    private final Lane[] lanes = new Lane[MAX_LANES];
    private int laneCount;
    private int size;

    /** Adds {@code t}, whose {@code deadlineNanos} is set. */
    void add(ClientTask t) {
        long d = t.deadlineNanos;
        for (int i = 0; i < laneCount; i++) {
            Lane l = lanes[i];
            if (l.tail == null || l.tail.deadlineNanos - d <= 0) {
                append(l, t);
                return;
            }
        }
        if (laneCount < MAX_LANES) {
            Lane l = new Lane();
            lanes[laneCount++] = l;
            append(l, t);
            return;
        }
        insertInOrder(lanes[0], t);
    }

    /** Removes {@code t} if it is here; O(1). */
    void remove(ClientTask t) {
        Lane l = t.deadlineLane;
        if (l == null) {
            return;
        }
        ClientTask p = t.deadlinePrev;
        ClientTask n = t.deadlineNext;
        if (p == null) {
            l.head = n;
        } else {
            p.deadlineNext = n;
        }
        if (n == null) {
            l.tail = p;
        } else {
            n.deadlinePrev = p;
        }
        t.deadlinePrev = null;
        t.deadlineNext = null;
        t.deadlineLane = null;
        size--;
    }

    boolean isEmpty() {
        return size == 0;
    }

    int size() {
        return size;
    }

    /** The earliest deadline; only when not {@link #isEmpty()}. */
    long earliest() {
        boolean found = false;
        long min = 0;
        for (int i = 0; i < laneCount; i++) {
            ClientTask h = lanes[i].head;
            if (h != null && (!found || h.deadlineNanos - min < 0)) {
                min = h.deadlineNanos;
                found = true;
            }
        }
        return min;
    }

    /** Removes and returns a task whose deadline is at or before {@code now}, or null when there is none. */
    ClientTask pollExpired(long now) {
        for (int i = 0; i < laneCount; i++) {
            ClientTask h = lanes[i].head;
            if (h != null && h.deadlineNanos - now <= 0) {
                remove(h);
                return h;
            }
        }
        return null;
    }

    /** Forgets every task. */
    void clear() {
        for (int i = 0; i < laneCount; i++) {
            Lane l = lanes[i];
            for (ClientTask t = l.head; t != null; ) {
                ClientTask n = t.deadlineNext;
                t.deadlinePrev = null;
                t.deadlineNext = null;
                t.deadlineLane = null;
                t = n;
            }
            l.head = null;
            l.tail = null;
        }
        size = 0;
    }

    private void append(Lane l, ClientTask t) {
        t.deadlineLane = l;
        t.deadlinePrev = l.tail;
        t.deadlineNext = null;
        if (l.tail == null) {
            l.head = t;
        } else {
            l.tail.deadlineNext = t;
        }
        l.tail = t;
        size++;
    }

    private void insertInOrder(Lane l, ClientTask t) {
        ClientTask after = l.tail;
        while (after != null && after.deadlineNanos - t.deadlineNanos > 0) {
            after = after.deadlinePrev;
        }
        t.deadlineLane = l;
        t.deadlinePrev = after;
        ClientTask next = after == null ? l.head : after.deadlineNext;
        t.deadlineNext = next;
        if (after == null) {
            l.head = t;
        } else {
            after.deadlineNext = t;
        }
        if (next == null) {
            l.tail = t;
        } else {
            next.deadlinePrev = t;
        }
        size++;
    }
}
