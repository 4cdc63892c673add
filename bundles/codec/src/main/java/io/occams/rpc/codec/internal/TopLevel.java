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
    /** What {@link #readDirect} returns when the input needs a session (anything but the plain cases). */
    static final Object SLOW = new Object();

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

    /**
     * Writes {@code value} straight into {@code out}, without a session, when it is a case {@link Direct}
     * covers (scalars, and argument lists of them), and returns true; returns false otherwise, possibly
     * having written a part, which the caller drops. Must write exactly the bytes {@link #writeTop} writes.
     */
    boolean writeDirect(ByteBuf out, T value) {
        return false;
    }

    /**
     * Reads one value straight from {@code in}'s readable bytes, without a session, advancing the reader
     * index past it; or returns {@link #SLOW} with the reader index untouched when the bytes are not a case
     * {@link Direct} covers (other formats, values out of range, truncated input: the session path then
     * reads them, or fails with its usual message). Must give what {@link #readTop} gives.
     */
    Object readDirect(ByteBuf in) {
        return SLOW;
    }

    @Override
    public final void encode(T value, ByteBuf out) {
        Objects.requireNonNull(out, "out");
        int start = out.writerIndex();
        boolean ok = false;
        try {
            ok = writeDirect(out, value);
        } finally {
            if (!ok) {
                out.writerIndex(start);
            }
        }
        if (!ok) {
            encodeInSession(value, out);
        }
    }

    /** {@link #encode} through a pooled msgpack-core session, whatever the value. */
    final void encodeInSession(T value, ByteBuf out) {
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
        Object direct = readDirect(in);
        if (direct != SLOW) {
            @SuppressWarnings("unchecked")
            T v = (T) direct;
            return v;
        }
        return decodeInSession(in);
    }

    /** {@link #decode} of a readable {@code in} through a pooled msgpack-core session, whatever the bytes. */
    final T decodeInSession(ByteBuf in) {
        In i = INS.acquire();
        try {
            i.begin(in, binder.maxDepth());
            T v = readTop(i);
            in.skipBytes((int) i.consumed());
            return v;
        } catch (CodecFailure f) {
            throw f.toRpcException(describe());
        } catch (MessageInsufficientBufferException e) {
            throw new RpcException(
                    RpcCode.DECODE, describe() + ": truncated: " + in.readableBytes() + " bytes end inside a value", e);
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
