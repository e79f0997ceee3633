package io.dlog.broker.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code dlog} command. {@code main} is the only place that exits the JVM. */
@Command(name = "dlog", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "DLog: a broker that speaks the Apache Kafka protocol.",
        subcommands = {StartCommand.class, FormatCommand.class, ConfigCommand.class, StatusCommand.class, SqlCommand.class, CommandLine.HelpCommand.class})
public final class DLogCli implements Runnable {

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    public static CommandLine commandLine() {
        return new CommandLine(new DLogCli());
    }

    /** {@code dlog sql} alone, as {@link #main} runs it: the same options, usage and exit codes as under {@link #commandLine()}. */
    static CommandLine sqlCommandLine() {
        return new CommandLine(new SqlCommand()).setCommandName("dlog sql");
    }

    public static void main(String[] args) {
        // Ratis's gRPC logs through java.util.logging; send it through logback like everything else.
        org.slf4j.bridge.SLF4JBridgeHandler.removeHandlersForRootLogger();
        org.slf4j.bridge.SLF4JBridgeHandler.install();
        if (args.length > 0 && args[0].equals("sql")) {
            // dlog sql is a short-lived client: build only its own command model (every command's takes ~0.1 s more).
            System.exit(sqlCommandLine().execute(java.util.Arrays.copyOfRange(args, 1, args.length)));
        }
        System.exit(commandLine().execute(args));
    }
}
