package io.dlog.broker.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code dlog start --cluster N}: the nodes of a {@link ClusterLayout}, each a child JVM running
 * {@code dlog start --config node-i/server.properties}, their output relayed line by line prefixed
 * {@code [node-i]}. Started together (the metadata quorum needs a majority up to form), stopped together.
 *
 * <p>Threads: the caller's thread runs {@link #start} and {@link #awaitStop}; two relay threads per node copy
 * its output; {@link #stop} may be called from any thread (a shutdown hook) and is idempotent.
 */
final class DevCluster {
    private static final Duration START_TIMEOUT = Duration.ofMinutes(2);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);

    private final ClusterLayout layout;
    private final PrintWriter out;
    private final PrintWriter err;
    private final List<NodeProcess> nodes = new CopyOnWriteArrayList<>();
    private volatile boolean stopped;

    /** A started node: its process, whether it said it serves, and its last one-line error ("dlog: ..."). */
    private static final class NodeProcess {
        final ClusterLayout.Node node;
        final Process process;
        final CountDownLatch serving = new CountDownLatch(1);
        final AtomicReference<String> lastError = new AtomicReference<>();
        final List<Thread> relays = new ArrayList<>();

        NodeProcess(ClusterLayout.Node node, Process process) {
            this.node = node;
            this.process = process;
        }

        String name() {
            return "node-" + node.id();
        }
    }

    DevCluster(ClusterLayout layout, PrintWriter out, PrintWriter err) {
        this.layout = layout;
        this.out = out;
        this.err = err;
    }

    /** Writes node-i/server.properties for every node from {@code base} plus the node's own keys. */
    void writeConfigs(Map<String, String> base) throws IOException {
        for (ClusterLayout.Node node : layout.nodes()) {
            ClusterLayout.writeProperties(node.configFile(), layout.nodeConfig(node.id(), base),
                    "node " + node.id() + " of a " + layout.nodes().size() + "-node dev cluster (dlog start --cluster)");
        }
    }

    /**
     * Starts every node and waits until each says it serves.
     *
     * @return empty when all serve; else the one-line reason the first failing node gave (all nodes then stopped)
     */
    Optional<String> start() throws IOException {
        for (ClusterLayout.Node node : layout.nodes()) {
            synchronized (this) {
                if (stopped) {
                    return Optional.of("stopped while starting");
                }
                nodes.add(launch(node));
            }
        }
        Optional<String> failure = awaitServing();
        if (failure.isPresent()) {
            stop();
        }
        return failure;
    }

    private NodeProcess launch(ClusterLayout.Node node) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(inheritedJvmOptions());
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(DLogCli.class.getName());
        command.addAll(List.of("start", "--config", node.configFile().toString(), "--stop-with-parent"));
        Process process = new ProcessBuilder(command).start();
        NodeProcess started = new NodeProcess(node, process);
        started.relays.add(relay(started, process.getInputStream(), out, true));
        started.relays.add(relay(started, process.getErrorStream(), err, false));
        return started;
    }

    /** The heap and GC options this JVM was given (bin/dlog's DLOG_OPTS), not agents or debug ports. */
    private static List<String> inheritedJvmOptions() {
        return ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(option -> option.startsWith("-Xm") || option.startsWith("-Xss") || option.startsWith("-XX:"))
                .toList();
    }

    private Thread relay(NodeProcess node, InputStream stream, PrintWriter target, boolean stdout) {
        Thread thread = new Thread(() -> {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                String line;
                while ((line = reader.readLine()) != null) {
                    if (stdout && line.startsWith(StartCommand.SERVING)) {
                        node.serving.countDown();
                    }
                    if (!stdout && line.startsWith(StartCommand.ERROR_PREFIX)) {
                        node.lastError.set(line.substring(StartCommand.ERROR_PREFIX.length()));
                    }
                    synchronized (target) {
                        target.println("[" + node.name() + "] " + line);
                        target.flush();
                    }
                }
            } catch (IOException e) {
                // The child's pipe closed under us: the child is gone, its exit code tells the rest.
            }
        }, "dlog-relay-" + node.name() + (stdout ? "-out" : "-err"));
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    /**
     * Watches all nodes at once: a node may only serve once a quorum of its peers is up, so a node that died
     * must be noticed while another is still waiting for it.
     */
    private Optional<String> awaitServing() {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        try {
            while (true) {
                boolean allServing = true;
                for (NodeProcess node : nodes) {
                    if (node.serving.getCount() == 0) {
                        continue;
                    }
                    allServing = false;
                    if (!node.process.isAlive()) {
                        joinRelays(node);
                        if (node.serving.getCount() == 0) {
                            continue;
                        }
                        String reason = node.lastError.get() != null ? node.lastError.get()
                                : "exited with code " + node.process.exitValue();
                        return Optional.of(node.name() + " failed to start: " + reason);
                    }
                }
                if (allServing) {
                    return Optional.empty();
                }
                if (System.nanoTime() - deadline > 0) {
                    return Optional.of("the nodes did not all start within " + START_TIMEOUT.toSeconds() + " s");
                }
                Thread.sleep(100);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.of("interrupted while the nodes were starting");
        }
    }

    /** The relays hold the child's last words (its "dlog: ..." line); wait until they have read them. */
    private static void joinRelays(NodeProcess node) throws InterruptedException {
        for (Thread relay : node.relays) {
            relay.join(TimeUnit.SECONDS.toMillis(5));
        }
    }

    /**
     * Blocks until {@code stopRequested} opens or every node has exited. A node that exits on its own is
     * reported and the others keep running: killing one node of a dev cluster is how failover is tried.
     *
     * @return true when stopped on request, false when every node had exited by itself
     */
    boolean awaitStop(CountDownLatch stopRequested) throws InterruptedException {
        List<NodeProcess> running = new ArrayList<>(nodes);
        while (!stopRequested.await(200, TimeUnit.MILLISECONDS)) {
            for (NodeProcess node : List.copyOf(running)) {
                if (!node.process.isAlive()) {
                    running.remove(node);
                    joinRelays(node);
                    err.println(StartCommand.ERROR_PREFIX + node.name() + " exited with code " + node.process.exitValue());
                    err.flush();
                }
            }
            if (running.isEmpty()) {
                return false;
            }
        }
        return true;
    }

    /** SIGTERM to every node (each shuts down cleanly), then SIGKILL to any still running after the timeout. */
    void stop() {
        synchronized (this) {
            stopped = true;
        }
        for (NodeProcess node : nodes) {
            // Through the handle: Process.destroy() would also close our ends of the node's pipes, and its
            // last words (the clean shutdown's log lines) would be lost.
            node.process.toHandle().destroy();
        }
        long deadline = System.nanoTime() + STOP_TIMEOUT.toNanos();
        for (NodeProcess node : nodes) {
            try {
                long left = Math.max(0, deadline - System.nanoTime());
                if (!node.process.waitFor(left, TimeUnit.NANOSECONDS)) {
                    node.process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
                joinRelays(node);
            } catch (InterruptedException e) {
                node.process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    List<Long> pids() {
        return nodes.stream().map(node -> node.process.pid()).toList();
    }
}
