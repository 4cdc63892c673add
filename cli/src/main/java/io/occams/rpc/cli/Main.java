package io.occams.rpc.cli;

import io.occams.rpc.api.RpcException;
import java.io.PrintWriter;
import java.util.concurrent.CompletionException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code occams} command: {@code call}, {@code ping}, {@code bench} and {@code serve}. Run through
 * the {@code occams} script at the repository root, which finds a JDK 21+ and builds what is missing.
 *
 * <p><b>Errors and exit codes</b>, in this one place for every command. A user's mistake is one line on
 * stderr, never a stack trace: picocli's parse errors (an unknown option, a value that is not a number)
 * and every {@link UsageError} a command throws while checking its options exit {@value #USAGE}; an
 * {@link RpcException} exits {@value #SERVICE_ERROR} (the service's own error) or {@value #RPC_ERROR}
 * (an {@code rpc_*} framework error); {@code serve} exits {@value #UNAVAILABLE} when it cannot start.
 * Nothing else uses these codes: an unexpected failure (a bug) exits {@value #SOFTWARE}.
 *
 * <p><b>Adding an option</b>: declare it with {@code @Option} on the command (or on {@link Target} when
 * every client command takes it); check its value in the command's {@code call()} (or in a picocli
 * converter) and throw {@link UsageError} with a sentence naming the option: this class turns it into one
 * line and exit code 64. Subcommands get {@code -V} and the exit-code list from here.
 */
@Command(
        name = "occams",
        mixinStandardHelpOptions = true,
        version = Main.VERSION,
        description = "Serve, call, ping and load-test occams-rpc services.",
        footerHeading = "%nExit codes:%n",
        footer = Main.EXIT_CODES,
        subcommands = {
            ServeCommand.class,
            CallCommand.class,
            PingCommand.class,
            BenchCommand.class,
            ListCommand.class,
            DescribeCommand.class,
            HealthCommand.class,
            StatusCommand.class,
            CommandLine.HelpCommand.class
        })
public final class Main implements Runnable {
    static final String VERSION = "occams-rpc 0.1.0 (wire protocol 0.2)";
    /** The call (or every call) succeeded. */
    static final int OK = 0;
    /** The service answered with its own error (an errno or an error string). */
    static final int SERVICE_ERROR = 1;
    /** A framework error, {@code rpc_*}: unreachable, timeout, unknown service or method, decode, ... */
    static final int RPC_ERROR = 2;
    /** A usage error: a bad option, argument or address; nothing was sent. */
    static final int USAGE = 64;
    /** {@code serve} could not start: a listener it was asked for did not bind. */
    static final int UNAVAILABLE = 69;
    /** An unexpected failure: a bug, please report it. */
    static final int SOFTWARE = 70;

    static final String EXIT_CODES = "  0   ok%n"
            + "  1   the service answered with its own error%n"
            + "  2   an rpc_* framework error (unreachable, timeout, unknown service or method, ...)%n"
            + "  64  a usage error (bad option, argument or address; nothing was sent)%n"
            + "  69  serve could not start (a listener did not bind)%n"
            + "  70  an unexpected failure (a bug)";

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns the exit code (tests call this). */
    public static int run(String... args) {
        CommandLine cl = new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true);
        for (CommandLine sub : cl.getSubcommands().values()) {
            CommandLine.Model.CommandSpec s = sub.getCommandSpec();
            if (s.version().length == 0) {
                s.version(VERSION);
            }
            if (s.usageMessage().footer().length == 0 && !"help".equals(s.name())) {
                s.usageMessage().footerHeading("%nExit codes:%n").footer(EXIT_CODES);
            }
        }
        cl.setParameterExceptionHandler((e, a) -> {
            CommandLine c = e.getCommandLine();
            String name = c.getCommandSpec().qualifiedName();
            c.getErr()
                    .println(name + ": " + e.getMessage() + " (try: occams help"
                            + (c == cl ? "" : " " + c.getCommandName()) + ")");
            return USAGE;
        });
        cl.setExecutionExceptionHandler(
                (e, c, parsed) -> failed(e, c.getCommandSpec().qualifiedName(), c.getErr()));
        return cl.execute(args);
    }

    /** One line for what went wrong, and its exit code. */
    static int failed(Throwable e, String command, PrintWriter err) {
        Throwable t = e;
        while (t instanceof CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof UsageError) {
            err.println(command + ": " + t.getMessage());
            return USAGE;
        }
        if (t instanceof RpcException r) {
            return CallCommand.report(r, err);
        }
        err.println(command + ": unexpected failure (a bug; please report it): " + t);
        return SOFTWARE;
    }

    /** A mistake in what the user typed: its message is the one line printed; the exit code is 64. */
    static final class UsageError extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UsageError(String message) {
            super(message, null, false, false);
        }
    }
}
