package io.occams.rpc.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code occams} command: {@code call}, {@code ping}, {@code bench} and {@code serve}. Run through
 * the {@code occams} script at the repository root, which finds a JDK 21+ and builds what is missing.
 */
@Command(name = "occams", mixinStandardHelpOptions = true, version = "occams-rpc 0.1.0 (wire protocol 0.2)",
        description = "Serve, call, ping and load-test occams-rpc services.",
        subcommands = {ServeCommand.class, CallCommand.class, PingCommand.class, BenchCommand.class, ListCommand.class,
                DescribeCommand.class, HealthCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {
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
        return new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true).execute(args);
    }
}
