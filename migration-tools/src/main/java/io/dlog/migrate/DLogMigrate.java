package io.dlog.migrate;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code dlog-migrate} command. {@code main} is the only place that exits the JVM. */
@Command(name = "dlog-migrate", mixinStandardHelpOptions = true, version = "dlog-migrate 0.1",
        description = "Moves topics, their records and consumer groups' offsets from a Kafka cluster to DLog, offsets preserved, and verifies the copy. Steps: plan, run (--follow), verify, cutover.",
        subcommands = {PlanCommand.class, RunCommand.class, VerifyCommand.class, CutoverCommand.class,
                CommandLine.HelpCommand.class})
public final class DLogMigrate implements Runnable {
    /** Exit code of a failure that is no verification difference (bad option, unreachable cluster, refusal). */
    static final int EXIT_ERROR = 2;

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    public static CommandLine commandLine() {
        CommandLine cmd = new CommandLine(new DLogMigrate());
        cmd.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            commandLine.getErr().println("dlog-migrate: " + Clusters.describe(e));
            return EXIT_ERROR;
        });
        return cmd;
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }
}
