package io.occams.rpc.stream.internal.jfr;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/** A server connection closed. On by default (connections are few). */
@Name("io.occams.rpc.ConnectionClosed")
@Label("occams-rpc Connection Closed")
@Category({"occams-rpc", "Connections"})
@Description("A server connection closed")
@StackTrace(false)
final class ConnectionClosedEvent extends jdk.jfr.Event {
    @Label("Remote Address")
    String remote;

    @Label("Local Address")
    String local;

    @Label("Cause")
    @Description("Why the connection closed; null when it closed cleanly")
    String cause;
}
