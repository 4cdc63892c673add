/**
 * occams-rpc stream: frames, the client connection and the server side of the 0.2 wire protocol.
 */
module io.occams.rpc.stream {
    requires transitive io.occams.rpc.api;
    requires io.netty.common;
    requires org.slf4j;
    // JFR events (internal.jfr); always in a full JDK. Under OSGi the import is optional (see bnd.bnd).
    requires jdk.jfr;
    requires static osgi.annotation;
    requires static com.google.errorprone.annotations;

    exports io.occams.rpc.stream;
}
