package io.occams.rpc.runtime.netty.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.internal.PlatformDependent;
import io.occams.rpc.api.PeerIdentity;
import io.occams.rpc.api.RpcAddress;
import io.occams.rpc.api.spi.Connection;
import io.occams.rpc.api.spi.ConnectionHandler;
import java.nio.channels.ClosedChannelException;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Netty channel as a {@link Connection}, and the pipeline handler that turns the channel's
 * events into calls on the stream layer's {@link ConnectionHandler}.
 *
 * <p>Threading: the {@code Connection} methods may be called from any thread. On the event loop a write
 * goes straight to {@link Channel#write}. Off the loop it goes into a queue that keeps each thread's
 * order, and a flush schedules one task on the loop (unless one is already scheduled) that writes
 * whatever the queue holds by then and flushes once: replies made by many threads (synchronous service
 * methods on the blocking executor) cost one task, one wake-up and one write per batch instead of a
 * write task and a flush task each, as {@link Channel#write} off the loop would. An event-loop write or
 * flush first takes what the queue holds, and {@link #close()} / {@link #shutdownOutput()} write it
 * before they act, so no write made before them is overtaken. The handler is called on the channel's event loop only,
 * so its calls never overlap; {@code onClosed} comes once, from {@code channelInactive}, after the
 * last {@code channelRead}.
 *
 * <p>Ownership: a written buffer belongs to Netty, which releases it once written or when the channel
 * closes first; a buffer written once {@link #close()} or {@link #abort()} was called is released at
 * once. Inbound buffers are handed to the handler, which releases them.
 */
public final class NettyConnection implements Connection {
    private static final int OFF_LOOP_CHUNK = 64;
    private static final Logger LOG = LoggerFactory.getLogger(NettyConnection.class);
    /**
     * Logs a close or output shutdown that failed, which only its future reports: the channel still counts
     * as closed (its closeFuture, which the close listeners hang on, completes), so this is for debugging.
     */
    private static final ChannelFutureListener LOG_CLOSE_FAILURE = f -> {
        if (!f.isSuccess()) {
            LOG.debug("{}: close or output shutdown failed", f.channel(), f.cause());
        }
    };

    private final Channel channel;
    private final Transport transport;
    private final long writeTimeoutNanos;
    private final ConnectionHandler.Factory factory;
    private final Set<NettyConnection> registry;
    /** Completed when the handler is in place; null for an accepted connection. */
    private final CompletableFuture<Connection> connected;
    /** Written by close() and abort() on any thread, read by write() on any thread: new writes are then released. */
    private volatile boolean closing;

    private final AtomicBoolean closeRequested = new AtomicBoolean();
    private final AtomicBoolean outputShutdownRequested = new AtomicBoolean();
    /** Set on the event loop at channelActive, read from any thread. */
    private volatile RpcAddress localAddress;
    /** Set on the event loop at channelActive (or at construction when known), read from any thread. */
    private volatile RpcAddress remoteAddress;
    /** Set on the event loop by {@link NettyTls.Gate} once a TLS handshake succeeded, read from any thread. */
    private volatile PeerIdentity peerIdentity = PeerIdentity.ANONYMOUS;

    /**
     * Writes made off the event loop, waiting for {@link #drainTask} (multi-producer, the loop consumes).
     * Linked chunks of {@value #OFF_LOOP_CHUNK} slots: Netty's default chunk of 1,024 slots is about 4 KiB that
     * every connection holds for as long as it is open (the idle-connection heap it costs: benchmarks/README.md).
     */
    private final Queue<ByteBuf> offLoop = PlatformDependent.newMpscQueue(OFF_LOOP_CHUNK, 1 << 30);
    /** Whether {@link #drainTask} is scheduled and has not started yet. */
    private final AtomicBoolean drainScheduled = new AtomicBoolean();

    private final Runnable drainTask = this::drainAndFlush;

    // Confined to the channel's event loop.
    private ConnectionHandler handler;
    private boolean closedReported;
    private boolean lastWritable = true;
    private Throwable cause;

    /**
     * A connection over {@code channel}, not yet active; {@code knownLocal} and {@code knownRemote}
     * (either may be null) replace what the channel reports, which for Unix sockets is often empty.
     */
    public NettyConnection(
            Channel channel,
            Transport transport,
            long writeTimeoutNanos,
            ConnectionHandler.Factory factory,
            Set<NettyConnection> registry,
            CompletableFuture<Connection> connected,
            RpcAddress knownLocal,
            RpcAddress knownRemote) {
        this.channel = channel;
        this.transport = transport;
        this.writeTimeoutNanos = writeTimeoutNanos;
        this.factory = factory;
        this.registry = registry;
        this.connected = connected;
        this.localAddress = knownLocal;
        this.remoteAddress = knownRemote;
        if (connected != null) {
            // A caller that gave up on the connection does not want it.
            var unused = connected.whenComplete((c, e) -> { // abort() does not throw
                if (connected.isCancelled()) {
                    abort();
                }
            });
        }
    }

    /** The handler to add to the channel's pipeline (last). */
    public ChannelHandler bridge() {
        return new Bridge();
    }

    /** Completes when the channel is closed. */
    public ChannelFuture closeFuture() {
        return channel.closeFuture();
    }

    @Override
    public ByteBufAllocator alloc() {
        return channel.alloc();
    }

    @Override
    public RpcAddress remoteAddress() {
        RpcAddress a = remoteAddress;
        return a != null ? a : transport.rpcAddress(channel.remoteAddress());
    }

    @Override
    public RpcAddress localAddress() {
        RpcAddress a = localAddress;
        return a != null ? a : transport.rpcAddress(channel.localAddress());
    }

    @Override
    public PeerIdentity peerIdentity() {
        return peerIdentity;
    }

    /** The identity the TLS handshake established; before the handler is made. */
    void peerIdentity(PeerIdentity identity) {
        this.peerIdentity = identity;
    }

    @Override
    public void write(ByteBuf buf) {
        if (closing) {
            ReferenceCountUtil.safeRelease(buf);
            return;
        }
        // Netty releases the buffer once written, or when the channel closes (or its loop stops) first.
        if (channel.eventLoop().inEventLoop()) {
            writeQueued();
            var unused = channel.write(buf, channel.voidPromise()); // a failure goes to exceptionCaught
            return;
        }
        offLoop.offer(buf);
        if (closing) {
            scheduleDrain(); // raced with close or channelInactive: the drain writes or releases it
        }
    }

    @Override
    public void flush() {
        if (closing) {
            return;
        }
        if (channel.eventLoop().inEventLoop()) {
            writeQueued();
            channel.flush();
        } else {
            scheduleDrain();
        }
    }

    /** Schedules {@link #drainAndFlush} on the loop unless it is scheduled already; any thread. */
    private void scheduleDrain() {
        if (drainScheduled.compareAndSet(false, true)) {
            try {
                channel.eventLoop().execute(drainTask);
            } catch (RejectedExecutionException loopStopped) {
                drainScheduled.set(false);
                releaseQueued();
            }
        }
    }

    /** On the loop: everything queued by other threads, then one flush. */
    private void drainAndFlush() {
        drainScheduled.set(false); // a write queued from now on schedules another drain
        writeQueued();
        channel.flush();
    }

    /** On the loop: hands the queued writes to the channel (which releases them if it is closed). */
    private void writeQueued() {
        ByteBuf b;
        while ((b = offLoop.poll()) != null) {
            var unused = channel.write(b, channel.voidPromise()); // a failure goes to exceptionCaught
        }
    }

    private void releaseQueued() {
        ByteBuf b;
        while ((b = offLoop.poll()) != null) {
            ReferenceCountUtil.safeRelease(b);
        }
    }

    @Override
    public boolean isWritable() {
        return channel.isWritable();
    }

    @Override
    public void setAutoRead(boolean autoRead) {
        channel.config().setAutoRead(autoRead);
    }

    @Override
    public void shutdownOutput() {
        if (closing || !outputShutdownRequested.compareAndSet(false, true)) {
            return;
        }
        // Through the loop's task queue, so writes other threads made before this call (still queued as
        // tasks) go first; the empty write then completes after all of them, and the FIN goes out.
        inLoopOrder(() -> {
            writeQueued();
            channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> {
                if (channel instanceof DuplexChannel && channel.isActive()) {
                    ((DuplexChannel) channel).shutdownOutput().addListener(LOG_CLOSE_FAILURE);
                }
            });
        });
    }

    @Override
    public void close() {
        closing = true;
        if (!closeRequested.compareAndSet(false, true) || !channel.isOpen()) {
            return;
        }
        // As in shutdownOutput: queued behind the write tasks of other threads, never ahead of them.
        inLoopOrder(() -> {
            writeQueued();
            channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> closeChannel());
        });
        try {
            var timeout = channel.eventLoop()
                    .schedule(
                            () -> {
                                if (channel.isOpen()) {
                                    LOG.debug(
                                            "{}: queued writes not sent within the write timeout; closing anyway",
                                            channel);
                                    closeChannel();
                                }
                            },
                            writeTimeoutNanos,
                            TimeUnit.NANOSECONDS);
            channel.closeFuture().addListener(f -> timeout.cancel(false));
        } catch (RejectedExecutionException loopStopped) {
            closeChannel();
        }
    }

    @Override
    public void abort() {
        closing = true;
        closeChannel();
    }

    private void closeChannel() {
        channel.close().addListener(LOG_CLOSE_FAILURE);
    }

    @Override
    public boolean isOpen() {
        return channel.isOpen();
    }

    /**
     * Runs {@code action} as a task of the channel's event loop, even when called on it: a write made by
     * another thread is itself a queued task, and an action run at once would overtake it.
     */
    private void inLoopOrder(Runnable action) {
        try {
            channel.eventLoop().execute(action);
        } catch (RejectedExecutionException loopStopped) {
            closeChannel();
        }
    }

    @Override
    public String toString() {
        return "netty connection " + localAddress() + " -> " + remoteAddress();
    }

    /** Runs on the channel's event loop only. */
    private final class Bridge extends ChannelInboundHandlerAdapter {
        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            if (localAddress == null) {
                localAddress = transport.rpcAddress(channel.localAddress());
            }
            if (remoteAddress == null) {
                remoteAddress = transport.rpcAddress(channel.remoteAddress());
            }
            registry.add(NettyConnection.this);
            ConnectionHandler h;
            try {
                h = factory.open(NettyConnection.this);
                if (h == null) {
                    throw new NullPointerException("the connection handler factory returned null");
                }
            } catch (RuntimeException | Error e) {
                LOG.warn("{}: the connection handler factory failed; closing", channel, e);
                if (connected != null) {
                    connected.completeExceptionally(e);
                }
                abort();
                return;
            }
            handler = h;
            if (connected != null && !connected.complete(NettyConnection.this)) {
                abort(); // cancelled meanwhile
            }
            ctx.fireChannelActive();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (handler == null || closedReported || !(msg instanceof ByteBuf)) {
                ReferenceCountUtil.release(msg);
                return;
            }
            ByteBuf data = (ByteBuf) msg;
            if (!data.isReadable()) {
                data.release();
                return;
            }
            handler.onData(data); // ownership passes
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            if (handler != null && !closedReported) {
                handler.onReadComplete();
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt == ChannelInputShutdownEvent.INSTANCE) {
                if (handler != null && !closedReported) {
                    handler.onInputShutdown();
                }
                return;
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            // Netty fires this once per transition of the unwritable bit, but a transition made on
            // another thread is fired later, as a task: by then the state may have flipped back.
            // Reading isWritable() here could report the same state twice and lose a transition, so
            // each event toggles: the handler hears every transition, alternating, ending in the
            // channel's state.
            lastWritable = !lastWritable;
            if (handler != null && !closedReported) {
                handler.onWritabilityChanged(lastWritable);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            closing = true;
            releaseQueued(); // what other threads wrote and nobody flushed (a write after this is released at once)
            registry.remove(NettyConnection.this);
            if (connected != null) {
                connected.completeExceptionally(new ClosedChannelException());
            }
            if (handler != null && !closedReported) {
                closedReported = true;
                try {
                    handler.onClosed(cause);
                } catch (RuntimeException | Error e) {
                    LOG.warn("{}: onClosed threw", channel, e);
                }
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable t) {
            if (closedReported) {
                LOG.trace("{}: after close", channel, t); // e.g. a write to the closed channel
                return;
            }
            if (cause == null) {
                cause = t;
                LOG.debug("{}: closing on error", channel, t);
            } else {
                // Later errors are consequences of the first (every write queued behind a failed one fails
                // too, often with one shared ClosedChannelException): adding them to the first as suppressed
                // threw "Self-suppression not permitted" when it was the same object, once per queued write,
                // and would grow a shared exception without bound otherwise.
                LOG.trace("{}: and then", channel, t);
            }
            abort();
        }
    }
}
