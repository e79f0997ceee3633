package io.dlog.testcontainers;

import io.dlog.broker.DLogBroker;
import io.dlog.broker.cli.ClusterLayout;
import io.dlog.kafka.config.BrokerConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * DLog in the test's JVM, for tests without Docker: real brokers on free 127.0.0.1 ports, data in a temporary
 * folder deleted afterwards. As a JUnit 5 extension on a static field it serves the whole class; on an instance
 * field, each test. It can also be started and closed by hand.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final EmbeddedDLog DLOG = new EmbeddedDLog();              // or EmbeddedDLog.cluster(3)
 *
 * @Test
 * void test() {
 *     props.put("bootstrap.servers", DLOG.getBootstrapServers());
 * }
 * }</pre>
 *
 * <p>A cluster's nodes are configured as {@code dlog start --cluster N} configures them ({@link ClusterLayout}):
 * every node votes in the metadata quorum and replication factors default to {@code min(3, N)}.
 */
public final class EmbeddedDLog implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback,
        AutoCloseable {
    private static final Duration FORM_TIMEOUT = Duration.ofSeconds(60);

    private final int size;
    private final Map<String, String> config = new LinkedHashMap<>();
    private final List<DLogBroker> brokers = new ArrayList<>();
    private Path root;
    /** Started by beforeAll (a static field): beforeEach and afterEach leave it alone. */
    private boolean perClass;

    /** A single node. */
    public EmbeddedDLog() {
        this(1);
    }

    private EmbeddedDLog(int size) {
        if (size < 1 || size > ClusterLayout.MAX_NODES) {
            throw new IllegalArgumentException("1 to " + ClusterLayout.MAX_NODES + " nodes, not " + size);
        }
        this.size = size;
        // Test-friendly defaults, as Testcontainers' KafkaContainer sets them: a group's first rebalance does not
        // wait 3 s for more members, and __consumer_offsets is one partition, not many logs to open per test.
        config.put("group.initial.rebalance.delay.ms", "0");
        config.put("offsets.topic.num.partitions", "1");
    }

    /** A cluster of {@code nodes} nodes, started together. */
    public static EmbeddedDLog cluster(int nodes) {
        return new EmbeddedDLog(nodes);
    }

    /**
     * Sets a broker config (server.properties name) on every node; before start. Defaults differ from a
     * server's in two keys only, for quick tests: group.initial.rebalance.delay.ms=0, offsets.topic.num.partitions=1.
     */
    public EmbeddedDLog withConfig(String key, String value) {
        if (!brokers.isEmpty()) {
            throw new IllegalStateException("already started");
        }
        config.put(key, value);
        return this;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws IOException {
        perClass = true;
        start();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        close();
    }

    @Override
    public void beforeEach(ExtensionContext context) throws IOException {
        if (!perClass) {
            start();
        }
    }

    @Override
    public void afterEach(ExtensionContext context) {
        if (!perClass) {
            close();
        }
    }

    /** Starts the node(s) and, for a cluster, waits until every node sees every other as live. */
    public synchronized void start() throws IOException {
        if (!brokers.isEmpty()) {
            throw new IllegalStateException("already started");
        }
        root = Files.createTempDirectory("embedded-dlog-");
        try {
            if (size == 1) {
                Map<String, String> values = new LinkedHashMap<>(config);
                values.put(BrokerConfig.LISTENERS, "PLAINTEXT://127.0.0.1:0");
                values.put(BrokerConfig.LOG_DIRS, root.resolve("data").toString());
                brokers.add(DLogBroker.start(BrokerConfig.parse(values)));
            } else {
                startCluster();
            }
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    private void startCluster() throws IOException {
        ClusterLayout layout = ClusterLayout.onFreePorts(size, root);
        List<CompletableFuture<DLogBroker>> starts = new ArrayList<>();
        for (ClusterLayout.Node node : layout.nodes()) {
            BrokerConfig nodeConfig = BrokerConfig.parse(layout.nodeConfig(node.id(), config));
            // Together: each node waits for a quorum of its peers.
            starts.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return DLogBroker.start(nodeConfig);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }, runnable -> new Thread(runnable, "embedded-dlog-start-" + node.id()).start()));
        }
        IOException failure = null;
        for (CompletableFuture<DLogBroker> start : starts) {
            try {
                brokers.add(start.join());
            } catch (CompletionException e) {
                IOException cause = new IOException("a node did not start: " + e.getCause().getMessage(), e.getCause());
                if (failure == null) {
                    failure = cause;
                } else {
                    failure.addSuppressed(cause);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
        awaitEveryNodeSeesEveryNode();
    }

    private void awaitEveryNodeSeesEveryNode() throws IOException {
        long deadline = System.nanoTime() + FORM_TIMEOUT.toNanos();
        while (!brokers.stream().allMatch(broker -> brokers.stream().allMatch(other ->
                broker.metadataImage().isLive(other.nodeId())))) {
            if (System.nanoTime() - deadline > 0) {
                throw new IOException("the " + size + " nodes did not all see each other live within " + FORM_TIMEOUT.toSeconds() + " s");
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while the cluster formed", e);
            }
        }
    }

    /** {@code 127.0.0.1:port,...}: every node's client listener. */
    public synchronized String getBootstrapServers() {
        if (brokers.isEmpty()) {
            throw new IllegalStateException("not started");
        }
        return brokers.stream().map(DLogBroker::bootstrapServers).collect(Collectors.joining(","));
    }

    /** The running nodes, to look inside one (its metadata image, its id, its data folder). */
    public synchronized List<DLogBroker> getBrokers() {
        return List.copyOf(brokers);
    }

    public synchronized String getClusterId() {
        if (brokers.isEmpty()) {
            throw new IllegalStateException("not started");
        }
        return brokers.get(0).clusterId();
    }

    /** Stops every node and deletes the data. */
    @Override
    public synchronized void close() {
        RuntimeException failure = null;
        for (DLogBroker broker : brokers) {
            try {
                broker.close();
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        brokers.clear();
        deleteQuietly(root);
        root = null;
        if (failure != null) {
            throw failure;
        }
    }

    private static void deleteQuietly(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            // Temporary data: what cannot be deleted now is left to the OS's temp cleaning.
        }
    }
}
