package io.occams.rpc.runtime.vthreads.internal;

/**
 * The runtime's timer thread. {@link VtConnection#flush()} never writes inline on it: the timer
 * checks for blocked writes, so it must never block in one itself.
 */
public final class TimerThread extends Thread {
    /** A daemon thread named {@code name} that runs {@code task}. */
    public TimerThread(Runnable task, String name) {
        super(task, name);
        setDaemon(true);
    }
}
