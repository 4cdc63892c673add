package io.occams.rpc.distribution;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The assembled distribution's {@code bin/occams} as a user runs it, for the ITs: one-shot commands
 * ({@link #run}: exit code, stdout and stderr, bounded by {@link #COMMAND}) and {@code occams serve}
 * processes ({@link #serve}: their output kept and echoed, lines awaited). Every wait is bounded.
 */
final class Occams {
    /** How long one command may take on a loaded 2-core machine (a JVM start included). */
    static final Duration COMMAND = Duration.ofSeconds(90);
    /** The line {@code occams serve} prints once it listens; group 1 is the address. */
    static final Pattern LISTENING = Pattern.compile("^occams-rpc listening on (\\S+:\\d+)");

    private final Path executable;
    private final Path scratch;

    /** The distribution at {@code -Doccams.dist} (default {@code target/occams-rpc}); output files go to {@code scratch}. */
    Occams(Path scratch) {
        this.executable =
                Path.of(System.getProperty("occams.dist", "target/occams-rpc")).resolve("bin/occams");
        this.scratch = scratch;
        assertThat(executable).as("the assembled distribution").isExecutable();
    }

    Path executable() {
        return executable;
    }

    /** Runs {@code occams args...} to its end. */
    Result run(String... args) throws Exception {
        return run(Map.of(), List.of(args));
    }

    /** Runs {@code occams args...} to its end. */
    Result run(List<String> args) throws Exception {
        return run(Map.of(), args);
    }

    /** Runs {@code occams args...} to its end, with {@code env} added to the environment. */
    Result run(Map<String, String> env, List<String> args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(executable.toString());
        cmd.addAll(args);
        Path out = Files.createTempFile(scratch, "out", ".txt");
        Path err = Files.createTempFile(scratch, "err", ".txt");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        String command = (env.isEmpty() ? "" : "(" + env + ") ") + String.join(" ", args);
        if (!p.waitFor(COMMAND.toSeconds(), TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("occams " + command + " did not finish within " + COMMAND);
        }
        return new Result(command, p.exitValue(), Files.readString(out), Files.readString(err));
    }

    /**
     * Starts {@code occams serve args...}; its output (stdout and stderr) is kept and echoed with
     * {@code [name]} before each line. Close it to kill it if a test did not stop it.
     */
    Serve serve(String name, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(executable.toString());
        cmd.add("serve");
        cmd.addAll(List.of(args));
        return new Serve(name, new ProcessBuilder(cmd).redirectErrorStream(true).start());
    }

    /** What a finished command did. */
    record Result(String command, int exit, String out, String err) {
        @Override
        public String toString() {
            return "occams " + command + " -> exit " + exit + "\nstdout: " + out + "\nstderr: " + err;
        }
    }

    /** A running {@code occams serve} and the lines it printed so far. */
    static final class Serve implements AutoCloseable {
        final String name;
        final Process process;
        /** Every line printed so far, in order; read by a daemon thread until the process's output ends. */
        final List<String> output = new CopyOnWriteArrayList<>();

        private Serve(String name, Process process) {
            this.name = name;
            this.process = process;
            Thread pump = new Thread(
                    () -> {
                        try (BufferedReader r = new BufferedReader(
                                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                            for (String line; (line = r.readLine()) != null; ) {
                                output.add(line);
                                System.out.println("[" + name + "] " + line);
                            }
                        } catch (IOException e) {
                            output.add("(output lost: " + e + ")");
                        }
                    },
                    "occams-serve-output-" + name);
            pump.setDaemon(true);
            pump.start();
        }

        /** Group 1 of the first line so far that {@code p} finds, or null. */
        String line(Pattern p) {
            for (String line : output) {
                Matcher m = p.matcher(line);
                if (m.find()) {
                    return m.group(1);
                }
            }
            return null;
        }

        /** Whether a line so far starts with {@code prefix}. */
        boolean printed(String prefix) {
            return output.stream().anyMatch(l -> l.startsWith(prefix));
        }

        /** Waits, within {@code within}, for a line that {@code p} finds and returns its group 1; fails if the server exits first. */
        String awaitLine(Pattern p, Duration within) {
            await(name + " prints '" + p + "'")
                    .atMost(within)
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> {
                        assertThat(process.isAlive())
                                .as("%s is running; its output:\n%s", name, String.join("\n", output))
                                .isTrue();
                        return line(p) != null;
                    });
            return line(p);
        }

        /** Waits for "occams-rpc listening on" and returns the address it names. */
        String awaitListening(Duration within) {
            return awaitLine(LISTENING, within);
        }

        /** SIGKILL, and waits for the process to end: no graceful stop. */
        void kill() throws InterruptedException {
            process.destroyForcibly();
            assertThat(process.waitFor(COMMAND.toSeconds(), TimeUnit.SECONDS))
                    .as("%s ended after SIGKILL", name)
                    .isTrue();
        }

        /** Kills the server if it still runs: teardown for a test that did not stop it. */
        @Override
        public void close() throws InterruptedException {
            if (process.isAlive()) {
                process.destroyForcibly();
                process.waitFor(COMMAND.toSeconds(), TimeUnit.SECONDS);
            }
        }
    }
}
