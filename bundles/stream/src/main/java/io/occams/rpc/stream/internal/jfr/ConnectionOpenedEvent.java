package io.occams.rpc.stream.internal.jfr;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/** A server accepted a connection. On by default (connections are few). */
@Name("io.occams.rpc.ConnectionOpened")
@Label("occams-rpc Connection Opened")
@Category({"occams-rpc", "Connections"})
@Description("A server accepted a connection")
@StackTrace(false)
final class ConnectionOpenedEvent extends jdk.jfr.Event {
    @Label("Remote Address")
    String remote;

    @Label("Local Address")
    String local;
}
