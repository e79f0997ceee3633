package io.dlog.compat.cluster;

import io.dlog.broker.cli.ClusterLayout;
import io.dlog.compat.DLogBrokerExtension;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.errors.InvalidReplicationFactorException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * N DLog nodes on 127.0.0.1 for a test: node ids 1..N, a PLAINTEXT and a CONTROLLER port per node chosen free
 * when the cluster is made (kept across restarts), a folder per node under one temporary root (its
 * {@code server.properties}, its data in {@code data/}), and the same {@code controller.quorum.voters} for all:
 * the configuration {@link ClusterLayout} writes for {@code dlog start --cluster}. Subclasses run the nodes
 * in this JVM ({@link InProcessCluster}) or as child JVMs ({@link ProcessCluster}).
 *
 * <p>Not thread-safe: one test thread drives a cluster.
 */
public abstract class DLogCluster implements AutoCloseable {
    public static final Duration FORM_TIMEOUT = Duration.ofSeconds(90);
    /** Clusters made at most by {@link #startedOrClosed} when ports were taken before the nodes bound them. */
    private static final int START_ATTEMPTS = 3;

    private final ClusterLayout layout;
    private final Path root;
    private final Map<String, String> overrides;
    /** Configs of single nodes over {@link #overrides} (a node's broker.rack, say). */
    private final Map<Integer, Map<String, String>> nodeOverrides = new java.util.HashMap<>();
    /**
     * How many of the nodes, from node 1 up, are controllers only ({@code process.roles=controller}, the metadata
     * group's voters) while the others are brokers only: Kafka's isolated mode. 0: every node is both.
     */
    private int controllersOnly;
    /** Security settings of the harness's own clients (a cluster whose listener needs SASL or TLS). */
    private final Map<String, Object> clientSecurity = new java.util.HashMap<>();

    protected DLogCluster(int size, Map<String, String> overrides) throws IOException {
        if (size < 1) {
            throw new IllegalArgumentException("a cluster has at least one node, not " + size);
        }
        this.root = Files.createTempDirectory("dlog-cluster-");
        this.layout = ClusterLayout.onFreePorts(size, root);
        this.overrides = Map.copyOf(overrides);
    }

    public ClusterLayout layout() {
        return layout;
    }

    public int size() {
        return layout.nodes().size();
    }

    public List<Integer> nodeIds() {
        return layout.nodes().stream().map(ClusterLayout.Node::id).toList();
    }

    public Path root() {
        return root;
    }

    /** The node's {@code log.dirs}. */
    public Path dataDir(int nodeId) {
        return layout.node(nodeId).dataDir();
    }

    /**
     * Kafka's isolated mode: nodes 1 to {@code controllers} become controllers only, with a CONTROLLER listener
     * only, and vote in the metadata group; the other nodes become brokers only and follow it. Before the start.
     */
    public void separateControllers(int controllers) {
        if (controllers < 1 || controllers >= size()) {
            throw new IllegalArgumentException("controllers apart need 1 to " + (size() - 1) + " of the " + size()
                    + " nodes, not " + controllers);
        }
        this.controllersOnly = controllers;
    }

    /** Whether the node serves clients (every node, unless {@link #separateControllers} made it a controller). */
    public boolean isBroker(int nodeId) {
        return nodeId > controllersOnly;
    }

    /** Whether the node votes in the metadata group (every node, unless {@link #separateControllers} was called). */
    public boolean isController(int nodeId) {
        return controllersOnly == 0 || nodeId <= controllersOnly;
    }

    /** The nodes that serve clients. */
    public List<Integer> brokerIds() {
        return nodeIds().stream().filter(this::isBroker).toList();
    }

    /** Every broker's client address, running or not. */
    public String bootstrapServers() {
        return brokerIds().stream().map(this::bootstrapServers).collect(Collectors.joining(","));
    }

    public String bootstrapServers(int nodeId) {
        return layout.node(nodeId).bootstrapServer();
    }

