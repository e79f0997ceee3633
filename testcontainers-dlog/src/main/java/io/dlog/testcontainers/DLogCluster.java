package io.dlog.testcontainers;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.testcontainers.containers.Network;
import org.testcontainers.lifecycle.Startable;
import org.testcontainers.lifecycle.Startables;

/**
 * N DLog nodes in containers on a Docker network of their own, forming one cluster: node i is reachable by the
 * others as {@code dlog-i}, every node votes in the metadata quorum, and replication factors (default and the
 * internal topics') are {@code min(3, N)}. The nodes start together, since each waits for a quorum of its peers.
 *
 * <pre>{@code
 * try (DLogCluster cluster = new DLogCluster("dlog:latest", 3)) {
 *     cluster.start();
 *     adminProps.put("bootstrap.servers", cluster.getBootstrapServers());
 * }
 * }</pre>
 */
public class DLogCluster implements Startable {
    private final Network network;
    private final List<DLogContainer> nodes = new ArrayList<>();

    public DLogCluster(String image, int size) {
        this(() -> new DLogContainer(image), size);
    }

    /** Nodes made by {@code newNode} (an image being built, extra settings), one per call. */
    public DLogCluster(Supplier<DLogContainer> newNode, int size) {
        if (size < 1 || size > 5) {
            throw new IllegalArgumentException("a DLog cluster has 1 to 5 nodes (every node votes), not " + size);
        }
        this.network = Network.newNetwork();
        String voters = quorumVoters(size);
        int replicas = Math.min(3, size);
        for (int id = 1; id <= size; id++) {
            nodes.add(newNode.get().withNetwork(network).asClusterNode(id, alias(id), voters, replicas));
        }
    }

    static String alias(int nodeId) {
        return "dlog-" + nodeId;
    }

    /** {@code 1@dlog-1:9094,2@dlog-2:9094,...}: every node's CONTROLLER listener, by network alias. */
    static String quorumVoters(int size) {
        List<String> voters = new ArrayList<>();
        for (int id = 1; id <= size; id++) {
            voters.add(id + "@" + alias(id) + ":" + DLogContainer.CONTROLLER_PORT);
        }
        return String.join(",", voters);
    }

    @Override
    public void start() {
        try {
            Startables.deepStart(nodes).join();
        } catch (CompletionException e) {
            stop();
            throw e;
        }
    }

    /** Every node's client address on the test's machine, comma-separated. */
    public String getBootstrapServers() {
        return nodes.stream().map(DLogContainer::getBootstrapServers).collect(Collectors.joining(","));
    }

    public List<DLogContainer> getNodes() {
        return List.copyOf(nodes);
    }

    public Network getNetwork() {
        return network;
    }

    @Override
    public void stop() {
        nodes.forEach(DLogContainer::stop);
        network.close();
    }
}
