package io.dlog.compat.fault;

import io.dlog.compat.cluster.ProcessCluster;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Optional;

/**
 * Each node's wall clock, set apart from the machine's: as Jepsen's clock nemesis bumps one machine's clock with
 * {@code date}, a node here runs under libfaketime (Debian's {@code faketime} package), which shifts what
 * {@code CLOCK_REALTIME} answers in that JVM alone by the offset written in the node's file, read again at most once a
 * second. The monotonic clock is left alone, as a real clock step leaves it. Without the library the clock faults
 * cannot run (see {@link #library()}).
 *
 * <p>Driven by the test thread only.
 */
final class ClockSkew implements AutoCloseable {
    /** Where Debian, Ubuntu and a source build put the thread-safe library. */
    private static final List<Path> CANDIDATES = List.of(
            Path.of("/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1"),
            Path.of("/usr/lib/aarch64-linux-gnu/faketime/libfaketimeMT.so.1"),
            Path.of("/usr/lib/faketime/libfaketimeMT.so.1"),
            Path.of("/usr/local/lib/faketime/libfaketimeMT.so.1"));

    private final Path dir;
    private final Path library;

    private ClockSkew(Path dir, Path library) {
        this.dir = dir;
        this.library = library;
    }

    /** libfaketime's thread-safe library, when installed. */
    static Optional<Path> library() {
        return CANDIDATES.stream().filter(Files::isReadable).findFirst();
    }

    /** Makes every node of {@code cluster} start under its own clock, each at the machine's time for now. */
    static ClockSkew install(ProcessCluster cluster) {
        Path library = library().orElseThrow(() -> new IllegalStateException("libfaketime is not installed"));
        try {
            ClockSkew skew = new ClockSkew(Files.createTempDirectory("dlog-clocks-"), library);
            for (int node : cluster.nodeIds()) {
                skew.set(node, 0);
                cluster.launchWithin(node, skew.prefix(node));
            }
            return skew;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private List<String> prefix(int node) {
        // The monotonic clock stays real, and so must the JVM's timed waits on it: with the library's "monotonic
        // fix" on, libfaketime 0.9.10 returns every such wait at once and the JVM's idle threads spin.
        return List.of("env", "LD_PRELOAD=" + library, "FAKETIME_TIMESTAMP_FILE=" + file(node),
                "FAKETIME_DONT_FAKE_MONOTONIC=1", "FAKETIME_FORCE_MONOTONIC_FIX=0", "FAKETIME_CACHE_DURATION=1");
    }

    /** Node {@code node}'s wall clock runs {@code seconds} ahead of the machine's (behind when negative). */
    void set(int node, long seconds) {
        // Written whole and renamed, so that the library never reads half a line.
        try {
            Path temp = Files.writeString(dir.resolve(node + ".tmp"), (seconds < 0 ? "" : "+") + seconds + "\n");
            Files.move(temp, file(node), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The seconds by which the JVM {@code pid} says its wall clock runs ahead of this one's: {@code jcmd}'s thread
     * dump starts with the target's own local time, to the second. How a run proves its skew is in force, so that a
     * library that loads but shifts nothing cannot let the CLOCK fault pass without moving any clock.
     */
    static long observedOffsetSeconds(long pid) throws IOException, InterruptedException {
        Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                Long.toString(pid), "Thread.print").redirectErrorStream(true).start();
        long before = System.currentTimeMillis();
        String out = new String(jcmd.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        jcmd.waitFor();
        java.util.regex.Matcher time = java.util.regex.Pattern.compile("(\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2})")
                .matcher(out);
        if (!time.find()) {
            throw new IOException("no time in jcmd's answer for " + pid + ": " + out.lines().limit(3).toList());
        }
        long theirs = java.time.LocalDateTime.parse(time.group(1).replace(' ', 'T'))
                .atZone(java.time.ZoneId.systemDefault()).toInstant().toEpochMilli();
        return Math.round((theirs - before) / 1000.0);
    }

    /**
     * Waits for the library to read the offset (at most a second late) and fails unless the JVM {@code pid} shows its
     * wall clock {@code seconds} (within 5 s) off this one's.
     */
    static void confirm(long pid, long seconds) throws IOException, InterruptedException {
        Thread.sleep(2_500);
        long seen = observedOffsetSeconds(pid);
        if (Math.abs(seen - seconds) > 5) {
            throw new AssertionError("process " + pid + "'s wall clock runs " + seen + " s off, not " + seconds
                    + " s: libfaketime is not in force");
        }
    }

    /** Every node back on the machine's time. */
    void resetAll(List<Integer> nodes) {
        nodes.forEach(node -> set(node, 0));
    }

    /** Removes the offset files (the nodes are stopped by then). */
    @Override
    public void close() throws IOException {
        try (var files = Files.list(dir)) {
            for (Path file : files.toList()) {
                Files.deleteIfExists(file);
            }
        }
        Files.deleteIfExists(dir);
    }

    private Path file(int node) {
        return dir.resolve(node + ".offset");
    }
}