    /** The node's whole configuration: the cluster's keys for this node over the test's overrides. */
    public Map<String, String> nodeConfig(int nodeId) {
        Map<String, String> merged = new LinkedHashMap<>(overrides);
        merged.putAll(nodeOverrides.getOrDefault(nodeId, Map.of()));
        Map<String, String> config = layout.nodeConfig(nodeId, merged);
        if (controllersOnly > 0) {
            ClusterLayout.Node node = layout.node(nodeId);
            config.put("controller.quorum.voters", layout.nodes().stream().filter(n -> isController(n.id()))
                    .map(n -> n.id() + "@" + n.host() + ":" + n.controllerPort()).collect(Collectors.joining(",")));
            if (isBroker(nodeId)) {
                config.put("process.roles", "broker");
                config.put("listeners", ClusterLayout.BROKER_LISTENER + "://" + node.bootstrapServer());
            } else {
                config.put("process.roles", "controller");
                config.put("listeners", ClusterLayout.CONTROLLER_LISTENER + "://" + node.host() + ":"
                        + node.controllerPort());
                config.remove("advertised.listeners");
                config.remove("inter.broker.listener.name");
            }
        }
        if (!config.getOrDefault("controller.quorum.bootstrap.servers", "").isBlank()) {
            // A dynamic quorum (KIP-853): the voters come from the formatted folder, as with Kafka.
            config.remove("controller.quorum.voters");
        }
        return config;
    }

    /** A config of one node only, over the cluster-wide overrides; takes effect when the node next starts. */
    public void setNodeConfig(int nodeId, String key, String value) {
        layout.node(nodeId); // an unknown id fails here
        nodeOverrides.computeIfAbsent(nodeId, id -> new LinkedHashMap<>()).put(key, value);
    }

    /** Writes the node's server.properties into its folder and returns the file. */
    protected Path writeConfig(int nodeId) throws IOException {
        Path file = layout.node(nodeId).configFile();
        ClusterLayout.writeProperties(file, nodeConfig(nodeId), "node " + nodeId + " of a test cluster");
        return file;
    }

    /** Starts every node (together: a node may wait for a quorum of its peers) and waits until the cluster formed. */
    public abstract void start() throws IOException;

    /** Makes a cluster on newly chosen ports (and a folder of its own), not yet started. */
    @FunctionalInterface
    public interface Factory<C extends DLogCluster> {
        C create() throws IOException;
    }

    /**
     * Makes and starts a cluster, or closes it (its nodes and folder) and rethrows if it cannot start. A start that
     * failed only because one of the cluster's ports was taken between choosing it and the node binding it (another
     * process on the machine bound it, or an outgoing connection got it as its local port: seen in CI, "cannot listen
     * on 127.0.0.1:34031 ... address already in use") is tried again with a new cluster on new ports, up to
     * {@link #START_ATTEMPTS} times; any other failure is the test's to see at once.
     */
    protected static <C extends DLogCluster> C startedOrClosed(Factory<C> factory) throws IOException {
        for (int attempt = 1; ; attempt++) {
            C cluster = factory.create();
            try {
                cluster.start();
                return cluster;
            } catch (IOException | RuntimeException | Error e) {
                cluster.close();
                if (attempt >= START_ATTEMPTS || !isPortTaken(e)) {
                    throw e;
                }
                System.err.printf("a port of the test cluster was taken before its node bound it; starting again on "
                        + "new ports (attempt %d of %d): %s%n", attempt + 1, START_ATTEMPTS, firstLine(e));
            }
        }
    }

