package io.occams.rpc.api;

/**
 * A user error that crosses the wire as its message text, in a string frame (flag 2), like the Rust
 * seed's {@code RpcError<String>}. The caller gets a {@code MessageException} with the same text.
 *
 * <p>The text must not be one of the nine reserved {@code rpc_*} names: on the wire it would read as
 * a framework failure (spec §12.17). The error registry refuses to send such a text and sends
 * {@code rpc_internal_err} instead, logging why.
 */
public class MessageException extends Exception {
    private static final long serialVersionUID = 1L;

    /** An error whose wire form is {@code message} in UTF-8. */
    public MessageException(String message) {
        super(java.util.Objects.requireNonNull(message, "message"));
    }
}
