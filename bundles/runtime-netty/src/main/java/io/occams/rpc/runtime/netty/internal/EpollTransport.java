package io.occams.rpc.runtime.netty.internal;

import io.netty.channel.Channel;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.occams.rpc.api.RpcAddress;
import java.io.IOException;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;

/**
 * The native epoll transport (Linux). The only class that names epoll types; loaded only through
 * {@link Transport#select}, which falls back to NIO when these classes cannot be linked.
 */
final class EpollTransport extends Transport {
    static boolean isAvailable() {
        return Epoll.isAvailable();
    }

    static Throwable unavailabilityCause() {
        return Epoll.unavailabilityCause();
    }

    @Override
    public String name() {
        return "epoll";
    }

    @Override
    public IoHandlerFactory ioHandlerFactory() {
        return EpollIoHandler.newFactory();
    }

    @Override
    public Class<? extends Channel> channelClass(boolean unix) {
        return unix ? EpollDomainSocketChannel.class : EpollSocketChannel.class;
    }

    @Override
    public Class<? extends ServerChannel> serverChannelClass(boolean unix) {
        return unix ? EpollServerDomainSocketChannel.class : EpollServerSocketChannel.class;
    }

    @Override
    public SocketAddress socketAddress(RpcAddress address) throws IOException {
        return address.isUnix() ? new DomainSocketAddress(address.path().toString()) : address.toSocketAddress();
    }

    @Override
    public RpcAddress rpcAddress(SocketAddress address) {
        if (address instanceof DomainSocketAddress) {
            return RpcAddress.of(UnixDomainSocketAddress.of(((DomainSocketAddress) address).path()));
        }
        return super.rpcAddress(address);
    }
}
