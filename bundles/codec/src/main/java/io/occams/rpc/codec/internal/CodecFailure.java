package io.occams.rpc.codec.internal;

import io.occams.rpc.api.RpcCode;
import io.occams.rpc.api.RpcException;

/**
 * An encode or decode failure on its way out of the node tree. Each struct it passes through adds
 * the field it was in, so the final {@link RpcException} says where: {@code "Outer.inner.a: expected
 * int, got str"}. No stack trace: hostile input must not make failing cheaper to cause than to
 * answer, and the path says more than the frames would.
 */
final class CodecFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final RpcCode code;
    private String path = "";

    CodecFailure(RpcCode code, String message) {
        this(code, message, null);
    }

    CodecFailure(RpcCode code, String message, Throwable cause) {
        super(message, cause, false, false);
        this.code = code;
    }

    static CodecFailure decode(String message) {
        return new CodecFailure(RpcCode.DECODE, message);
    }

    static CodecFailure encode(String message) {
        return new CodecFailure(RpcCode.ENCODE, message);
    }

    /** Records that the failure happened inside {@code segment} (a field: {@code ".name"}). */
    CodecFailure within(String segment) {
        path = segment + path;
        return this;
    }

    RpcCode code() {
        return code;
    }

    /** The failure as the API reports it; {@code root} names the bound type. */
    RpcException toRpcException(String root) {
        String where = root + path;
        return new RpcException(code, where + ": " + getMessage(), getCause());
    }
}
