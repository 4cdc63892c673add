package io.occams.rpc.runtime.netty.internal;

import io.netty.channel.Channel;
import io.occams.rpc.api.RpcAddress;
import io.occams.rpc.api.spi.Runtime;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A bound Netty server channel. Closing it stops accepting; the connections it accepted are not
 * touched. A Unix socket file it bound is removed on close. Thread-safe.
 */
public final class NettyListener implements Runtime.Listener {
    private static final Logger LOG = LoggerFactory.getLogger(NettyListener.class);

    private final Channel channel;
    private final RpcAddress address;
    private final Set<NettyListener> registry;
    private final AtomicBoolean closed = new AtomicBoolean();

    /** A listener over the bound {@code channel}, known as {@code address}. */
    public NettyListener(Channel channel, RpcAddress address, Set<NettyListener> registry) {
        this.channel = channel;
        this.address = address;
        this.registry = registry;
    }

    @Override
    public RpcAddress localAddress() {
        return address;
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        registry.remove(this);
        var f = channel.close();
        if (!channel.eventLoop().inEventLoop()) {
            f.awaitUninterruptibly(5, TimeUnit.SECONDS);
            // NIO closes a channel registered with a selector only when that selector next deregisters
            // its key (the JDK's deferred close): until the loop selects again the port still accepts,
            // and a client connecting then is reset later. A task due 1 ms from now runs in a later
            // turn of the loop, which begins with a select, so waiting for it means the port is shut.
            // (Epoll closes the socket at once; the wait costs it a millisecond.)
            var shut = channel.eventLoop().newPromise();
            var unused = channel.eventLoop()
                    .schedule(() -> shut.trySuccess(null), 1, TimeUnit.MILLISECONDS); // shut is awaited
            shut.awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        if (address.isUnix()) {
            try {
                deleteIfSocket(address.path());
            } catch (IOException e) {
                LOG.debug("cannot remove socket file {}", address.path(), e);
            }
        }
    }

    /**
     * Removes {@code path} when it is a Unix socket file (a dead server's leftover) and leaves anything
     * else alone, so that binding then fails with "address in use" instead of deleting a user's file.
     */
    public static void deleteIfSocket(Path path) throws IOException {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        boolean socket;
        try {
            int mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            socket = (mode & 0170000) == 0140000; // S_IFSOCK
        } catch (UnsupportedOperationException | IllegalArgumentException noUnixView) {
            socket = Files.readAttributes(
                            path, java.nio.file.attribute.BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
                    .isOther();
        }
        if (socket) {
            Files.deleteIfExists(path);
        }
    }

    @Override
    public String toString() {
        return "netty listener " + address;
    }
}
