package io.occams.rpc.runtime.netty.internal;

import io.netty.channel.Channel;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.occams.rpc.api.RpcAddress;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Netty transport a runtime uses: native epoll where it is available and allowed, NIO otherwise.
 * Both carry TCP and Unix-domain sockets (NIO through {@code NioDomainSocketChannel}, Java 16+).
 *
 * <p>The epoll classes are touched only inside {@link EpollTransport}, which is loaded only after
 * {@link #select} has checked they can be linked: in OSGi the epoll packages are optional imports and
 * on the module path the epoll modules are {@code requires static}, so they may be missing and the
 * runtime then serves on NIO. Immutable.
 */
public abstract class Transport {
    private static final Logger LOG = LoggerFactory.getLogger(Transport.class);

    /** Epoll when {@code preferNative} and the native library loads; NIO otherwise. */
    public static Transport select(boolean preferNative) {
        if (preferNative) {
            try {
                if (EpollTransport.isAvailable()) {
                    return new EpollTransport();
                }
                LOG.debug("native epoll unavailable, using NIO", EpollTransport.unavailabilityCause());
            } catch (LinkageError e) {
                LOG.debug("epoll classes not present, using NIO: {}", e.toString());
            }
        }
        return new NioTransport();
    }

    /** {@code "epoll"} or {@code "nio"}. */
    public abstract String name();

    /** The I/O handler of this transport's event loops. */
    public abstract IoHandlerFactory ioHandlerFactory();

    /** The class of client and accepted channels. */
    public abstract Class<? extends Channel> channelClass(boolean unix);

    /** The class of listening channels. */
    public abstract Class<? extends ServerChannel> serverChannelClass(boolean unix);

    /** The address to hand to Netty's bind or connect; resolves a TCP host (first DNS result). */
    public SocketAddress socketAddress(RpcAddress address) throws IOException {
        return address.toSocketAddress();
    }

    /** The RpcAddress of what a channel reports, or null when it reports nothing. */
    public RpcAddress rpcAddress(SocketAddress address) {
        if (address instanceof InetSocketAddress || address instanceof UnixDomainSocketAddress) {
            return RpcAddress.of(address);
        }
        return null;
    }
}
