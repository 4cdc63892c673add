package io.occams.rpc.api.spi;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A user error as it crosses the wire (spec §4.3): either a number in an errno frame (flag 1) or
 * bytes in a string frame (flag 2): UTF-8 text, or a value encoded by the codec. Immutable.
 */
public final class WireError {
    private final boolean errnoFrame;
    private final int errno;
    private final byte[] bytes;

    private WireError(boolean errnoFrame, int errno, byte[] bytes) {
        this.errnoFrame = errnoFrame;
        this.errno = errno;
        this.bytes = bytes;
    }

    /** An errno frame carrying {@code errno} (an unsigned 32-bit value on the wire). */
    public static WireError errno(int errno) {
        return new WireError(true, errno, null);
    }

    /** A string frame carrying {@code text} in UTF-8. */
    public static WireError text(String text) {
        return new WireError(false, 0, text.getBytes(StandardCharsets.UTF_8));
    }

    /** A string frame carrying {@code bytes} (copied). */
    public static WireError bytes(byte[] bytes) {
        return new WireError(false, 0, bytes.clone());
    }

    /** A string frame that takes {@code bytes} without copying; the caller must not change them. */
    public static WireError wrap(byte[] bytes) {
        return new WireError(false, 0, bytes);
    }

    public boolean isErrno() {
        return errnoFrame;
    }

    /** The number of an errno frame; 0 for a string frame. */
    public int errno() {
        return errno;
    }

    /** The bytes of a string frame (a copy), or null for an errno frame. */
    public byte[] bytes() {
        return bytes == null ? null : bytes.clone();
    }

    /** The length of a string frame's bytes, or 0. */
    public int length() {
        return bytes == null ? 0 : bytes.length;
    }

    /** The string frame's bytes decoded as UTF-8 (malformed bytes replaced), or null. */
    public String text() {
        return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
    }

    /** Reads the string frame's bytes without copying them; must not be changed. */
    public byte[] unsafeBytes() {
        return bytes;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof WireError)) {
            return false;
        }
        WireError w = (WireError) o;
        return errnoFrame == w.errnoFrame && errno == w.errno && Arrays.equals(bytes, w.bytes);
    }

    @Override
    public int hashCode() {
        return errnoFrame ? errno : Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return errnoFrame ? "errno " + Integer.toUnsignedString(errno) : "string \"" + text() + "\"";
    }
}
