package io.occams.rpc.runtime.vthreads.internal;

import io.occams.rpc.api.RpcAddress;
import io.occams.rpc.api.spi.Runtime;
import java.io.IOException;
import java.net.BindException;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One listening socket with its accept loop on a virtual thread ({@code "occams-vt-accept [address]"}).
 * Each accepted channel goes to the runtime's {@code onAccept} (which makes and starts a connection).
 *
 * <p>For a Unix-domain path, an existing socket file is replaced at bind; closing the listener
 * deletes the file if it is still the one this listener made. Thread-safe; {@link #close()} is
 * idempotent.
 */
public final class VtListener implements Runtime.Listener {
    private static final Logger LOG = LoggerFactory.getLogger(VtListener.class);
    /** Accept backlog; the kernel caps it at net.core.somaxconn. */
    private static final int BACKLOG = 4096;
    /** Pause after an accept error that is not the listener closing (e.g. EMFILE), so it cannot spin. */
    private static final long ACCEPT_ERROR_BACKOFF_MS = 100;

    private final ServerSocketChannel channel;
    private final RpcAddress localAddress;
    private final Consumer<SocketChannel> onAccept;
    private final Consumer<VtListener> onClosed;
    /** The socket file's identity, to delete only our own on close; null for TCP. */
    private final Object unixFileKey;

    private final Thread acceptor;
    /** Set by the first close() (any thread); read by the accept loop to tell a close from an error. */
    private final AtomicBoolean closed = new AtomicBoolean();

    private VtListener(
            ServerSocketChannel channel,
            Object unixFileKey,
            Consumer<SocketChannel> onAccept,
            Consumer<VtListener> onClosed)
            throws IOException {
        this.channel = channel;
        this.unixFileKey = unixFileKey;
        this.onAccept = onAccept;
        this.onClosed = onClosed;
        this.localAddress = RpcAddress.of(channel.getLocalAddress());
        this.acceptor = Thread.ofVirtual()
                .name("occams-vt-accept [" + localAddress + "]")
                .unstarted(this::acceptLoop);
    }

    /**
     * Binds {@code address} and starts accepting.
     *
     * @param onAccept gets each accepted (blocking) channel, on the accept thread; must not block long
     * @param onClosed called once when the listener closes
     * @throws IOException when the address cannot be bound
     */
    public static VtListener bind(RpcAddress address, Consumer<SocketChannel> onAccept, Consumer<VtListener> onClosed)
            throws IOException {
        Objects.requireNonNull(address, "address");
        SocketAddress sa = address.toSocketAddress();
        ServerSocketChannel ch;
        Object fileKey = null;
        if (address.isUnix()) {
            Path path = address.path();
            replaceStaleSocket(path);
            ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            try {
                ch.bind(sa, BACKLOG);
                fileKey = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
                        .fileKey();
            } catch (IOException | RuntimeException e) {
                ch.close();
                throw e;
            }
        } else {
            ch = ServerSocketChannel.open();
            try {
                ch.setOption(StandardSocketOptions.SO_REUSEADDR, true);
                ch.bind(sa, BACKLOG);
            } catch (IOException | RuntimeException e) {
                ch.close();
                throw e;
            }
        }
        VtListener l = new VtListener(ch, fileKey, onAccept, onClosed);
        l.acceptor.start();
        return l;
    }

    /** Removes {@code path} when it is a socket file (a previous server's); refuses anything else. */
    private static void replaceStaleSocket(Path path) throws IOException {
        BasicFileAttributes attrs;
        try {
            attrs = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return;
        }
        if (!attrs.isOther()) {
            throw new BindException(path + " exists and is not a socket");
        }
        Files.deleteIfExists(path);
    }

    @Override
    public RpcAddress localAddress() {
        return localAddress;
    }

    private void acceptLoop() {
        try {
            while (!closed.get()) {
                SocketChannel s;
                try {
                    s = channel.accept();
                } catch (ClosedChannelException e) {
                    break; // close() (AsynchronousCloseException is one)
                } catch (IOException e) {
                    if (closed.get()) {
                        break;
                    }
                    LOG.warn("{}: accept failed; retrying", this, e);
                    TimeUnit.MILLISECONDS.sleep(ACCEPT_ERROR_BACKOFF_MS);
                    continue;
                }
                try {
                    onAccept.accept(s);
                } catch (RuntimeException e) {
                    LOG.warn("{}: could not set up an accepted connection", this, e);
                    try {
                        s.close();
                    } catch (IOException ignored) {
                        // nothing more to do with it
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            close();
        }
    }

    /**
     * Stops accepting and returns once the socket is closed (new connects are refused); connections
     * already accepted are not touched. Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            channel.close();
        } catch (IOException e) {
            LOG.debug("{}: error closing", this, e);
        }
        // With the accept thread blocked in accept(), the JDK only wakes it and the socket is really
        // closed when that thread leaves accept(); until then the kernel would still complete new
        // connections. Wait for it, so that "closed" means "refuses connections".
        if (Thread.currentThread() != acceptor) {
            awaitAcceptor();
        }
        if (unixFileKey != null) {
            deleteOwnSocketFile();
        }
        onClosed.accept(this);
    }

    private void awaitAcceptor() {
        boolean interrupted = false;
        while (true) {
            try {
                acceptor.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true; // the accept thread leaves at once: finish waiting, then restore
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void deleteOwnSocketFile() {
        Path path = localAddress.path();
        try {
            Object key = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
                    .fileKey();
            if (unixFileKey.equals(key)) {
                Files.deleteIfExists(path);
            }
        } catch (NoSuchFileException e) {
            // already gone
        } catch (IOException e) {
            LOG.debug("{}: could not delete the socket file", this, e);
        }
    }

    @Override
    public String toString() {
        return "VtListener[" + localAddress + (closed.get() ? ", closed]" : "]");
    }
}
