package io.occams.rpc.testkit;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.netty.buffer.ByteBuf;
import io.occams.rpc.api.spi.Connection;
import io.occams.rpc.api.spi.ConnectionHandler;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;

/**
 * A {@link ConnectionHandler} that records what a runtime tells it, and checks the handler contract
 * as it goes: no call overlaps another, nothing comes after {@link #onClosed}, and {@code onClosed}
 * comes once. It releases every buffer it is given (in {@code finally}), so a leak that the leak
 * detector reports is the runtime's.
 *
 * <p>Optionally it echoes what it reads (a copy, flushed on {@link #onReadComplete}) and closes its
 * connection when the peer's output ends.
 *
 * <p>Thread safety: the {@code on*} methods are called by the runtime; every query method may be
 * called from any thread.
 */
public class RecordingHandler implements ConnectionHandler {
    /** One event, as recorded in {@link #events()}. */
    public enum Event {
        DATA,
        READ_COMPLETE,
        INPUT_SHUTDOWN,
        WRITABLE,
        UNWRITABLE,
        CLOSED
    }

    private final Connection connection;
    private final boolean echo;
    private final boolean closeOnInputShutdown;
    private final BufferTracker tracker;

    @GuardedBy("this")
    private final ByteArrayOutputStream received = new ByteArrayOutputStream();

    private final List<Event> events = new CopyOnWriteArrayList<>();
    private final List<Boolean> writabilityChanges = new CopyOnWriteArrayList<>();
    private final List<String> violations = new CopyOnWriteArrayList<>();
    private final AtomicInteger inCall = new AtomicInteger();
    private final AtomicInteger closedCount = new AtomicInteger();
    private final CountDownLatch closed = new CountDownLatch(1);
    private final CountDownLatch inputShutdown = new CountDownLatch(1);
    // Set by the test thread, read by the runtime's reader; volatile so the reader sees the new hook.
    private volatile BiConsumer<RecordingHandler, Integer> dataHook;
    // Written once by the reader in onClosed, read by test threads after the closed latch.
    private volatile Throwable closeCause;

    /**
     * A handler for {@code connection}; {@code tracker} (may be null) remembers the echo buffers so a
     * test can check the runtime released them.
     */
    public RecordingHandler(Connection connection, boolean echo, boolean closeOnInputShutdown, BufferTracker tracker) {
        this.connection = connection;
        this.echo = echo;
        this.closeOnInputShutdown = closeOnInputShutdown;
        this.tracker = tracker;
    }

    /** The connection this handler was made for. */
    public Connection connection() {
        return connection;
    }

    /**
     * Runs {@code hook} on the reader after each {@code onData}, with the handler and the total
     * number of bytes received so far.
     */
    public void onDataHook(BiConsumer<RecordingHandler, Integer> hook) {
        this.dataHook = hook;
    }

    @Override
    public void onData(ByteBuf data) {
        enter(Event.DATA);
        try {
            int n = data.readableBytes();
            if (n == 0) {
                violations.add("onData with an empty buffer");
            }
            int total;
            synchronized (this) {
                data.getBytes(data.readerIndex(), received, n);
                total = received.size();
            }
            if (echo && n > 0) {
                ByteBuf copy = connection.alloc().buffer(n).writeBytes(data, data.readerIndex(), n);
                connection.write(tracker != null ? tracker.track(copy) : copy);
            }
            BiConsumer<RecordingHandler, Integer> hook = dataHook;
            if (hook != null) {
                hook.accept(this, total);
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } finally {
            data.release();
            exit();
        }
    }

    @Override
    public void onReadComplete() {
        enter(Event.READ_COMPLETE);
        try {
            if (echo) {
                connection.flush();
            }
        } finally {
            exit();
        }
    }

    @Override
    public void onInputShutdown() {
        enter(Event.INPUT_SHUTDOWN);
        try {
            inputShutdown.countDown();
            if (closeOnInputShutdown) {
                connection.close();
            }
        } finally {
            exit();
        }
    }

    @Override
    public void onWritabilityChanged(boolean writable) {
        enter(writable ? Event.WRITABLE : Event.UNWRITABLE);
        try {
            writabilityChanges.add(writable);
        } finally {
            exit();
        }
    }

    @Override
    public void onClosed(Throwable cause) {
        enter(Event.CLOSED);
        try {
            closeCause = cause;
            if (closedCount.incrementAndGet() > 1) {
                violations.add("onClosed called " + closedCount.get() + " times");
            }
            closed.countDown();
        } finally {
            exit();
        }
    }

    private void enter(Event e) {
        if (closedCount.get() > 0) {
            violations.add(e + " after onClosed");
        }
        if (inCall.incrementAndGet() != 1) {
            violations.add(e + " while another call was running");
        }
        events.add(e);
    }

    private void exit() {
        inCall.decrementAndGet();
    }

    /** A copy of every byte received so far, in order. */
    public synchronized byte[] received() {
        return received.toByteArray();
    }

    /** How many bytes were received so far. */
    public synchronized int receivedCount() {
        return received.size();
    }

    /** The events so far, in order. */
    public List<Event> events() {
        return new ArrayList<>(events);
    }

    /** The values passed to {@link #onWritabilityChanged}, in order. */
    public List<Boolean> writabilityChanges() {
        return new ArrayList<>(writabilityChanges);
    }

    /** Breaches of the handler contract seen so far; empty when all is well. */
    public List<String> violations() {
        return new ArrayList<>(violations);
    }

    /** How many times {@link #onClosed} was called. */
    public int closedCount() {
        return closedCount.get();
    }

    /** Counted down by the first {@link #onClosed}. */
    public CountDownLatch closedLatch() {
        return closed;
    }

    /** Counted down by {@link #onInputShutdown}. */
    public CountDownLatch inputShutdownLatch() {
        return inputShutdown;
    }

    /** The cause given to {@link #onClosed}, or null. */
    public Throwable closeCause() {
        return closeCause;
    }
}
