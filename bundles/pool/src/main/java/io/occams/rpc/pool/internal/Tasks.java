package io.occams.rpc.pool.internal;

import io.netty.buffer.ByteBuf;
import io.occams.rpc.api.RpcException;
import io.occams.rpc.stream.ClientTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Completing a task that never reached a stream, the way a stream would. */
public final class Tasks {
    private static final Logger LOG = LoggerFactory.getLogger(Tasks.class);

    private Tasks() {}

    /**
     * Fails {@code task} with {@code failure}: takes its blob (the pool owns it once submitted) and
     * releases it, then calls {@link ClientTask#onFailure}; a throwing callback is logged, not rethrown.
     */
    public static void fail(ClientTask task, RpcException failure) {
        try {
            ByteBuf b = task.takeBlob();
            if (b != null) {
                b.release();
            }
        } catch (RuntimeException e) {
            LOG.debug("takeBlob failed while failing a task", e);
        }
        try {
            task.onFailure(failure);
        } catch (Throwable t) {
            LOG.warn("a task's onFailure threw", t);
        }
    }
}
