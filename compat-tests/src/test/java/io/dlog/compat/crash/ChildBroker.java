package io.dlog.compat.crash;

import io.dlog.compat.tools.ChildJvm;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A DLog node in its own JVM, started through the real CLI ({@code io.dlog.broker.cli.DLogCli start}),
 * so that a test can {@code kill -9} it. Always on 127.0.0.1.
 */
final class ChildBroker implements AutoCloseable {
    static final String CLI = "io.dlog.broker.cli.DLogCli";

    private final ChildJvm.Child child;
    private final int port;

    private ChildBroker(ChildJvm.Child child, int port) {
        this.child = child;
        this.port = port;
    }

    /** Starts {@code dlog start --port P --data-dir D -o ...} and waits until it accepts connections. */
    static ChildBroker start(int port, Path dataDir, String... overrides) throws IOException {
        return start(List.of(), port, dataDir, overrides);
    }

    /** As {@link #start(int, Path, String...)}, reading {@code config} first ({@code dlog start --config FILE}). */
    static ChildBroker startWithConfig(Path config, int port, Path dataDir) throws IOException {
        return start(List.of("--config", config.toString()), port, dataDir);
    }

    private static ChildBroker start(List<String> first, int port, Path dataDir, String... overrides)
            throws IOException {
        List<String> args = new ArrayList<>(List.of("start"));
        args.addAll(first);
        args.addAll(List.of("--port", Integer.toString(port), "--data-dir", dataDir.toString(),
                "-o", "listeners=PLAINTEXT://127.0.0.1:" + port));
        for (String override : overrides) {
            args.add("-o");
            args.add(override);
        }
        ChildJvm.Child child = ChildJvm.start(List.of(), CLI, args.toArray(String[]::new));
        ChildBroker broker = new ChildBroker(child, port);
        try {
            broker.awaitServing(Duration.ofSeconds(60));
        } catch (IOException | RuntimeException | Error e) {
            broker.close();
            throw e;
        }
        return broker;
    }

    private void awaitServing(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() - deadline < 0) {
            if (!child.process().isAlive()) {
                throw new AssertionError("dlog exited with " + child.process().exitValue() + " before serving\n--- stdout\n"
                        + child.stdoutText() + "--- stderr\n" + child.stderrText());
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
                return;
            } catch (IOException notYet) {
                sleepQuietly(100);
            }
        }
        throw new AssertionError("dlog not serving on port " + port + " after " + timeout + "\n--- stderr\n" + child.stderrText());
    }

    String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    boolean isAlive() {
        return child.process().isAlive();
    }

    String stderr() {
        return child.stderrText();
    }

    /** kill -9: no shutdown hook, no flush, no close. */
    void killHard() {
        child.kill();
    }

    @Override
    public void close() {
        child.kill();
        ChildJvm.deleteOutput(child);
    }

    /** A port free right now on 127.0.0.1. */
    static int freePort() throws IOException {
        return io.dlog.cluster.PortPicker.freePort();
    }

    static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
