package io.dlog.compat.cluster;

import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives a test class a running, formed cluster of N nodes, started before its first test and deleted after
 * its last:
 * <pre>{@code
 * @RegisterExtension
 * static final DLogClusterExtension CLUSTER = DLogClusterExtension.inProcess(3).with("num.partitions", "3");
 * }</pre>
 * {@link #processes(int)} runs the nodes as child JVMs (kill -9, pause). Test methods may also take the
 * cluster as a parameter ({@link DLogCluster}, {@link InProcessCluster} or {@link ProcessCluster}).
 * A test that stops nodes should restart them, or the class's next test starts with fewer.
 */
public final class DLogClusterExtension implements BeforeAllCallback, AfterAllCallback, ParameterResolver {
    private final int size;
    private final boolean inProcess;
    private final Map<String, String> overrides = new HashMap<>();
    private final Map<Integer, Map<String, String>> nodeOverrides = new HashMap<>();
    private DLogCluster cluster;

    private DLogClusterExtension(int size, boolean inProcess) {
        this.size = size;
        this.inProcess = inProcess;
    }

    /** N nodes in this JVM. */
    public static DLogClusterExtension inProcess(int size) {
        return new DLogClusterExtension(size, true);
    }

    /** N nodes, each a child JVM. */
    public static DLogClusterExtension processes(int size) {
        return new DLogClusterExtension(size, false);
    }

    /** A config every node gets (the node's own keys, such as node.id and listeners, are the harness's). */
    public DLogClusterExtension with(String key, String value) {
        overrides.put(key, value);
        return this;
    }

    /** A config of one node only (its broker.rack, say), over the ones every node gets. */
    public DLogClusterExtension withNode(int nodeId, String key, String value) {
        nodeOverrides.computeIfAbsent(nodeId, id -> new HashMap<>()).put(key, value);
        return this;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws IOException {
        cluster = DLogCluster.startedOrClosed(() -> {
            DLogCluster created = inProcess ? new InProcessCluster(size, overrides) : new ProcessCluster(size, overrides);
            nodeOverrides.forEach((node, configs) -> configs.forEach((key, value) -> created.setNodeConfig(node, key, value)));
            return created;
        });
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (cluster != null) {
            cluster.close();
            cluster = null;
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        return type == DLogCluster.class || (inProcess ? type == InProcessCluster.class : type == ProcessCluster.class);
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return cluster();
    }

    public DLogCluster cluster() {
        if (cluster == null) {
            throw new IllegalStateException("the cluster runs between beforeAll and afterAll only");
        }
        return cluster;
    }

    /** The in-process cluster; fails for {@link #processes(int)}. */
    public InProcessCluster inProcessCluster() {
        return (InProcessCluster) cluster();
    }

    /** The child-JVM cluster; fails for {@link #inProcess(int)}. */
    public ProcessCluster processCluster() {
        return (ProcessCluster) cluster();
    }

    public String bootstrapServers() {
        return cluster().bootstrapServers();
    }

    public Admin admin() {
        return cluster().admin();
    }

    /** Creates a topic with a unique name, {@code replicationFactor} replicas per partition, and returns the name. */
    public String newTopic(int partitions, int replicationFactor) {
        String name = "t-" + UUID.randomUUID().toString().substring(0, 8);
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(name, partitions, (short) replicationFactor))).all().get();
        } catch (Exception e) {
            throw new IllegalStateException("cannot create topic " + name, e);
        }
        return name;
    }
}
