package io.occams.rpc.testkit;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Captures what is printed to {@code System.err} while it is open, and still prints it: with
 * slf4j-simple (the tests' binding, which looks {@code System.err} up at every line) that is every log
 * line, so a test can count the lines a fault produced. Close it to restore {@code System.err}.
 *
 * <pre>{@code
 * try (LogCapture log = LogCapture.start()) {
 *     ... provoke the fault ...
 *     assertThat(log.count("closing connection from")).isEqualTo(1);
 * }
 * }</pre>
 */
public final class LogCapture implements AutoCloseable {
    private final PrintStream original;
    private final ByteArrayOutputStream captured = new ByteArrayOutputStream();

    private LogCapture(PrintStream original) {
        this.original = original;
    }

    /** Starts capturing {@code System.err}. */
    public static LogCapture start() {
        LogCapture c = new LogCapture(System.err);
        OutputStream tee = new OutputStream() {
            @Override
            public void write(int b) {
                synchronized (c.captured) {
                    c.captured.write(b);
                }
                c.original.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                synchronized (c.captured) {
                    c.captured.write(b, off, len);
                }
                c.original.write(b, off, len);
            }

            @Override
            public void flush() {
                c.original.flush();
            }
        };
        System.setErr(new PrintStream(tee, true, StandardCharsets.UTF_8));
        return c;
    }

    /** Every line captured so far. */
    public List<String> lines() {
        String text;
        synchronized (captured) {
            text = captured.toString(StandardCharsets.UTF_8);
        }
        return text.lines().toList();
    }

    /** The lines captured so far that contain {@code text}. */
    public List<String> linesContaining(String text) {
        return lines().stream().filter(l -> l.contains(text)).toList();
    }

    /** How many lines captured so far contain {@code text}. */
    public int count(String text) {
        return linesContaining(text).size();
    }

    /** Lines of a stack trace ({@code "\tat ..."} and {@code "Caused by"}) captured so far. */
    public int stackTraceLines() {
        return (int) lines().stream()
                .filter(l -> l.startsWith("\tat ") || l.startsWith("Caused by: "))
                .count();
    }

    @Override
    public void close() {
        System.err.flush();
        System.setErr(original);
    }
}
