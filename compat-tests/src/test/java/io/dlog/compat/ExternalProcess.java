package io.dlog.compat;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a program of the machine (kcat, node) with some stdin, capturing its exit code and output. */
public final class ExternalProcess {
    /** What a run produced. */
    public record Run(int exitCode, String stdout, String stderr) {
    }

    private ExternalProcess() {
    }

    /** Runs {@code command} to its end (at most 60 s, else the test fails). */
    public static Run run(String stdin, String... command) throws IOException, InterruptedException {
        Path out = Files.createTempFile("proc-out-", ".txt");
        Path err = Files.createTempFile("proc-err-", ".txt");
        try {
            Process process = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            try (OutputStream in = process.getOutputStream()) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
                throw new AssertionError(List.of(command) + " still running after 60 s: " + Files.readString(err));
            }
            return new Run(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /** The executable's path when it is on the PATH, else null. */
    public static String onPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String dir : path.split(File.pathSeparator)) {
            Path candidate = Path.of(dir, name);
            if (Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        return null;
    }

    /** kcat (or its old name kafkacat) when installed, else null. */
    public static String kcat() {
        String kcat = onPath("kcat");
        return kcat != null ? kcat : onPath("kafkacat");
    }
}
