package io.dlog.broker.cli;

import io.dlog.broker.ControllerNode;
import io.dlog.broker.DLogBroker;
import io.dlog.broker.config.EffectiveConfig;
import io.dlog.kafka.config.BrokerConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.config.ConfigException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code dlog start}: runs a node until SIGTERM/SIGINT, then shuts down cleanly (flush, close files).
 * With no flags: a single node on localhost:9092 with data in ./dlog-data. With {@code --cluster N}: N nodes
 * on 127.0.0.1, each in its own JVM ({@link DevCluster}), for trying a cluster on one machine.
 */
@Command(name = "start", mixinStandardHelpOptions = true,
        description = "Start a DLog node and serve Kafka clients until stopped (SIGTERM or Ctrl-C).")
final class StartCommand implements Callable<Integer> {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(StartCommand.class);
    /** How the started line begins; {@link DevCluster} watches its nodes' output for it. */
    static final String SERVING = "DLog is serving Kafka clients on ";
    /** Every one-line error this command prints begins so. */
    static final String ERROR_PREFIX = "dlog: ";
    static final int DEFAULT_PORT = 9092;
    static final Path DEFAULT_CLUSTER_DIR = Path.of("dlog-cluster");
    private static final String CLUSTER_HOST = "127.0.0.1";
    /** Longest a signal waits for the node(s) to close: a cluster's nodes get 30 s before SIGKILL. */
    private static final long CLOSE_WAIT_SECONDS = 60;

    @CommandLine.Mixin
    NodeConfigOptions options = new NodeConfigOptions();

    @Option(names = "--cluster", paramLabel = "N",
            description = "Start a local cluster of N nodes (1-" + ClusterLayout.MAX_NODES + ") on 127.0.0.1, each in its own "
                    + "JVM, ports 9092/9093, 9094/9095, ... (PLAINTEXT/CONTROLLER); --config and -o apply to every node.")
    Integer clusterSize;

