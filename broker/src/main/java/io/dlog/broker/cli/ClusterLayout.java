package io.dlog.broker.cli;

import io.dlog.cluster.PortPicker;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The {@code server.properties} of every node of a cluster on one host: node ids 1..N, a PLAINTEXT and a
 * CONTROLLER port per node, a data folder per node, and the same {@code controller.quorum.voters} everywhere.
 * Used by {@code dlog start --cluster N} and by the test harnesses, so that both start clusters the same way.
 * Every node is a broker and a controller (a voter of the metadata group), as every DLog node is. Immutable.
 */
public final class ClusterLayout {
    public static final String CONTROLLER_LISTENER = "CONTROLLER";
    public static final String BROKER_LISTENER = "PLAINTEXT";
    /**
     * Every node votes, and Kafka's advice is 1, 3 or 5 controllers: more voters make each metadata commit wait
     * for more acknowledgements and buy no safety a dev cluster needs.
     */
    public static final int MAX_NODES = 5;

    private final List<Node> nodes;

    /**
     * One node: its id, where it listens, and its folder, which holds its server.properties and, in
     * {@code data/}, its {@code log.dirs} (kept apart so that nothing but the broker's own files is in there).
     */
    public record Node(int id, String host, int port, int controllerPort, Path dir) {
        public Path dataDir() {
            return dir.resolve("data");
        }

        public Path configFile() {
            return dir.resolve("server.properties");
        }

        public String bootstrapServer() {
            return host + ":" + port;
        }
    }

    public ClusterLayout(List<Node> nodes) {
        if (nodes.isEmpty()) {
            throw new IllegalArgumentException("a cluster has at least one node");
        }
        this.nodes = List.copyOf(nodes);
    }

    /**
     * Node i (1-based) on {@code host} with PLAINTEXT port {@code basePort + 2(i-1)}, its CONTROLLER port one
     * above, and its folder {@code root/node-i}: the dev cluster's fixed layout (9092/9093, 9094/9095, ...).
     */
    public static ClusterLayout contiguous(int size, String host, int basePort, Path root) {
        List<Node> nodes = new ArrayList<>();
        for (int id = 1; id <= size; id++) {
            int port = basePort + 2 * (id - 1);
            nodes.add(new Node(id, host, port, port + 1, root.resolve("node-" + id)));
        }
        return new ClusterLayout(nodes);
    }

    /**
     * Node i (1-based) on 127.0.0.1 with a client and a controller port that are free now, and its folder
     * {@code root/node-i}: for tests and embedded clusters, which must not collide with anything on the machine.
     * All 2N sockets are open at once while choosing, so the ports all differ.
     *
     * <p>The ports come from below the kernel's ephemeral range when there is room there. A port the kernel hands
     * out for bind(0) is also one it hands out as the local port of any outgoing connection, so in the seconds
     * between choosing and a child JVM binding it, a client connecting anywhere could take it (seen in CI:
     * "Address already in use" for a node's CONTROLLER port). Ports below the range are only ever taken by
     * someone binding them on purpose.
     */
    public static ClusterLayout onFreePorts(int size, Path root) throws IOException {
        List<java.net.ServerSocket> sockets = new ArrayList<>();
        try {
            PortPicker picker = PortPicker.belowEphemeralRange();
            for (int i = 0; i < 2 * size; i++) {
                sockets.add(picker.bind());
            }
            List<Node> nodes = new ArrayList<>();
            for (int id = 1; id <= size; id++) {
                nodes.add(new Node(id, "127.0.0.1", sockets.get(2 * id - 2).getLocalPort(),
                        sockets.get(2 * id - 1).getLocalPort(), root.resolve("node-" + id)));
            }
            return new ClusterLayout(nodes);
        } finally {
            for (java.net.ServerSocket socket : sockets) {
                socket.close();
            }
        }
    }

    public List<Node> nodes() {
        return nodes;
    }

    public Node node(int id) {
        return nodes.stream().filter(node -> node.id() == id).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no node " + id));
    }

    /** {@code 1@host:port,2@host:port,...}: the nodes' CONTROLLER endpoints (the metadata group's peers). */
    public String quorumVoters() {
        return nodes.stream()
                .map(node -> node.id() + "@" + node.host() + ":" + node.controllerPort())
                .collect(Collectors.joining(","));
    }

    public String bootstrapServers() {
        return nodes.stream().map(Node::bootstrapServer).collect(Collectors.joining(","));
    }

    /**
     * The whole configuration of one node: {@code base} (settings shared by all nodes), then the keys that make
     * this node itself and the cluster's shape, which win over {@code base}.
     */
    public Map<String, String> nodeConfig(int id, Map<String, String> base) {
        Node node = node(id);
        Map<String, String> values = new LinkedHashMap<>(base);
        values.put("node.id", Integer.toString(node.id()));
        values.put("process.roles", "broker,controller");
        String brokerListener = BROKER_LISTENER + "://" + node.bootstrapServer();
        values.put("listeners", brokerListener + "," + CONTROLLER_LISTENER + "://" + node.host() + ":" + node.controllerPort());
        values.put("advertised.listeners", brokerListener);
        values.put("controller.listener.names", CONTROLLER_LISTENER);
        values.put("inter.broker.listener.name", BROKER_LISTENER);
        values.put("controller.quorum.voters", quorumVoters());
        values.remove("log.dir");
        values.put("log.dirs", node.dataDir().toString());
        if (nodes.size() > 1) {
            // Kafka's internal-topic default of 3 cannot be met by a smaller cluster; more than 3 buys nothing here.
            String replicas = Integer.toString(Math.min(3, nodes.size()));
            values.putIfAbsent("default.replication.factor", replicas);
            values.putIfAbsent("offsets.topic.replication.factor", replicas);
            values.putIfAbsent("transaction.state.log.replication.factor", replicas);
        }
        return values;
    }

    /** Writes {@code values} as a properties file, in their order, one {@code key=value} a line. */
    public static void writeProperties(Path file, Map<String, String> values, String comment) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        try (Writer writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            writer.write("# " + comment + "\n");
            for (Map.Entry<String, String> entry : values.entrySet()) {
                writer.write(entry.getKey() + "=" + escape(entry.getValue()) + "\n");
            }
        }
    }

    /** java.util.Properties reads a backslash as an escape and drops leading blanks; keep both literal. */
    private static String escape(String value) {
        String escaped = value.replace("\\", "\\\\");
        return escaped.startsWith(" ") ? "\\" + escaped : escaped;
    }
}
