package io.occams.rpc.cli;

import io.netty.buffer.ByteBuf;
import io.occams.rpc.api.RpcException;
import io.occams.rpc.discovery.zookeeper.ZooKeeperDiscovery;
import io.occams.rpc.stream.ClientTask;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import picocli.CommandLine.Option;

/**
 * {@code --zookeeper HOST:PORT}: find the servers of a service in ZooKeeper (the
 * {@code discovery-zookeeper} bundle's entries) instead of giving {@code --address}. Shared by
 * {@code call}, {@code bench} and {@code list}.
 */
final class ZooKeeperOption {
    @Option(
            names = "--zookeeper",
            paramLabel = "HOST:PORT[,HOST:PORT...]",
            description = "Find the servers of the service in this ZooKeeper (instead of --address).")
    String connect;

    @Option(
            names = "--zookeeper-root",
            paramLabel = "PATH",
            description = "The root of the entries (default: " + ZooKeeperDiscovery.DEFAULT_ROOT + ").")
    String root = ZooKeeperDiscovery.DEFAULT_ROOT;

    boolean enabled() {
        return connect != null && !connect.isBlank();
    }

    /** A discovery on {@link #connect}; an unreachable ZooKeeper is reported after 5 s and retried. */
    ZooKeeperDiscovery open() {
        return ZooKeeperDiscovery.builder()
                .connect(connect)
                .root(root)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
    }

    /** The service of {@code Service.method}. */
    static String serviceOf(String action) {
        return action.substring(0, action.indexOf('.'));
    }

    /** One call whose reply, as JSON, or failure completes {@link #result}. */
    static final class JsonCall extends ClientTask {
        final CompletableFuture<String> result = new CompletableFuture<>();
        private final byte[] msg;

        JsonCall(String action, byte[] msg) {
            super(action);
            this.msg = msg;
        }

        @Override
        public void encodeMsg(ByteBuf out) {
            out.writeBytes(msg);
        }

        @Override
        public void onReply(ByteBuf m, ByteBuf blob) {
            try {
                result.complete(JsonMsgpack.toJson(m));
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
            }
        }

        @Override
        public void onErrno(int errno) {
            result.completeExceptionally(RpcException.unmappedErrno(Integer.toUnsignedLong(errno)));
        }

        @Override
        public void onErrorString(ByteBuf text) {
            byte[] b = new byte[text.readableBytes()];
            text.getBytes(text.readerIndex(), b);
            result.completeExceptionally(RpcException.unmappedString(b));
        }

        @Override
        public void onFailure(RpcException failure) {
            result.completeExceptionally(failure);
        }
    }
}