    /** Set by {@code --cluster} on its nodes: a dev cluster's nodes must not outlive it, even after its kill -9. */
    @Option(names = "--stop-with-parent", hidden = true)
    boolean stopWithParent;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Opened by SIGTERM/SIGINT (the shutdown hook) or by {@link #requestStop()}. */
    private final CountDownLatch stop = new CountDownLatch(1);
    /** Opened once everything started is closed, so that the shutdown hook lets the JVM end only then. */
    private final CountDownLatch closed = new CountDownLatch(1);

    /** Stops a running {@code start} as SIGTERM would; for tests that run the command in-process. */
    void requestStop() {
        stop.countDown();
    }

    @Override
    public Integer call() {
        try {
            return clusterSize == null ? runNode() : runCluster();
        } finally {
            closed.countDown();
        }
    }

    private int runNode() {
        if (stopWithParent) {
            ProcessHandle.current().parent().ifPresent(parent -> parent.onExit().thenRun(this::requestStop));
        }
        BrokerConfig config;
        try {
            EffectiveConfig settings = options.node();
            config = NodeConfigOptions.parse(settings);
            warnOfIgnoredKeys(settings);
        } catch (ConfigException | IOException e) {
            return fail(2, e.getMessage());
        }
        if (config.isControllerOnly()) {
            // Kafka's isolated mode: votes and fences, serves no clients
            return serveUntilStopped(() -> ControllerNode.start(config), controller -> {
                java.net.InetSocketAddress raft = controller.controllerAddress();
                return "DLog controller " + config.nodeId() + " voting on " + raft.getHostString() + ":" + raft.getPort()
                        + " (data in " + config.dataDir().toAbsolutePath() + "). Stop with Ctrl-C.";
            });
        }
        // A failed data folder halts the process, as Kafka's broker does (DataFolderFailure).
        return serveUntilStopped(() -> DLogBroker.start(config, DLogBroker.OnDataFolderFailure.HALT),
                broker -> SERVING + config.advertisedListener().host()
                + ":" + broker.port() + " (data in " + config.dataDir().toAbsolutePath() + "). Stop with Ctrl-C.");
    }

    /** How a node of either kind starts. */
    @FunctionalInterface
    private interface Starter<T extends AutoCloseable> {
        T start() throws IOException;
    }

    /** Starts the node, prints its one line once it serves, and closes it when asked to stop. */
    private <T extends AutoCloseable> int serveUntilStopped(Starter<T> starter, java.util.function.Function<T, String> banner) {
        T node;
        try {
            node = starter.start();
        } catch (IOException | ConfigException e) {
            return fail(1, e.getMessage());
        } catch (RuntimeException e) {
            // A bug, not a misconfiguration: the one line says what broke; the log has the trace.
            LOG.error("Start-up failed", e);
            return fail(1, "start-up failed: " + e);
        }
        Thread hook = installShutdownHook();
        spec.commandLine().getOut().println(banner.apply(node));
        spec.commandLine().getOut().flush();
        awaitStopRequest();
        try {
            node.close();
        } catch (Exception e) {
            LOG.warn("Closing the node failed", e);
        }
        removeShutdownHook(hook);
        return 0;
    }

    private int runCluster() {
        if (clusterSize < 1 || clusterSize > ClusterLayout.MAX_NODES) {
            return fail(2, "--cluster takes 1 to " + ClusterLayout.MAX_NODES + " nodes, not " + clusterSize);
        }
        Integer port = options.port;
        int basePort = port == null ? DEFAULT_PORT : port;
        int lastPort = basePort + 2 * clusterSize - 1;
        if (basePort < 1 || lastPort > 65535) {
            return fail(2, "--cluster " + clusterSize + " needs ports " + basePort + "-" + lastPort
                    + ", a fixed range within 1-65535 (the nodes name each other's ports in controller.quorum.voters)");
        }
        ClusterLayout layout = ClusterLayout.contiguous(clusterSize, CLUSTER_HOST, basePort,
                (options.dataDir == null ? DEFAULT_CLUSTER_DIR : options.dataDir).toAbsolutePath());
        DevCluster cluster = new DevCluster(layout, spec.commandLine().getOut(), spec.commandLine().getErr());
        try {
            cluster.writeConfigs(options.shared().values());
        } catch (IOException e) {
            return fail(2, e.getMessage());
        }
        Thread hook = installShutdownHook();
        try {
            Optional<String> failure = cluster.start();
            if (failure.isPresent()) {
                return fail(1, failure.get());
            }
            spec.commandLine().getOut().println(SERVING + layout.bootstrapServers() + " (a cluster of " + clusterSize
                    + " nodes, data in " + layout.nodes().get(0).dir().getParent() + "). Stop with Ctrl-C.");
            spec.commandLine().getOut().flush();
            boolean onRequest = cluster.awaitStop(stop);
            return onRequest ? 0 : fail(1, "every node has exited");
        } catch (IOException e) {
            return fail(1, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return fail(1, "interrupted");
        } finally {
            cluster.stop();
            removeShutdownHook(hook);
        }
    }

    /** One line per key no Kafka version knows, which the node ignores as Kafka does (NodeConfigOptions). */
    private void warnOfIgnoredKeys(EffectiveConfig settings) {
        for (EffectiveConfig.Value value : NodeConfigOptions.ignoredUnknownKeys(settings)) {
            spec.commandLine().getErr().println(ERROR_PREFIX + "ignoring unknown config '" + value.key() + "' (set by "
                    + value.describeSource() + "), as Kafka ignores keys it does not know");
        }
        spec.commandLine().getErr().flush();
    }

    private int fail(int exitCode, String message) {
        spec.commandLine().getErr().println(ERROR_PREFIX + message);
        spec.commandLine().getErr().flush();
        return exitCode;
    }

    /** SIGTERM/SIGINT open the stop latch; the JVM then ends once {@link #call()} has closed everything. */
    private Thread installShutdownHook() {
        Thread hook = new Thread(() -> {
            stop.countDown();
            try {
                closed.await(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "dlog-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        return hook;
    }

    private static void removeShutdownHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // Stopped by a signal: the hook is running and ends when call() returns.
        }
    }

    private void awaitStopRequest() {
        try {
            stop.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The single node's settings: the config file, the environment (--env-config), -o, then --port and --data-dir. */
    Map<String, String> collectConfig() throws IOException {
        return options.node().values();
    }

    /**
     * {@code listeners} with the port of its client listener replaced: the first listener that is not one of
     * {@code controller.listener.names} (CONTROLLER when unset). The controller listener keeps its port, since
     * the other nodes' {@code controller.quorum.voters} name it.
     */
    static String withClientPort(Map<String, String> values, int port) {
        String listeners = values.getOrDefault(BrokerConfig.LISTENERS,
                (String) BrokerConfig.definition().configKeys().get(BrokerConfig.LISTENERS).defaultValue);
        Set<String> controllerNames = Set.of(values.getOrDefault("controller.listener.names",
                ClusterLayout.CONTROLLER_LISTENER).trim().split("\\s*,\\s*"));
        List<String> result = new ArrayList<>();
        boolean replaced = false;
        for (String listener : listeners.trim().split("\\s*,\\s*")) {
            int scheme = listener.indexOf("://");
            int colon = listener.lastIndexOf(':');
            boolean client = scheme > 0 && !controllerNames.contains(listener.substring(0, scheme));
            if (!replaced && client && colon > scheme + 2) {
                result.add(listener.substring(0, colon + 1) + port);
                replaced = true;
            } else {
                result.add(listener);
            }
        }
        if (!replaced) {
            throw new ConfigException(BrokerConfig.LISTENERS, listeners, "--port needs a client listener such as PLAINTEXT://host:port");
        }
        return String.join(",", result);
    }
}
