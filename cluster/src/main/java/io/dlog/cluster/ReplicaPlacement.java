package io.dlog.cluster;

import io.dlog.log.metadata.BrokerImage;
import io.dlog.log.metadata.MetadataException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Chooses replica sets for new partitions from a small number of copysets (Cidon et al., "Copysets"):
 * the live brokers are put in a ring (alternating racks when {@code broker.rack} is set), and the
 * copysets are the ring's windows of {@code rf} consecutive brokers, so N brokers give at most N distinct
 * replica sets. Losing any {@code rf} brokers at once then loses the partitions of at most one
 * copyset, where Kafka's spread-everything placement loses some partition of almost every topic. It also
 * keeps the epoch groups (one Raft group per copyset) few.
 *
 * <p>Partitions go round-robin over the copysets from a start the caller picks (at random, so
 * topics do not all start on the same broker), and the order inside a set is rotated as partitions
 * wrap, so preferred leadership spreads evenly. Stateless; thread-safe.
 */
public final class ReplicaPlacement {
    private ReplicaPlacement() {
    }

    /**
     * @param live             the unfenced brokers
     * @param firstPartition   the index of the first new partition (0 for a new topic)
     * @param start            where on the ring the topic starts (any int; taken modulo)
     * @throws MetadataException INVALID_REPLICATION_FACTOR when {@code rf} is not in 1..live brokers
     */
    public static List<List<Integer>> assign(List<BrokerImage> live, int firstPartition, int count, int rf, int start)
            throws MetadataException {
        if (rf < 1 || rf > live.size()) {
            throw new MetadataException(MetadataException.Reason.INVALID_REPLICATION_FACTOR,
                    "Unable to replicate the partition " + rf + " time(s): The target replication factor of " + rf
                            + " cannot be reached because only " + live.size() + " broker(s) are registered.");
        }
        List<Integer> ring = ring(live);
        int n = ring.size();
        List<List<Integer>> assignment = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int p = firstPartition + i;
            int window = Math.floorMod(start + p, n);
            int rotation = Math.floorMod(p / n, rf);
            List<Integer> replicas = new ArrayList<>(rf);
            for (int r = 0; r < rf; r++) {
                replicas.add(ring.get((window + Math.floorMod(r + rotation, rf)) % n));
            }
            assignment.add(replicas);
        }
        return assignment;
    }

    /** Brokers by id, interleaved by rack (rack A's first, rack B's first, ..., rack A's second, ...). */
    static List<Integer> ring(List<BrokerImage> live) {
        Map<String, List<Integer>> byRack = new LinkedHashMap<>();
        live.stream().sorted(Comparator.comparing((BrokerImage b) -> b.rack() == null ? "" : b.rack())
                        .thenComparingInt(BrokerImage::id))
                .forEach(b -> byRack.computeIfAbsent(b.rack() == null ? "" : b.rack(), k -> new ArrayList<>()).add(b.id()));
        List<Integer> ring = new ArrayList<>(live.size());
        for (int round = 0; ring.size() < live.size(); round++) {
            for (List<Integer> rack : byRack.values()) {
                if (round < rack.size()) {
                    ring.add(rack.get(round));
                }
            }
        }
        return ring;
    }
}
