package io.occams.rpc.testkit;

import io.occams.rpc.api.spi.Connection;
import io.occams.rpc.api.spi.ConnectionHandler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A {@link ConnectionHandler.Factory} that makes {@link RecordingHandler}s and hands each to the test
 * in the order the runtime asked for them. Thread-safe.
 */
public final class RecordingFactory implements ConnectionHandler.Factory {
    private final boolean echo;
    private final boolean closeOnInputShutdown;
    private final BufferTracker tracker;
    private final BlockingQueue<RecordingHandler> opened = new LinkedBlockingQueue<>();
    private final List<RecordingHandler> all = new CopyOnWriteArrayList<>();

    /** Handlers that echo or not, and close on the peer's end of stream or not. */
    public RecordingFactory(boolean echo, boolean closeOnInputShutdown, BufferTracker tracker) {
        this.echo = echo;
        this.closeOnInputShutdown = closeOnInputShutdown;
        this.tracker = tracker;
    }

    @Override
    public ConnectionHandler open(Connection connection) {
        RecordingHandler h = new RecordingHandler(connection, echo, closeOnInputShutdown, tracker);
        all.add(h);
        opened.add(h);
        return h;
    }

    /** The next handler made, waiting up to {@code timeout}; fails when none comes. */
    public RecordingHandler next(Duration timeout) throws InterruptedException {
        RecordingHandler h = opened.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (h == null) {
            throw new AssertionError("the factory was not called within " + timeout);
        }
        return h;
    }

    /** How many handlers were made. */
    public int count() {
        return all.size();
    }

    /** Every handler made so far. */
    public List<RecordingHandler> all() {
        return new ArrayList<>(all);
    }
}
