/**
 * occams-rpc runtime-netty: the {@code Runtime} SPI on Netty event loops. Exports agree with the
 * bundle's Export-Package (checked by itests' ModuleManifestAgreementTest).
 *
 * <p>The epoll modules are {@code requires static}: without them the runtime serves on NIO. On the
 * module path, add them with {@code --add-modules io.netty.transport.classes.epoll,io.netty.transport.epoll.linux.x86_64}
 * to get native epoll (nothing else requires them, so they are not resolved by default).
 */
module io.occams.rpc.runtime.netty {
    requires transitive io.occams.rpc.api;
    requires io.netty.common;
    requires io.netty.transport;
    requires io.netty.handler;
    requires static io.netty.transport.classes.epoll;
    requires static io.netty.transport.unix.common;
    requires org.slf4j;
    requires static osgi.annotation;
    // internal.osgi (DS components, never loaded on the module path): compile time only.
    requires static osgi.core;
    requires static org.osgi.service.component.annotations;

    exports io.occams.rpc.runtime.netty;

    provides io.occams.rpc.api.spi.Runtime with
            io.occams.rpc.runtime.netty.NettyRuntime;
}
