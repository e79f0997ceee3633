package io.dlog.compat.cluster;

import io.dlog.broker.cli.ClusterLayout;
import io.dlog.compat.tools.ChildJvm;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The nodes of a {@link DLogCluster} as child JVMs, each started as a user starts one:
 * {@code java -cp <test classpath> io.dlog.broker.cli.DLogCli start --config node-i/server.properties}, its
 * stdout and stderr appended to {@code node-i/dlog.log}. What only a process allows: {@link #kill} (SIGKILL:
 * no shutdown hook, no flush), {@link #pause}/{@link #resume} (SIGSTOP/SIGCONT: a node that stops answering
 * without closing a socket), and a graceful {@link #stop} (SIGTERM). Every child is killed when this JVM exits,
 * so a failed or aborted test leaves no process behind. Open for subclasses that change how nodes are addressed
 * (the fault suite's proxied cluster).
 */
public class ProcessCluster extends DLogCluster {
    public static final String CLI = "io.dlog.broker.cli.DLogCli";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
    /** Every child of every ProcessCluster in this JVM, for the shutdown hook. */
    private static final Set<Process> ALL_CHILDREN = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> ALL_CHILDREN.forEach(Process::destroyForcibly),
                "dlog-test-kill-children"));
    }

    private final Map<Integer, Process> processes = new TreeMap<>();
    /** True while {@link #start} waits for the cluster to form (see {@link #failIfANodeDiedStarting}). */
    private boolean starting;
    private final Set<Integer> paused = new java.util.HashSet<>();
    private final List<String> jvmOptions;
    /** Per node, what its command line starts with before {@code java} (see {@link #launchWithin}). */
    private final Map<Integer, List<String>> launchPrefixes = new TreeMap<>();

    public ProcessCluster(int size, Map<String, String> overrides) throws IOException {
        this(size, overrides, List.of());
    }

    /** @param jvmOptions added to each child's command line after the defaults (a small heap, serial GC) */
    public ProcessCluster(int size, Map<String, String> overrides, List<String> jvmOptions) throws IOException {
        super(size, overrides);
        this.jvmOptions = List.copyOf(jvmOptions);
    }

    /** A started cluster of {@code size} child JVMs, formed. */
    public static ProcessCluster start(int size, Map<String, String> overrides) throws IOException {
        return startedOrClosed(() -> new ProcessCluster(size, overrides));
    }

    /** The same, with {@code prepare} run on the cluster before its nodes start (e.g. {@link #launchWithin}). */
    public static ProcessCluster start(int size, Map<String, String> overrides,
                                       java.util.function.Consumer<ProcessCluster> prepare) throws IOException {
        return startedOrClosed(() -> {
            ProcessCluster cluster = new ProcessCluster(size, overrides);
            prepare.accept(cluster);
            return cluster;
        });
    }

    /**
     * From its next start on, the node's command line is {@code prefix} followed by the {@code java} command: a
     * wrapper that execs it (so {@link #pid}, kill and pause still reach the JVM), e.g. {@code unshare} with a mount
     * of the node's own.
     */
    public void launchWithin(int nodeId, List<String> prefix) {
        launchPrefixes.put(nodeId, List.copyOf(prefix));
    }

    @Override
    public void start() throws IOException {
        for (int nodeId : nodeIds()) {
            launch(nodeId);
        }
        for (int nodeId : nodeIds()) {
            awaitListening(nodeId);
        }
        starting = true;
        try {
            awaitFormed();
        } finally {
            starting = false;
        }
        // A node that could not bind its port may have found another socket listening there (a port chosen free,
        // then taken by someone else: seen in CI, "cannot listen on 127.0.0.1:39517 ... address already in use"), so
        // awaitListening connected and awaitFormed, counting running nodes only, formed without it.
        for (int nodeId : nodeIds()) {
            Process process = process(nodeId);
            if (!process.isAlive()) {
                throw new AssertionError("node " + nodeId + " exited with " + process.exitValue()
                        + " during the start\n" + logTail(nodeId));
            }
        }
    }

    /**
     * A node that exits while the cluster forms (seen in CI: a port it chose was taken meanwhile, by the node of
     * another test JVM, and the wait ran its 90 s out) fails the start at once, with the node's log, which says why;
     * {@link DLogCluster#startedOrClosed} then starts again on new ports.
     */
    @Override
    protected void failIfANodeDiedStarting() {
        if (!starting) {
            return; // a test may stop a node on purpose, or a node stop itself (a full disk), and wait for the rest
        }
        for (Map.Entry<Integer, Process> entry : processes.entrySet()) {
            if (!entry.getValue().isAlive()) {
                throw new AssertionError("node " + entry.getKey() + " exited with " + entry.getValue().exitValue()
                        + " during the start\n" + logTail(entry.getKey()));
            }
        }
    }

    private void launch(int nodeId) throws IOException {
        if (processes.containsKey(nodeId)) {
            throw new IllegalStateException("node " + nodeId + " is running");
        }
        Path config = writeConfig(nodeId);
        List<String> command = new ArrayList<>(launchPrefixes.getOrDefault(nodeId, List.of()));
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of("-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", ChildJvm.classpath(), CLI, "start", "--config", config.toString()));
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile(nodeId).toFile()))
                .start();
        ALL_CHILDREN.add(process);
        processes.put(nodeId, process);
    }

    /**
     * Waits until the node accepts connections on its client port (a controller's: its CONTROLLER port); fails with
     * its log if it died first.
     */
    private void awaitListening(int nodeId) {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() - deadline < 0) {
            Process process = process(nodeId);
            if (!process.isAlive()) {
                throw new AssertionError("node " + nodeId + " exited with " + process.exitValue() + " before serving\n"
                        + logTail(nodeId));
            }
            try (Socket socket = new Socket()) {
                ClusterLayout.Node node = layout().node(nodeId);
                socket.connect(new InetSocketAddress("127.0.0.1", isBroker(nodeId) ? node.port() : node.controllerPort()),
                        500);
                return;
            } catch (IOException notYet) {
                sleep(100);
            }
        }
        throw new AssertionError("node " + nodeId + " not serving after " + START_TIMEOUT + "\n" + logTail(nodeId));
    }

    private Process process(int nodeId) {
        Process process = processes.get(nodeId);
        if (process == null) {
            throw new IllegalStateException("node " + nodeId + " is not running");
        }
        return process;
    }

    public long pid(int nodeId) {
        return process(nodeId).pid();
    }

    /** Where the node's stdout and stderr go, across restarts. */
    public Path logFile(int nodeId) {
        return layout().node(nodeId).dir().resolve("dlog.log");
    }

    /** kill -9: the node gets no chance to flush or close anything. */
    public void kill(int nodeId) {
        Process process = process(nodeId);
        process.destroyForcibly();
        awaitExit(nodeId, process);
    }

    /**
     * Starts a stopped node and kill -9s it {@code delayMillis} later, whatever it is doing then (loading classes,
     * recovering its logs, joining the metadata quorum, registering, catching up): a crash in the middle of a
     * recovery. The node is left down. A node that died on its own before the kill is reported with its log.
     */
    public void killDuringStart(int nodeId, long delayMillis) throws IOException, InterruptedException {
        launch(nodeId);
        TimeUnit.MILLISECONDS.sleep(delayMillis);
        Process process = process(nodeId);
        if (!process.isAlive()) {
            awaitExit(nodeId, process);
            throw new AssertionError("node " + nodeId + " exited with " + process.exitValue() + " during its start\n"
                    + logTail(nodeId));
        }
        kill(nodeId);
    }

    /** kill -9 of several nodes at once: every signal is sent before waiting for the first exit. */
    public void killTogether(Collection<Integer> nodeIds) {
        List<Process> killed = new ArrayList<>();
        for (int nodeId : nodeIds) {
            killed.add(process(nodeId).destroyForcibly());
        }
        int i = 0;
        for (int nodeId : nodeIds) {
            awaitExit(nodeId, killed.get(i++));
        }
    }

    /**
     * SIGTERM, as Ctrl-C or a service manager sends it: the node shuts down cleanly. A paused node is resumed
     * first, or it could not act on the signal.
     */
    @Override
    public void stop(int nodeId) {
        Process process = process(nodeId);
        if (paused.contains(nodeId)) {
            resume(nodeId);
        }
        process.destroy();
        awaitExit(nodeId, process);
    }

    /** The exit code of the node's last process, once it has ended (143 after a graceful stop, 137 after kill). */
    private void awaitExit(int nodeId, Process process) {
        try {
            if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new AssertionError("node " + nodeId + " did not stop within " + STOP_TIMEOUT + "; killed\n"
                        + logTail(nodeId));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } finally {
            processes.remove(nodeId);
            paused.remove(nodeId);
            ALL_CHILDREN.remove(process);
        }
    }

    /** SIGSTOP: the node freezes with its sockets open, as a long GC pause or a hung VM looks to its peers. */
    public void pause(int nodeId) {
        signal(nodeId, "-STOP");
        paused.add(nodeId);
    }

    /** SIGCONT: a paused node carries on where it stopped. */
    public void resume(int nodeId) {
        signal(nodeId, "-CONT");
        paused.remove(nodeId);
    }

    public boolean isPaused(int nodeId) {
        return paused.contains(nodeId);
    }

    private void signal(int nodeId, String signal) {
        long pid = pid(nodeId);
        try {
            Process kill = new ProcessBuilder("kill", signal, Long.toString(pid)).redirectErrorStream(true).start();
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new IllegalStateException("kill " + signal + " " + pid + " failed: "
                        + new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    @Override
    public void restart(int nodeId) throws IOException {
        if (processes.containsKey(nodeId)) {
            stop(nodeId);
        }
        launch(nodeId);
        awaitListening(nodeId);
    }

    /**
     * Starts the given nodes together, then waits until each listens. Once a majority of the metadata quorum is down,
     * a node restarted alone waits for the others before it serves, so {@link #restart} one at a time would stall.
     */
    public void restartTogether(Collection<Integer> nodeIds) throws IOException {
        for (int nodeId : nodeIds) {
            if (processes.containsKey(nodeId)) {
                stop(nodeId);
            }
            launch(nodeId);
        }
        for (int nodeId : nodeIds) {
            awaitListening(nodeId);
        }
    }

    /**
     * Waits up to {@code timeout} for the node's process to end on its own and returns its exit code; empty if it
     * is still running then (it is left running).
     */
    public java.util.OptionalInt awaitOwnExit(int nodeId, Duration timeout) throws InterruptedException {
        Process process = process(nodeId);
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            return java.util.OptionalInt.empty();
        }
        awaitExit(nodeId, process);
        return java.util.OptionalInt.of(process.exitValue());
    }

    @Override
    public boolean isRunning(int nodeId) {
        Process process = processes.get(nodeId);
        return process != null && process.isAlive();
    }

    /** The last lines of the node's log, for failure messages. */
    public String logTail(int nodeId) {
        try {
            List<String> lines = Files.readAllLines(logFile(nodeId), StandardCharsets.UTF_8);
            return "--- node-" + nodeId + "/dlog.log (last lines)\n"
                    + String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size())) + "\n";
        } catch (IOException e) {
            return "--- node-" + nodeId + "/dlog.log unreadable: " + e + "\n";
        }
    }

    @Override
    protected String diagnostics() {
        StringBuilder text = new StringBuilder("\n");
        for (int nodeId : nodeIds()) {
            text.append(logTail(nodeId));
        }
        return text.toString();
    }

    /** Kills every node: the data folders are deleted next, so a clean shutdown would buy nothing. */
    @Override
    protected void closeNodes() {
        for (int nodeId : List.copyOf(processes.keySet())) {
            kill(nodeId);
        }
    }
}
