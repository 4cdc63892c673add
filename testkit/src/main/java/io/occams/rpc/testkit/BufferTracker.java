package io.occams.rpc.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.netty.buffer.ByteBuf;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Remembers buffers handed to a runtime so that a test can check, at its end, that the runtime
 * released every one of them exactly once (written, or dropped on close). Thread-safe.
 *
 * <pre>{@code
 * connection.write(tracker.track(alloc.buffer().writeBytes(bytes)));
 * ...
 * tracker.awaitAllReleased(Duration.ofSeconds(5));
 * }</pre>
 */
public final class BufferTracker {
    @GuardedBy("this")
    private final List<ByteBuf> buffers = new ArrayList<>();

    /** Remembers {@code buf} (not retained: the caller passes it on) and returns it. */
    public synchronized ByteBuf track(ByteBuf buf) {
        buffers.add(buf);
        return buf;
    }

    /** How many buffers are tracked. */
    public synchronized int size() {
        return buffers.size();
    }

    /** The tracked buffers whose reference count is not yet 0. */
    public synchronized List<ByteBuf> unreleased() {
        List<ByteBuf> left = new ArrayList<>();
        for (ByteBuf b : buffers) {
            if (b.refCnt() != 0) {
                left.add(b);
            }
        }
        return left;
    }

    /** Waits until every tracked buffer has been released, failing after {@code timeout}. */
    public void awaitAllReleased(Duration timeout) {
        await("every buffer given to the runtime released")
                .atMost(timeout)
                .untilAsserted(() -> assertThat(unreleased()).isEmpty());
    }
}
