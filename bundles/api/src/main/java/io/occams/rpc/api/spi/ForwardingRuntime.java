package io.occams.rpc.api.spi;

import io.netty.buffer.ByteBufAllocator;
import io.occams.rpc.api.RpcAddress;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;

/**
 * A {@link Runtime} that forwards every call to another one, except {@link #close()}, which does nothing:
 * how a runtime is shared (an OSGi service, a container's singleton) so that none of its users can close
 * it for the others. Whoever owns the shared runtime closes {@link #delegate()} itself.
 */
public abstract class ForwardingRuntime implements Runtime {
    /** For subclasses, which say in {@link #delegate()} where calls go. */
    public ForwardingRuntime() {}

    /** The runtime calls go to; the same one for the life of this object. */
    protected abstract Runtime delegate();

    @Override
    public String name() {
        return delegate().name();
    }

    @Override
    public ByteBufAllocator allocator() {
        return delegate().allocator();
    }

    @Override
    public CompletableFuture<Connection> connect(
            RpcAddress address, Duration timeout, ConnectionHandler.Factory factory) {
        return delegate().connect(address, timeout, factory);
    }

    @Override
    public Listener listen(RpcAddress address, ConnectionHandler.Factory factory) throws IOException {
        return delegate().listen(address, factory);
    }

    @Override
    public CompletableFuture<Connection> connect(
            RpcAddress address, Duration timeout, ConnectionHandler.Factory factory, TlsContext tls) {
        return delegate().connect(address, timeout, factory, tls);
    }

    @Override
    public Listener listen(RpcAddress address, ConnectionHandler.Factory factory, TlsContext tls) throws IOException {
        return delegate().listen(address, factory, tls);
    }

    @Override
    public ScheduledExecutorService scheduler() {
        return delegate().scheduler();
    }

    @Override
    public Executor blockingExecutor() {
        return delegate().blockingExecutor();
    }

    /** Does nothing: a shared runtime is closed by its owner, through {@link #delegate()}. */
    @Override
    public void close() {}

    @Override
    public String toString() {
        return "shared:" + delegate();
    }
}
