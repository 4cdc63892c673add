package io.occams.rpc.codec.internal;

import io.netty.buffer.ByteBuf;
import io.occams.rpc.api.RpcCode;
import io.occams.rpc.api.RpcException;
import io.occams.rpc.api.spi.Binding;
import java.io.IOException;
import java.util.Objects;
import org.msgpack.core.MessageInsufficientBufferException;
import org.msgpack.core.MessagePackException;

/**
 * The part of every binding that faces the caller: takes a pooled session, runs the node tree,
 * turns every failure into an {@link RpcException} and leaves the buffer as it found it when one
 * happens (the writer index of {@code out} restored; the reader index of {@code in} untouched).
 *
 * @param <T> the bound type
 */
abstract class TopLevel<T> implements Binding<T> {
    private static final Pool<Out> OUTS = new Pool<>(Out::new);
    private static final Pool<In> INS = new Pool<>(In::new);

    final Binder binder;

    TopLevel(Binder binder) {
        this.binder = binder;
    }

    /** Writes one value (possibly null) at depth 0. */
    abstract void writeTop(Out out, T value) throws IOException;

    /** Reads one value at depth 0; the input holds at least one byte. */
    abstract T readTop(In in) throws IOException;

    /** What an empty buffer decodes to. */
    abstract T emptyValue();

    /** The bound type's name for messages. */
    abstract String describe();

    @Override
    public final void encode(T value, ByteBuf out) {
        Objects.requireNonNull(out, "out");
        int start = out.writerIndex();
        boolean ok = false;
        Out o = OUTS.acquire();
        try {
            o.begin(out, binder.maxDepth());
            writeTop(o, value);
            o.finish();
            ok = true;
        } catch (CodecFailure f) {
            throw f.toRpcException(describe());
        } catch (ClassCastException e) {
            throw new RpcException(RpcCode.ENCODE, describe() + ": wrong value type: " + e.getMessage(), e);
        } catch (MessagePackException | IOException e) {
            throw new RpcException(RpcCode.ENCODE, describe() + ": " + e, e);
        } finally {
            o.end();
            OUTS.release(o);
            if (!ok) {
                out.writerIndex(start);
            }
        }
    }

    @Override
    public final T decode(ByteBuf in) {
        Objects.requireNonNull(in, "in");
        if (!in.isReadable()) {
            return emptyValue();
        }
        In i = INS.acquire();
        try {
            i.begin(in, binder.maxDepth());
            T v = readTop(i);
            in.skipBytes((int) i.consumed());
            return v;
        } catch (CodecFailure f) {
            throw f.toRpcException(describe());
        } catch (MessageInsufficientBufferException e) {
            throw new RpcException(RpcCode.DECODE, describe() + ": truncated: " + in.readableBytes() + " bytes end inside a value", e);
        } catch (MessagePackException | IOException e) {
            throw new RpcException(RpcCode.DECODE, describe() + ": " + e.getMessage(), e);
        } finally {
            try {
                i.end();
            } catch (IOException ignored) {
                // reset of an in-memory input cannot fail
            }
            INS.release(i);
        }
    }
}
