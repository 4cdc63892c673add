package io.occams.rpc.stream;

import io.netty.buffer.ByteBuf;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * A task that sends another task's request and hands it the answer: the base of wrappers that decide,
 * in {@link #onFailure}, whether a failed attempt is sent again (a pool's re-send through a new
 * generation, a {@link TrackingCaller}'s through a new caller). It has the wrapped task's action,
 * timeout and idempotence, delegates the msg, the blob and every answer, and records whether the blob
 * was taken: a call whose blob went out is never sent again.
 */
@ConsumerType
public abstract class ForwardingClientTask extends ClientTask {
    /** The task whose request this one sends and which gets the answer. */
    protected final ClientTask task;

    private volatile boolean blobTaken;

    @SuppressWarnings("this-escape") // timeout() and idempotent() are final setters of ClientTask's own fields
    protected ForwardingClientTask(ClientTask task) {
        super(task);
        this.task = task;
        if (task.timeout() != null) {
            timeout(task.timeout());
        }
        idempotent(task.isIdempotent());
    }

    /** Whether this attempt handed the task's blob to a stream (it may have been written). */
    protected final boolean blobTaken() {
        return blobTaken;
    }

    @Override
    public void encodeMsg(ByteBuf out) {
        task.encodeMsg(out);
    }

    @Override
    public ByteBuf takeBlob() {
        ByteBuf b = task.takeBlob();
        if (b != null) {
            blobTaken = true;
        }
        return b;
    }

    @Override
    public void onReply(ByteBuf msg, ByteBuf blob) {
        task.onReply(msg, blob);
    }

    @Override
    public void onErrno(int errno) {
        task.onErrno(errno);
    }

    @Override
    public void onErrorString(ByteBuf text) {
        task.onErrorString(text);
    }
}
