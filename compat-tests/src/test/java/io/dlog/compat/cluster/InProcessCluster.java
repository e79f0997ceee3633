package io.dlog.compat.cluster;

import io.dlog.broker.DLogBroker;
import io.dlog.kafka.config.BrokerConfig;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The nodes of a {@link DLogCluster} as {@link DLogBroker}s in this JVM: quick to start, and a test can reach
 * into a node ({@link #broker}). Stopping is a clean {@link DLogBroker#close()}; for kill -9 and pause use
 * {@link ProcessCluster}.
 */
public final class InProcessCluster extends DLogCluster {
    private final Map<Integer, DLogBroker> brokers = new TreeMap<>();

    public InProcessCluster(int size, Map<String, String> overrides) throws IOException {
        super(size, overrides);
    }

    /** A started cluster of {@code size} nodes, formed. */
    public static InProcessCluster start(int size, Map<String, String> overrides) throws IOException {
        return startedOrClosed(() -> new InProcessCluster(size, overrides));
    }

    @Override
    public void start() throws IOException {
        startNodes(nodeIds());
        awaitFormed();
    }

    /** Starts these nodes on threads of their own (a node may wait for a quorum of its peers to start). */
    private void startNodes(List<Integer> nodeIds) throws IOException {
        List<CompletableFuture<DLogBroker>> starts = new ArrayList<>();
        for (int nodeId : nodeIds) {
            if (brokers.containsKey(nodeId)) {
                throw new IllegalStateException("node " + nodeId + " is running");
            }
            writeConfig(nodeId);
            BrokerConfig config = BrokerConfig.parse(nodeConfig(nodeId));
            starts.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return DLogBroker.start(config);
                } catch (IOException e) {
                    throw new CompletionException(e);
                }
            }, runnable -> new Thread(runnable, "dlog-test-start-node-" + nodeId).start()));
        }
        IOException failure = null;
        for (int i = 0; i < starts.size(); i++) {
            try {
                brokers.put(nodeIds.get(i), starts.get(i).join());
            } catch (CompletionException e) {
                IOException cause = new IOException("node " + nodeIds.get(i) + " did not start: " + e.getCause(), e.getCause());
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
    }

    /** The running node, to look inside it. */
    public DLogBroker broker(int nodeId) {
        DLogBroker broker = brokers.get(nodeId);
        if (broker == null) {
            throw new IllegalStateException("node " + nodeId + " is not running");
        }
        return broker;
    }

    @Override
    public void stop(int nodeId) {
        broker(nodeId).close();
        brokers.remove(nodeId);
    }

    @Override
    public void restart(int nodeId) throws IOException {
        if (brokers.containsKey(nodeId)) {
            stop(nodeId);
        }
        startNodes(List.of(nodeId));
    }

    @Override
    public boolean isRunning(int nodeId) {
        return brokers.containsKey(nodeId);
    }

    @Override
    protected void closeNodes() {
        RuntimeException failure = null;
        for (DLogBroker broker : brokers.values()) {
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
        if (failure != null) {
            throw failure;
        }
    }
}
