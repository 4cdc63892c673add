package io.occams.rpc.runtime.netty.internal;

import io.netty.channel.Channel;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDomainSocketChannel;
import io.netty.channel.socket.nio.NioServerDomainSocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;

/** The NIO transport: TCP and, through {@code java.net.UnixDomainSocketAddress}, Unix-domain sockets. */
final class NioTransport extends Transport {
    @Override
    public String name() {
        return "nio";
    }

    @Override
    public IoHandlerFactory ioHandlerFactory() {
        return NioIoHandler.newFactory();
    }

    @Override
    public Class<? extends Channel> channelClass(boolean unix) {
        return unix ? NioDomainSocketChannel.class : NioSocketChannel.class;
    }

    @Override
    public Class<? extends ServerChannel> serverChannelClass(boolean unix) {
        return unix ? NioServerDomainSocketChannel.class : NioServerSocketChannel.class;
    }
}
