package io.occams.rpc.testkit;

import io.occams.rpc.api.RpcAddress;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A plain blocking {@code java.nio} server socket, for tests in which the runtime is the client and
 * the test must see the raw bytes on the other end.
 */
public final class RawServer implements AutoCloseable {
    private final ServerSocketChannel channel;
    private final RpcAddress address;
    private final Path unixPath;

    private RawServer(ServerSocketChannel channel, RpcAddress address, Path unixPath) {
        this.channel = channel;
        this.address = address;
        this.unixPath = unixPath;
    }

    /** Binds a fresh address of {@code transport} ({@code dir} holds Unix socket files). */
    public static RawServer bind(Transport transport, Path dir) throws IOException {
        ServerSocketChannel ch = ServerSocketChannel.open(transport.family());
        try {
            var sa = transport.freshSocketAddress(dir);
            ch.bind(sa);
            Path path = sa instanceof UnixDomainSocketAddress ? ((UnixDomainSocketAddress) sa).getPath() : null;
            return new RawServer(ch, RpcAddress.of(ch.getLocalAddress()), path);
        } catch (IOException e) {
            ch.close();
            throw e;
        }
    }

    /** The bound address, for the runtime to connect to. */
    public RpcAddress address() {
        return address;
    }

    /** Waits for the next connection. */
    public RawPeer accept() throws IOException {
        return new RawPeer(channel.accept());
    }

    /** Closes the listening socket but leaves its Unix socket file behind, as a crashed server would. */
    public void closeKeepingFile() throws IOException {
        channel.close();
    }

    /** Closes the listening socket (and removes its Unix socket file); idempotent. */
    @Override
    public void close() throws IOException {
        channel.close();
        if (unixPath != null) {
            Files.deleteIfExists(unixPath);
        }
    }
}
