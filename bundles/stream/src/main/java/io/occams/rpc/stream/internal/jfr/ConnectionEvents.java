package io.occams.rpc.stream.internal.jfr;

/**
 * Emits the connection events, cheaply: nothing is allocated or formatted unless a recording has the
 * event enabled. Without {@code jdk.jfr} (an OSGi framework that does not export it) every method does
 * nothing; the event classes are then never loaded.
 */
public final class ConnectionEvents {
    /** Whether {@code jdk.jfr} is there to load; checked once. */
    public static final boolean AVAILABLE = probe();

    private ConnectionEvents() {}

    private static boolean probe() {
        try {
            Class.forName("jdk.jfr.Event", false, ConnectionEvents.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError | SecurityException e) {
            return false;
        }
    }

    /** A server accepted a connection from {@code remote} on {@code local}. */
    public static void opened(Object remote, Object local) {
        if (AVAILABLE) {
            Emit.opened(remote, local);
        }
    }

    /** The server connection from {@code remote} on {@code local} closed; {@code cause} null when cleanly. */
    public static void closed(Object remote, Object local, Throwable cause) {
        if (AVAILABLE) {
            Emit.closed(remote, local, cause);
        }
    }

    /** The only class that names the event types, so that they load only when jdk.jfr is there. */
    private static final class Emit {
        static void opened(Object remote, Object local) {
            ConnectionOpenedEvent e = new ConnectionOpenedEvent();
            if (e.shouldCommit()) {
                e.remote = String.valueOf(remote);
                e.local = String.valueOf(local);
                e.commit();
            }
        }

        static void closed(Object remote, Object local, Throwable cause) {
            ConnectionClosedEvent e = new ConnectionClosedEvent();
            if (e.shouldCommit()) {
                e.remote = String.valueOf(remote);
                e.local = String.valueOf(local);
                e.cause = cause == null ? null : cause.toString();
                e.commit();
            }
        }
    }
}
