package io.occams.rpc.benchmarks.load;

import java.io.IOException;
import java.nio.channels.SocketChannel;

/**
 * The ceiling: the leanest pipelined echo of occams frames we can write in plain java.nio. One platform
 * thread per connection, blocking channels, direct buffers, no allocation per frame: it decodes every
 * request header in a read burst, answers each (20-byte header + the msg echoed; a blob is skipped in
 * place, never copied) into one output buffer, and writes that once per burst. No framework, no
 * dispatch, no limits beyond the frame bounds: what the machine and the wire format allow. The frames
 * are {@link RawFrames.Echo}'s, the same as {@link RawNioServer}'s.
 */
public final class RawServer {
    private RawServer() {}

    public static void main(String[] args) throws Exception {
        RawFrames.serveUntilStdinCloses(args, "raw-accept", ch -> {
            Thread t = new Thread(() -> serve(ch), "raw-conn");
            t.setDaemon(true);
            t.start();
        });
    }

    static void serve(SocketChannel ch) {
        RawFrames.Echo echo = new RawFrames.Echo(ch, 2 << 20);
        try (ch) {
            while (ch.read(echo.in) >= 0) {
                echo.in.flip();
                echo.answerAll();
                echo.flush();
            }
        } catch (IOException e) {
            // peer gone, or not an occams frame
        }
    }
}
