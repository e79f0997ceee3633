package io.dlog.compat.tools;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

/**
 * Runs a main class in a child JVM on the test classpath. Kafka's tools and the dlog CLI end with
 * {@code System.exit}, so a child process is where their exit codes and output can be checked as users see them.
 * Output goes to files (no pipe to drain, no deadlock); every wait has a deadline.
 */
public final class ChildJvm {
    private static final String CLASSPATH = resolveClasspath();

    private ChildJvm() {
    }

    /** What a finished child left: exit code, standard output, standard error. */
    public record Result(int exitCode, String stdout, String stderr) {
        public List<String> stdoutLines() {
            return lines(stdout);
        }

        public List<String> stderrLines() {
            return lines(stderr);
        }

        private static List<String> lines(String text) {
            return text.lines().filter(line -> !line.isBlank()).toList();
        }

        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout\n" + stdout + "--- stderr\n" + stderr;
        }
    }

    /** A started child: its process and the files its output goes to. */
    public record Child(Process process, Path stdout, Path stderr) {
        public String stdoutText() {
            return read(stdout);
        }

        public String stderrText() {
            return read(stderr);
        }

        /** Kills the child (SIGKILL) and waits for it to be gone. */
        public void kill() {
            process.destroyForcibly();
            try {
                process.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Runs the class to completion, feeding {@code stdin}; kills it and fails when it outlives {@code timeout}. */
    public static Result runWithInput(Duration timeout, String stdin, String mainClass, String... args) throws IOException {
        Child child = start(List.of(), mainClass, args);
        try (OutputStream in = child.process().getOutputStream()) {
            in.write(stdin.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            // The child may have exited without reading its input; its exit code says what happened.
        }
        try {
            if (!child.process().waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                child.kill();
                throw new AssertionError("child " + mainClass + " still running after " + timeout + "\n--- stdout\n"
                        + child.stdoutText() + "--- stderr\n" + child.stderrText());
            }
        } catch (InterruptedException e) {
            child.kill();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        Result result = new Result(child.process().exitValue(), child.stdoutText(), child.stderrText());
        deleteOutput(child);
        return result;
    }

    public static Result run(Duration timeout, String mainClass, String... args) throws IOException {
        return runWithInput(timeout, "", mainClass, args);
    }

    /** Starts the class in the background; the caller stops it ({@link Child#kill()}). */
    public static Child start(List<String> jvmOptions, String mainClass, String... args) throws IOException {
        return startWithin(List.of(), jvmOptions, mainClass, args);
    }

    /**
     * The same, the command line starting with {@code prefix} before {@code java}: a wrapper that execs it (so the
     * process is still the JVM), e.g. {@code unshare} with a mount of the child's own.
     */
    public static Child startWithin(List<String> prefix, List<String> jvmOptions, String mainClass, String... args)
            throws IOException {
        List<String> command = new ArrayList<>(prefix);
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // A short-lived JVM: small heap, quick start.
        command.add("-Xmx384m");
        command.add("-XX:+UseSerialGC");
        command.add("-XX:TieredStopAtLevel=1");
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(CLASSPATH);
        command.add(mainClass);
        command.addAll(List.of(args));
        Path stdout = Files.createTempFile("child-out-", ".txt");
        Path stderr = Files.createTempFile("child-err-", ".txt");
        Process process = new ProcessBuilder(command)
                .redirectOutput(stdout.toFile())
                .redirectError(stderr.toFile())
                .start();
        return new Child(process, stdout, stderr);
    }

    /** This test JVM's classpath, surefire's manifest-only jar expanded: what a child JVM needs to run DLog. */
    public static String classpath() {
        return CLASSPATH;
    }

    public static void deleteOutput(Child child) {
        try {
            Files.deleteIfExists(child.stdout());
            Files.deleteIfExists(child.stderr());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The test classpath as a list of paths. Surefire may run tests from a manifest-only jar whose
     * Class-Path lists the real entries; those are expanded so the child does not depend on that jar.
     */
    private static String resolveClasspath() {
        List<String> entries = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            entries.addAll(expandManifestJar(entry));
        }
        return String.join(File.pathSeparator, entries);
    }

    private static List<String> expandManifestJar(String entry) {
        if (!entry.endsWith(".jar") || !Path.of(entry).getFileName().toString().startsWith("surefire")) {
            return List.of(entry);
        }
        try (JarFile jar = new JarFile(entry)) {
            Manifest manifest = jar.getManifest();
            String classPath = manifest == null ? null : manifest.getMainAttributes().getValue("Class-Path");
            if (classPath == null) {
                return List.of(entry);
            }
            URI base = Path.of(entry).toAbsolutePath().toUri();
            List<String> expanded = new ArrayList<>();
            for (String item : classPath.trim().split("\\s+")) {
                expanded.add(Path.of(base.resolve(item)).toString());
            }
            return expanded;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
