package io.occams.rpc.api;

/**
 * A user error that crosses the wire as a bare number, in an errno frame (flag 1), like the Rust
 * seed's {@code Errno} and integer errors. Declare it (or a subclass with its own error codec) on a
 * service method; throw it from the implementation; the caller gets it back with the same number.
 *
 * <pre>{@code
 * long read(long inode) throws ErrnoException;   // implementation: throw new ErrnoException(5)
 * }</pre>
 */
public class ErrnoException extends Exception {
    private static final long serialVersionUID = 1L;
    /** EIO, as the reference fixtures use it. */
    public static final int EIO = 5;
    /** EACCES. */
    public static final int EACCES = 13;
    /** EINVAL. */
    public static final int EINVAL = 22;

    private final int errno;

    /** An error with number {@code errno} (sent as an unsigned 32-bit value). */
    public ErrnoException(int errno) {
        this(errno, "errno " + Integer.toUnsignedString(errno));
    }

    /** An error with number {@code errno} and a local message (the message does not cross the wire). */
    public ErrnoException(int errno, String message) {
        super(message);
        this.errno = errno;
    }

    /** The number on the wire. */
    public int errno() {
        return errno;
    }
}
