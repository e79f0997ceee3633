package io.dlog.broker.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code main} runs {@code dlog sql} through {@link DLogCli#sqlCommandLine()} (only that command's model, for a
 * faster start); it must behave as the {@code sql} subcommand of {@link DLogCli#commandLine()}. The query path
 * itself is tested against a broker in compat-tests' SqlCommandTest.
 */
class SqlCommandLineTest {

    @Test
    void shouldPrintTheSameUsageAsTheSubcommand() {
        String alone = DLogCli.sqlCommandLine().getUsageMessage(CommandLine.Help.Ansi.OFF);
        String nested = DLogCli.commandLine().getSubcommands().get("sql").getUsageMessage(CommandLine.Help.Ansi.OFF);

        assertThat(alone).isEqualTo(nested).startsWith("Usage: dlog sql ");
    }

    @Test
    void shouldExitWithTheSubcommandsCodesOnBadUsage() {
        assertThat(run(DLogCli.sqlCommandLine(), "--format", "xml", "--flight", "127.0.0.1:1", "SELECT 1")).isEqualTo(2);
        assertThat(run(DLogCli.sqlCommandLine(), "SELECT 1")).isEqualTo(2);
        assertThat(run(DLogCli.sqlCommandLine(), "--no-such-option", "SELECT 1"))
                .isEqualTo(run(DLogCli.commandLine(), "sql", "--no-such-option", "SELECT 1"));
    }

    private static int run(CommandLine cli, String... args) {
        StringWriter sink = new StringWriter();
        return cli.setOut(new PrintWriter(sink)).setErr(new PrintWriter(sink)).execute(args);
    }
}
