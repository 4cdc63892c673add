package io.occams.rpc.testsuite;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.occams.rpc.api.RpcCode;
import io.occams.rpc.api.spi.Binding;
import io.occams.rpc.api.spi.Codec;
import io.occams.rpc.api.spi.Dispatch;
import io.occams.rpc.api.spi.ServerCall;
import io.occams.rpc.codec.MsgpackCodec;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The seed's stream fixture (spec §10): numeric actions Open=1, Read=2, Write=3; Write keeps the
 * request blob, Read returns it. Knobs make Open fail with an errno, or hold Open or Read until a
 * gate opens (on the blocking executor, never on the reader).
 */
public final class FileService implements Dispatch {
    public static final int OPEN = 1;
    public static final int READ = 2;
    public static final int WRITE = 3;

    public record FileOpenReq(String path) {}

    public record FileIOReq(long inode, long offset, long len) {}

    public record FileIOResp(long ret_size) {}

    static final Codec CODEC = new MsgpackCodec();
    static final Binding<FileOpenReq> OPEN_REQ = CODEC.binding(FileOpenReq.class);
    static final Binding<FileIOReq> IO_REQ = CODEC.binding(FileIOReq.class);
    static final Binding<FileIOResp> IO_RESP = CODEC.binding(FileIOResp.class);

    private volatile byte[] stored = new byte[0];
    volatile int openErrno;
    volatile CountDownLatch openGate;
    volatile CountDownLatch ioGate;
    final AtomicInteger calls = new AtomicInteger();

    @Override
    public void dispatch(ServerCall call) {
        calls.incrementAndGet();
        switch (call.hasStringAction() ? -1 : call.numericAction()) {
            case OPEN:
                if (OPEN_REQ.decode(call.msg()).path() == null) {
                    throw new IllegalStateException("Open without a path");
                }
                if (openErrno != 0) {
                    call.replyErrno(openErrno);
                } else if (openGate != null) {
                    CountDownLatch g = openGate;
                    call.executor().execute(() -> {
                        await(g);
                        call.reply(null, null);
                    });
                } else {
                    call.reply(null, null);
                }
                break;
            case WRITE:
                if (IO_REQ.decode(call.msg()).len() != call.blob().readableBytes()) {
                    call.replyErrno(22);
                    return;
                }
                stored = ByteBufUtil.getBytes(call.blob());
                call.reply(resp(call, stored.length), null);
                break;
            case READ:
                if (IO_REQ.decode(call.msg()) == null) {
                    throw new IllegalStateException("Read without a request");
                }
                if (ioGate != null) {
                    CountDownLatch g = ioGate;
                    call.executor().execute(() -> {
                        await(g);
                        call.reply(resp(call, stored.length), Unpooled.wrappedBuffer(stored));
                    });
                } else {
                    call.reply(resp(call, stored.length), Unpooled.wrappedBuffer(stored));
                }
                break;
            default:
                call.replyError(RpcCode.DECODE);
        }
    }

    private static ByteBuf resp(ServerCall call, long size) {
        ByteBuf b = call.alloc().buffer(16);
        IO_RESP.encode(new FileIOResp(size), b);
        return b;
    }

    private static void await(CountDownLatch g) {
        try {
            if (!g.await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("gate never opened");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static ByteBuf openMsg(String path) {
        ByteBuf b = Unpooled.buffer();
        OPEN_REQ.encode(new FileOpenReq(path), b);
        return b;
    }

    static ByteBuf ioMsg(long inode, long offset, long len) {
        ByteBuf b = Unpooled.buffer();
        IO_REQ.encode(new FileIOReq(inode, offset, len), b);
        return b;
    }
}
