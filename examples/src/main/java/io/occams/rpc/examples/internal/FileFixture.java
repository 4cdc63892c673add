package io.occams.rpc.examples.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.occams.rpc.api.RpcCode;
import io.occams.rpc.api.spi.Binding;
import io.occams.rpc.api.spi.Codec;
import io.occams.rpc.api.spi.Dispatch;
import io.occams.rpc.api.spi.ServerCall;

/**
 * The Rust seed's stream-level fixture (spec §10), for peers in other languages to test the stream layer
 * and blobs against: numeric actions Open=1, Read=2, Write=3, no service names. Messages are msgpack in
 * named mode:
 * <ul>
 * <li>Open {@code FileOpenReq{path}} answers an empty message;</li>
 * <li>Write {@code FileIOReq{inode, offset, len}} with a request blob of {@code len} bytes keeps the blob
 *     and answers {@code FileIOResp{ret_size}} (errno 22, EINVAL, when {@code len} and the blob differ);</li>
 * <li>Read {@code FileIOReq} answers {@code FileIOResp{ret_size}} and the last written blob as reply blob;</li>
 * <li>any other action, or a string action, answers {@code rpc_decode}; the connection stays open.</li>
 * </ul>
 * One stored blob for the whole fixture (as the seed's); at most {@link #MAX_BLOB} bytes are kept (a
 * larger Write answers errno 27, EFBIG). Runs on the connection's reader: nothing here blocks.
 */
public final class FileFixture implements Dispatch {
    public static final int OPEN = 1;
    public static final int READ = 2;
    public static final int WRITE = 3;
    /** The largest blob Write keeps: 16 MiB. */
    public static final int MAX_BLOB = 16 << 20;

    /** Open's request. */
    public record FileOpenReq(String path) {}

    /** Read's and Write's request ({@code len}: the blob's length for Write). */
    public record FileIOReq(long inode, long offset, long len) {}

    /** Read's and Write's answer: the size of the stored blob. */
    public record FileIOResp(long ret_size) {}

    private final Binding<FileOpenReq> openReq;
    private final Binding<FileIOReq> ioReq;
    private final Binding<FileIOResp> ioResp;
    private volatile byte[] stored = new byte[0];

    public FileFixture(Codec codec) {
        this.openReq = codec.binding(FileOpenReq.class);
        this.ioReq = codec.binding(FileIOReq.class);
        this.ioResp = codec.binding(FileIOResp.class);
    }

    @Override
    public void dispatch(ServerCall call) {
        try {
            answer(call);
        } catch (RuntimeException notTheRequest) { // a message that does not decode: the caller's fault
            if (!call.isAnswered()) {
                call.replyError(RpcCode.DECODE);
            }
        }
    }

    private void answer(ServerCall call) {
        switch (call.hasStringAction() ? -1 : call.numericAction()) {
            case OPEN -> {
                if (openReq.decode(call.msg()) == null) {
                    call.replyError(RpcCode.DECODE);
                } else {
                    call.reply(null, null);
                }
            }
            case WRITE -> {
                FileIOReq req = ioReq.decode(call.msg());
                int n = call.blob().readableBytes();
                if (req == null) {
                    call.replyError(RpcCode.DECODE);
                } else if (req.len() != n) {
                    call.replyErrno(22);
                } else if (n > MAX_BLOB) {
                    call.replyErrno(27);
                } else {
                    stored = ByteBufUtil.getBytes(call.blob());
                    call.reply(resp(call, n), null);
                }
            }
            case READ -> {
                if (ioReq.decode(call.msg()) == null) {
                    call.replyError(RpcCode.DECODE);
                    return;
                }
                byte[] b = stored;
                call.reply(resp(call, b.length), Unpooled.wrappedBuffer(b));
            }
            default -> call.replyError(RpcCode.DECODE);
        }
    }

    private ByteBuf resp(ServerCall call, long size) {
        ByteBuf b = call.alloc().buffer(16);
        ioResp.encode(new FileIOResp(size), b);
        return b;
    }
}
