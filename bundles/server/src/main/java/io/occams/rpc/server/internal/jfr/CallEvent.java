package io.occams.rpc.server.internal.jfr;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/**
 * One call served, from its arrival to its answer. Off by default (there may be a million a second):
 * enable it in the recording ({@code jfr configure} or {@code -XX:StartFlightRecording:...}, setting
 * {@code io.occams.rpc.Call#enabled=true}), with a {@code threshold} to keep only the slow ones.
 */
@Name("io.occams.rpc.Call")
@Label("occams-rpc Call")
@Category({"occams-rpc", "Calls"})
@Description("A call served, from its arrival to its answer")
@Enabled(false)
@StackTrace(false)
final class CallEvent extends jdk.jfr.Event {
    @Label("Service")
    String service;

    @Label("Method")
    String method;

    @Label("Peer")
    @Description("Who called, when the transport tells (null when not known)")
    String peer;

    @Label("Outcome")
    @Description("OK, the framework code's wire name (rpc_timeout, ...), errno_<n>, or error")
    String outcome;
}
