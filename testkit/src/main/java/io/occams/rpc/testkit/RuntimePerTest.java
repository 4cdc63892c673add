package io.occams.rpc.testkit;

import io.occams.rpc.api.spi.Runtime;
import java.util.ArrayDeque;
import java.util.Deque;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The fixture of tests written once and run by a subclass per runtime (STYLE.md 15): a fresh
 * {@link Runtime} for every test, and after it, what the test handed to {@link #closeAfter} closed
 * in reverse order, then the runtime. Buffer leaks fail the class ({@link LeakCheck}).
 *
 * <p>Single-threaded as JUnit calls it: {@link #closeAfter} is for the test's own thread.
 *
 * <pre>{@code
 * abstract class AbstractPoolTest extends RuntimePerTest {
 *     @Test
 *     void callsSucceed() {
 *         StreamServer s = new StreamServer(runtime, ServerConfig.defaults(), dispatch);
 *         closeAfter(s::shutdownNow);
 *         ...
 *     }
 * }
 *
 * class NettyPoolTest extends AbstractPoolTest {
 *     protected Runtime newRuntime() { return new NettyRuntime(); }
 * }
 * }</pre>
 */
@ExtendWith(LeakCheck.class)
public abstract class RuntimePerTest {
    /** The runtime under test: made by {@link #newRuntime()} before each test, closed after it. */
    protected Runtime runtime;

    private final Deque<AutoCloseable> toClose = new ArrayDeque<>();

    /** A fresh runtime for one test; closed after it. */
    protected abstract Runtime newRuntime();

    /** Closes {@code c} after the test, before the runtime; the last one given is closed first. */
    protected final void closeAfter(AutoCloseable c) {
        toClose.push(c);
    }

    @BeforeEach
    final void startRuntime() {
        runtime = newRuntime();
    }

    /**
     * Closes everything even when one close fails (then rethrows the first failure, with the others
     * suppressed), so that a failing test does not leave a runtime's threads to the next one.
     */
    @AfterEach
    final void closeRuntime() throws Exception {
        Exception failure = null;
        while (!toClose.isEmpty()) {
            try {
                toClose.pop().close();
            } catch (Exception e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        runtime.close();
        if (failure != null) {
            throw failure;
        }
    }
}
