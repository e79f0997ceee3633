package io.dlog.cluster;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

/**
 * How this node takes part in the metadata Raft group.
 *
 * @param nodeId             this node's id
 * @param storageDir         where the Raft log and snapshots live (inside the node's data folder)
 * @param voters             the voters by node id and their controller address ({@code controller.quorum.voters});
 *                           must contain {@code nodeId}. Port 0 for a single voter: bind any free port.
 * @param electionTimeoutMin the shortest election timeout; the longest is twice it. Ratis's 150 ms flaps on
 *                           a loaded 2-core machine, so clusters default to 1 s.
 * @param snapshotEvery      take a snapshot (and purge the log before it) every this many entries
 * @param bindAddress        where this node's Raft server listens (its CONTROLLER listener); null: its own voter
 *                           address. As on Kafka, {@code listeners} is where a controller binds and
 *                           {@code controller.quorum.voters} is where the others connect, which differ behind a
 *                           proxy or NAT.
 */
public record QuorumConfig(int nodeId, Path storageDir, Map<Integer, InetSocketAddress> voters,
                           Duration electionTimeoutMin, long snapshotEvery, InetSocketAddress bindAddress) {
    public QuorumConfig {
        voters = Map.copyOf(new TreeMap<>(voters));
        if (!voters.containsKey(nodeId)) {
            throw new IllegalArgumentException("node " + nodeId + " is not among the voters " + voters.keySet());
        }
        if (bindAddress == null) {
            bindAddress = voters.get(nodeId);
        }
    }

    /** Binds where the voters reach this node. */
    public QuorumConfig(int nodeId, Path storageDir, Map<Integer, InetSocketAddress> voters, Duration electionTimeoutMin,
                        long snapshotEvery) {
        this(nodeId, storageDir, voters, electionTimeoutMin, snapshotEvery, null);
    }

    /** A group of one: this node alone, on a free loopback port. */
    public static QuorumConfig singleNode(int nodeId, Path storageDir) {
        return new QuorumConfig(nodeId, storageDir, Map.of(nodeId, new InetSocketAddress("127.0.0.1", 0)),
                Duration.ofMillis(150), 1000);
    }

    public InetSocketAddress ownAddress() {
        return voters.get(nodeId);
    }
}