    /** True when the failure, or a node's log quoted in it, says that a port the cluster chose was in use. */
    static boolean isPortTaken(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof java.net.BindException) {
                return true;
            }
            String message = cause.getMessage();
            if (message != null && message.toLowerCase(java.util.Locale.ROOT).contains("address already in use")) {
                return true;
            }
        }
        return false;
    }

    private static String firstLine(Throwable e) {
        String text = String.valueOf(e.getMessage());
        int newline = text.indexOf('\n');
        return newline < 0 ? text : text.substring(0, newline);
    }

    /** A clean stop: the node closes its files and leaves. */
    public abstract void stop(int nodeId);

    /** Starts a stopped node again on the same folder and ports, and waits until it accepts connections. */
    public abstract void restart(int nodeId) throws IOException;

    public abstract boolean isRunning(int nodeId);

    public List<Integer> runningNodeIds() {
        return nodeIds().stream().filter(this::isRunning).toList();
    }

    public Properties clientProps() {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        props.putAll(clientSecurity);
        return props;
    }

    /** Client settings ({@code security.protocol}, SASL, trust store) the harness's clients use; before start. */
    public void useClientSecurity(Map<String, ?> settings) {
        clientSecurity.putAll(settings);
    }

    public Admin admin() {
        return Admin.create(clientProps());
    }

    /**
     * Creates a topic as a test's setup does, retrying while too few brokers are live: on a loaded machine a node
     * that just formed the cluster (or just came back) may miss a heartbeat deadline and be fenced for a moment,
     * and CreateTopics then answers INVALID_REPLICATION_FACTOR, as Kafka's controller does.
     */
    public void createTopic(NewTopic topic) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        try (Admin admin = admin()) {
            while (true) {
                try {
                    admin.createTopics(List.of(topic)).all().get(60, TimeUnit.SECONDS);
                    return;
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof TopicExistsException) {
                        return; // an earlier attempt that timed out on our side did create it
                    }
                    if (!(e.getCause() instanceof InvalidReplicationFactorException || e.getCause() instanceof RetriableException)
                            || System.nanoTime() - deadline > 0) {
                        throw new AssertionError("cannot create " + topic.name() + diagnostics(), e);
                    }
                } catch (java.util.concurrent.TimeoutException e) {
                    if (System.nanoTime() - deadline > 0) {
                        throw new AssertionError("cannot create " + topic.name() + diagnostics(), e);
                    }
                }
                Thread.sleep(1_000);
            }
        }
    }

    /**
     * Waits up to 90 s until partition 0 of {@code topic} has a leader and {@code isrSize} replicas in its ISR, as
     * Kafka's DescribeTopics tells it; returns that view.
     */
    public org.apache.kafka.common.TopicPartitionInfo awaitIsr(String topic, int isrSize) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (true) {
            try (Admin admin = admin()) {
                org.apache.kafka.common.TopicPartitionInfo p = admin.describeTopics(List.of(topic)).allTopicNames()
                        .get(10, TimeUnit.SECONDS).get(topic).partitions().get(0);
                if (p.leader() != null && p.isr().size() == isrSize) {
                    return p;
                }
            } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
                // a node catching up, or the topic not yet known everywhere
            }
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("no ISR of " + isrSize + " for " + topic + diagnostics());
            }
            Thread.sleep(200);
        }
    }

    /** Waits until Kafka's DescribeCluster, asked of every running node, lists exactly the running nodes. */
    public void awaitFormed() {
        awaitBrokers(runningNodeIds().stream().filter(this::isBroker).toList(), FORM_TIMEOUT);
    }

    /**
     * Waits until each running node answers DescribeCluster with exactly {@code expected} as the brokers:
     * every node then sees the same membership, not only the first one a client happens to reach.
     */
    public void awaitBrokers(Collection<Integer> expected, Duration timeout) {
        Set<Integer> wanted = new TreeSet<>(expected);
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<Integer, Object> lastSeen = new LinkedHashMap<>();
        while (true) {
            boolean all = true;
            for (int nodeId : runningNodeIds()) {
                if (!isBroker(nodeId)) {
                    continue; // a controller answers no client
                }
                Object seen = describeClusterOf(nodeId);
                lastSeen.put(nodeId, seen);
                all &= wanted.equals(seen);
            }
            if (all) {
                return;
            }
            failIfANodeDiedStarting();
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("cluster not formed after " + timeout + ": wanted brokers " + wanted
                        + " on every running node, each node saw " + lastSeen + diagnostics());
            }
            sleep(200);
        }
    }

    /** The broker ids this node reports, or what went wrong asking it. */
    private Object describeClusterOf(int nodeId) {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(nodeId));
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "5000");
        props.putAll(clientSecurity);
        try (Admin admin = Admin.create(props)) {
            Collection<Node> nodes = admin.describeCluster(new DescribeClusterOptions().timeoutMs(5000)).nodes()
                    .get(10, TimeUnit.SECONDS);
            return nodes.stream().map(Node::id).collect(Collectors.toCollection(TreeSet::new));
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            return e.getCause() == null ? e.toString() : e.getCause().toString();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /**
     * Called while {@link #awaitBrokers} waits: fails at once, with the node's log, when a node died during the
     * cluster's start, rather than letting the wait run out (a node that exits no longer counts as running, but the
     * brokers wanted still name it). Nothing by default.
     */
    protected void failIfANodeDiedStarting() {
    }

    /** What a failed wait adds to its message (the child processes' logs, say). */
    protected String diagnostics() {
        return "";
    }

    /** Stops every node and deletes the root folder, unless {@code -Ddlog.cluster.keep=true} keeps it to read. */
    @Override
    public void close() {
        try {
            closeNodes();
        } finally {
            try {
                if (Boolean.getBoolean("dlog.cluster.keep")) {
                    System.out.println("dlog.cluster.keep: the cluster's folder stays at " + root);
                    return;
                }
                DLogBrokerExtension.deleteRecursively(root);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    protected abstract void closeNodes();

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
