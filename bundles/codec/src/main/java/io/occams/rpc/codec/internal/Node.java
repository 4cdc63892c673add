package io.occams.rpc.codec.internal;

import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.lang.reflect.Type;
import org.msgpack.core.MessageFormat;

/**
 * What the codec knows about one Java type: how to write a value of it and how to read one back.
 * Nodes form a tree (a record's node holds its components' nodes) built once by {@link Binder};
 * afterwards they are immutable and shared by every thread. The node of a type is also its public
 * {@link io.occams.rpc.api.spi.Binding}.
 */
abstract class Node extends TopLevel<Object> {
    final Type type;

    Node(Binder binder, Type type) {
        super(binder);
        this.type = type;
    }

    /** Writes {@code value}, which is not null. */
    abstract void write(Out out, Object value, int depth) throws IOException;

    /** Reads a value whose format {@code f} is not nil. */
    abstract Object readValue(In in, MessageFormat f, int depth) throws IOException;

    /** What nil decodes to: null, or the zero of a primitive, or an empty Optional. */
    Object nilValue() {
        return null;
    }

    /** What a field missing from a map gets. */
    Object defaultValue() {
        return nilValue();
    }

    /** Writes {@code value}, nil when it is null. */
    void writeNullable(Out out, Object value, int depth) throws IOException {
        if (value == null) {
            out.packer.packNil();
        } else {
            write(out, value, depth);
        }
    }

    /** Reads the next value, nil included. */
    Object read(In in, int depth) throws IOException {
        MessageFormat f = in.peek();
        if (f == MessageFormat.NIL) {
            in.unpacker.unpackNil();
            return nilValue();
        }
        return readValue(in, f, depth);
    }

    @Override
    final void writeTop(Out out, Object value) throws IOException {
        writeNullable(out, value, 0);
    }

    @Override
    final Object readTop(In in) throws IOException {
        return read(in, 0);
    }

    @Override
    final Object emptyValue() {
        return defaultValue();
    }

    @Override
    String describe() {
        return Types.name(type);
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + describe() + "]";
    }

    /** A forward reference to a node still being built (a recursive type); resolved before any use. */
    static final class Lazy extends Node {
        private Node target;

        Lazy(Binder binder, Type type) {
            super(binder, type);
        }

        void resolve(Node n) {
            target = n;
        }

        @Override
        void write(Out out, Object value, int depth) throws IOException {
            target.write(out, value, depth);
        }

        @Override
        void writeNullable(Out out, Object value, int depth) throws IOException {
            target.writeNullable(out, value, depth);
        }

        @Override
        Object readValue(In in, MessageFormat f, int depth) throws IOException {
            return target.readValue(in, f, depth);
        }

        @Override
        Object read(In in, int depth) throws IOException {
            return target.read(in, depth);
        }

        @Override
        boolean writeDirect(ByteBuf out, Object value) {
            return target.writeDirect(out, value);
        }

        @Override
        Object readDirect(ByteBuf in) {
            return target.readDirect(in);
        }

        @Override
        Object nilValue() {
            return target.nilValue();
        }

        @Override
        Object defaultValue() {
            return target.defaultValue();
        }
    }
}
