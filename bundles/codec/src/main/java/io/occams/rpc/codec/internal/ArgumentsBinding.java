package io.occams.rpc.codec.internal;

import io.netty.buffer.ByteBuf;
import java.io.IOException;
import org.msgpack.core.MessageFormat;
import org.msgpack.value.ValueType;

/**
 * A method's argument list as the wire wants it (spec §7.1: every Rust method takes exactly one
 * argument). No parameter: nil ({@code ()}), and anything decodes to an empty array. One
 * parameter: the value itself. Several: a msgpack array of exactly that many (a Rust tuple);
 * any other count fails with DECODE. An empty buffer decodes to the parameters' defaults (null,
 * or a primitive's zero), as a Rust peer reads an empty message as {@code Default::default()}.
 */
final class ArgumentsBinding extends TopLevel<Object[]> {
    private static final Object[] NONE = new Object[0];

    private final Node[] parameters;

    ArgumentsBinding(Binder binder, Node[] parameters) {
        super(binder);
        this.parameters = parameters;
    }

    @Override
    void writeTop(Out out, Object[] args) throws IOException {
        int n = parameters.length;
        int given = args == null ? 0 : args.length;
        if (given != n) {
            throw CodecFailure.encode("expected " + n + " arguments, got " + given);
        }
        if (n == 0) {
            out.packer.packNil();
        } else if (n == 1) {
            write(out, 0, args[0]);
        } else {
            out.packer.packArrayHeader(n);
            for (int i = 0; i < n; i++) {
                write(out, i, args[i]);
            }
        }
    }

    @Override
    boolean writeDirect(ByteBuf out, Object[] args) {
        int n = parameters.length;
        if ((args == null ? 0 : args.length) != n || n > 15) {
            return false; // a wrong count fails on the session path, with its message
        }
        if (n == 0) {
            out.writeByte(Direct.NIL);
            return true;
        }
        if (n == 1) {
            return parameters[0].writeDirect(out, args[0]);
        }
        out.writeByte(Direct.FIXARRAY | n);
        for (int i = 0; i < n; i++) {
            if (!parameters[i].writeDirect(out, args[i])) {
                return false;
            }
        }
        return true;
    }

    @Override
    Object readDirect(ByteBuf in) {
        int n = parameters.length;
        int start = in.readerIndex();
        byte first = in.getByte(start);
        if (n == 0) {
            if ((first & 0xff) != Direct.NIL) {
                return SLOW;
            }
            in.readerIndex(start + 1);
            return NONE;
        }
        if (n == 1) {
            Object v = parameters[0].readDirect(in);
            return v == SLOW ? SLOW : new Object[] {v};
        }
        if (n > 15 || (first & 0xff) != (Direct.FIXARRAY | n)) {
            return SLOW;
        }
        in.readerIndex(start + 1);
        Object[] args = new Object[n];
        for (int i = 0; i < n; i++) {
            Object v = parameters[i].readDirect(in);
            if (v == SLOW) {
                in.readerIndex(start);
                return SLOW;
            }
            args[i] = v;
        }
        return args;
    }

    private void write(Out out, int i, Object value) throws IOException {
        try {
            parameters[i].writeNullable(out, value, 1);
        } catch (CodecFailure f) {
            throw f.within(" argument " + i);
        }
    }

    @Override
    Object[] readTop(In in) throws IOException {
        int n = parameters.length;
        if (n == 0) {
            in.skip();
            return NONE;
        }
        if (n == 1) {
            return new Object[] {read(in, 0)};
        }
        MessageFormat f = in.peek();
        if (f.getValueType() != ValueType.ARRAY) {
            throw In.mismatch("an array of " + n + " arguments", f);
        }
        int got = in.arrayHeader();
        if (got != n) {
            throw CodecFailure.decode("expected " + n + " arguments, got an array of " + got);
        }
        Object[] args = new Object[n];
        for (int i = 0; i < n; i++) {
            args[i] = read(in, i);
        }
        return args;
    }

    private Object read(In in, int i) throws IOException {
        try {
            return parameters[i].read(in, 1);
        } catch (CodecFailure f) {
            throw f.within(" argument " + i);
        }
    }

    @Override
    Object[] emptyValue() {
        int n = parameters.length;
        if (n == 0) {
            return NONE;
        }
        Object[] args = new Object[n];
        for (int i = 0; i < n; i++) {
            args[i] = parameters[i].defaultValue();
        }
        return args;
    }

    @Override
    String describe() {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < parameters.length; i++) {
            sb.append(i == 0 ? "" : ", ").append(parameters[i].describe());
        }
        return sb.append(')').toString();
    }
}
