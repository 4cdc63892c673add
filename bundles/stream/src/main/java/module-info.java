/**
 * occams-rpc stream: frames, the client connection and the server side of the 0.2 wire protocol.
 */
module io.occams.rpc.stream {
    requires transitive io.occams.rpc.api;
    requires io.netty.common;
    requires org.slf4j;
    requires static osgi.annotation;

    exports io.occams.rpc.stream;
}
