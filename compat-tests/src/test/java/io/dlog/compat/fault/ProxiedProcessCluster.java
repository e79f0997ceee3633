package io.dlog.compat.fault;

import io.dlog.broker.cli.ClusterLayout;
import io.dlog.compat.cluster.ProcessCluster;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * A {@link ProcessCluster} whose nodes reach each other, and clients reach them, only through {@link LinkProxy}s:
 * each node binds its real ports ({@code listeners}) but advertises its client proxy ({@code advertised.listeners},
 * which Metadata hands to clients and to other brokers) and every node lists the Raft proxies as
 * {@code controller.quorum.voters}. The voters are the same string on every node, so the peer addresses Ratis
 * copies into its configuration log entry are the proxies everywhere: no node learns a direct address.
 * {@link #network()} cuts and heals links.
 */
public final class ProxiedProcessCluster extends ProcessCluster {
    private final NetworkPartitioner network = new NetworkPartitioner();
    private final Map<Integer, LinkProxy> clientProxies = new TreeMap<>();
    private final Map<Integer, LinkProxy> raftProxies = new TreeMap<>();

    public ProxiedProcessCluster(int size, Map<String, String> overrides) throws IOException {
        super(size, overrides);
        try {
            for (ClusterLayout.Node node : layout().nodes()) {
                clientProxies.put(node.id(), network.proxy(node.id(), node.port()));
                raftProxies.put(node.id(), network.proxy(node.id(), node.controllerPort()));
            }
        } catch (IOException e) {
            network.close();
            throw e;
        }
    }

    public static ProxiedProcessCluster start(int size, Map<String, String> overrides) throws IOException {
        return start(size, overrides, cluster -> { });
    }

    /** The same, with {@code prepare} run on the cluster before its nodes start. */
    public static ProxiedProcessCluster start(int size, Map<String, String> overrides,
                                              java.util.function.Consumer<ProcessCluster> prepare)
            throws IOException {
        return startedOrClosed(() -> {
            ProxiedProcessCluster cluster = new ProxiedProcessCluster(size, overrides);
            prepare.accept(cluster);
            return cluster;
        });
    }

    NetworkPartitioner network() {
        return network;
    }

    @Override
    public Map<String, String> nodeConfig(int nodeId) {
        Map<String, String> values = new LinkedHashMap<>(super.nodeConfig(nodeId));
        if (isBroker(nodeId)) {
            values.put("advertised.listeners", ClusterLayout.BROKER_LISTENER + "://" + bootstrapServers(nodeId));
        }
        values.put("controller.quorum.voters", raftProxies.entrySet().stream().filter(e -> isController(e.getKey()))
                .map(e -> e.getKey() + "@127.0.0.1:" + e.getValue().port()).collect(Collectors.joining(",")));
        return values;
    }

    @Override
    public String bootstrapServers(int nodeId) {
        return "127.0.0.1:" + clientProxies.get(nodeId).port();
    }

    @Override
    public void close() {
        try {
            super.close();
        } finally {
            network.close();
        }
    }
}
