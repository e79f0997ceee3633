package io.dlog.broker.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import picocli.CommandLine;

/** A dlog command run to its end in-process through picocli, as main runs it but without System.exit. */
record CommandRun(int exitCode, String stdout, String stderr) {

    static CommandRun run(Object command, String... args) {
        return run(new CommandLine(command), args);
    }

    static CommandRun run(CommandLine commandLine, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exitCode = commandLine.setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true)).execute(args);
        return new CommandRun(exitCode, out.toString(), err.toString());
    }

    List<String> stderrLines() {
        return stderr.lines().toList();
    }

    /** No Java stack trace leaked to the user. */
    boolean hasStackTrace() {
        return (stdout + stderr).lines().anyMatch(line -> line.strip().startsWith("at ") || line.contains("Exception:"));
    }

    @Override
    public String toString() {
        return "exit " + exitCode + "\n--- stdout\n" + stdout + "--- stderr\n" + stderr;
    }
}
