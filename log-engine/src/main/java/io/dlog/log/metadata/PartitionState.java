package io.dlog.log.metadata;

import java.util.List;

/**
 * Who leads a partition and who is in sync, as the cluster image records it. Immutable.
 *
 * @param leader         the node that leads the partition, or -1 while it is offline
 * @param leaderEpoch    bumped at every change of leader; stamped into every batch the leader appends
 * @param isr            the in-sync replicas (the leader among them): the replicas that hold every
 *                       committed batch, from which a new leader is chosen. When no member is live it keeps
 *                       the last one, so that replica can lead again when it returns (Kafka's rule without
 *                       unclean election).
 * @param partitionEpoch bumped at every change of this state; a leader's ISR change names the one it saw,
 *                       so a stale change is refused
 */
public record PartitionState(int leader, int leaderEpoch, List<Integer> isr, int partitionEpoch) {
    public static final int NO_LEADER = -1;

    public PartitionState {
        isr = List.copyOf(isr);
    }

    /** The state before anything is known of liveness: the first replica leads, all replicas in sync. */
    public static PartitionState initial(List<Integer> replicas) {
        return new PartitionState(replicas.isEmpty() ? NO_LEADER : replicas.get(0), 0, replicas, 0);
    }

    public boolean hasLeader() {
        return leader != NO_LEADER;
    }

    public PartitionState withLeader(int newLeader, List<Integer> newIsr) {
        return new PartitionState(newLeader, leaderEpoch + 1, newIsr, partitionEpoch + 1);
    }

    public PartitionState withIsr(List<Integer> newIsr) {
        return new PartitionState(leader, leaderEpoch, newIsr, partitionEpoch + 1);
    }
}
