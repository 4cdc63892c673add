package io.occams.rpc.server.internal.jfr;

import io.occams.rpc.api.intercept.CallInfo;
import io.occams.rpc.api.intercept.CallInterceptor;
import io.occams.rpc.api.intercept.CallOutcome;

/**
 * Emits the server's JFR events, cheaply. The call event is an interceptor that the dispatcher puts in
 * front of its chain only while a recording has the event enabled ({@link #callsRecorded()}): with it off,
 * a call pays one check of the event's state and allocates nothing for it (the probe event does not escape
 * and is removed by the JIT, as JFR intends). Without {@code jdk.jfr} (an OSGi framework that does not export
 * it) nothing is recorded and the event classes are never loaded.
 */
public final class ServerEvents {
    /** Whether {@code jdk.jfr} is there to load; checked once. */
    public static final boolean AVAILABLE = probe();

    /** The interceptor that records {@code io.occams.rpc.Call}. */
    public static final CallInterceptor CALLS = new CallInterceptor() {
        @Override
        public Object begin(CallInfo call) {
            return Emit.beginCall();
        }

        @Override
        public void end(CallInfo call, Object state, CallOutcome outcome) {
            Emit.endCall(call, state, outcome);
        }

        @Override
        public String toString() {
            return "JFR io.occams.rpc.Call";
        }
    };

    private ServerEvents() {}

    private static boolean probe() {
        try {
            Class.forName("jdk.jfr.Event", false, ServerEvents.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError | SecurityException e) {
            return false;
        }
    }

    /** Whether a recording wants {@code io.occams.rpc.Call} now. */
    public static boolean callsRecorded() {
        return AVAILABLE && Emit.callEnabled();
    }

    /** A provider of {@code service} was registered ({@code registered}) or unregistered. */
    public static void swap(String service, boolean registered, Class<?> implementation, int ranking, int providers) {
        if (AVAILABLE) {
            Emit.swap(service, registered, implementation, ranking, providers);
        }
    }

    /** The only class that names the event types, so that they load only when jdk.jfr is there. */
    private static final class Emit {
        static boolean callEnabled() {
            return new CallEvent().isEnabled();
        }

        static Object beginCall() {
            CallEvent e = new CallEvent();
            e.begin();
            return e;
        }

        static void endCall(CallInfo call, Object state, CallOutcome outcome) {
            CallEvent e = (CallEvent) state;
            e.end();
            if (e.shouldCommit()) {
                e.service = call.service();
                e.method = call.method();
                e.peer = call.peer();
                e.outcome = outcome.status();
                e.commit();
            }
        }

        static void swap(String service, boolean registered, Class<?> implementation, int ranking, int providers) {
            ProviderSwapEvent e = new ProviderSwapEvent();
            if (e.shouldCommit()) {
                e.service = service;
                e.change = registered ? "registered" : "unregistered";
                e.implementation = implementation.getName();
                e.ranking = ranking;
                e.providers = providers;
                e.commit();
            }
        }
    }
}
