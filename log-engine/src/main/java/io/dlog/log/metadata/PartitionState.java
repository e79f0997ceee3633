package io.dlog.log.metadata;

import java.util.ArrayList;
import java.util.List;

/**
 * Who leads a partition and who is in sync, as the cluster image records it. Immutable.
 *
 * @param leader         the node that leads the partition, or -1 while it is offline
 * @param leaderEpoch    bumped at every change of leader; stamped into every batch the leader appends
 * @param isr            the in-sync replicas (the leader among them): the replicas that hold every
 *                       committed batch, from which a new leader is chosen. When no member is live it keeps
 *                       the last one, so that replica can lead again when it returns (Kafka's rule without
 *                       unclean election); empty only when that last member came back with a new data folder
 *                       (its data gone): the partition then waits, offline, for an unclean election.
 * @param partitionEpoch bumped at every change of this state; a leader's ISR change names the one it saw,
 *                       so a stale change is refused
 * @param adding         during a reassignment, the target replicas the partition did not have before it
 *                       (Kafka's addingReplicas); empty otherwise
 * @param removing       during a reassignment, the replicas that leave once every target replica is in
 *                       sync (Kafka's removingReplicas); empty otherwise. The replica list during a move is
 *                       target + removing.
 * @param emptied        replicas whose node came back on a replaced data folder (a new {@code directory.id}) and that
 *                       have not been in sync since: their copy of the partition restarted from nothing. An unclean
 *                       election takes any other live replica before them, since they hold the least. Never holds an
 *                       ISR member: joining the ISR (or being elected) proves the copy whole again and drops it here.
 */
public record PartitionState(int leader, int leaderEpoch, List<Integer> isr, int partitionEpoch,
                             List<Integer> adding, List<Integer> removing, List<Integer> emptied) {
    public static final int NO_LEADER = -1;

    public PartitionState {
        isr = List.copyOf(isr);
        adding = List.copyOf(adding);
        removing = List.copyOf(removing);
        List<Integer> inSync = isr;
        emptied = emptied.stream().anyMatch(inSync::contains)
                ? emptied.stream().filter(r -> !inSync.contains(r)).toList()
                : List.copyOf(emptied);
    }

    /** No replica restarted from a replaced data folder. */
    public PartitionState(int leader, int leaderEpoch, List<Integer> isr, int partitionEpoch,
                          List<Integer> adding, List<Integer> removing) {
        this(leader, leaderEpoch, isr, partitionEpoch, adding, removing, List.of());
    }

    /** A partition with no reassignment in progress. */
    public PartitionState(int leader, int leaderEpoch, List<Integer> isr, int partitionEpoch) {
        this(leader, leaderEpoch, isr, partitionEpoch, List.of(), List.of());
    }

    /** The state before anything is known of liveness: the first replica leads, all replicas in sync. */
    public static PartitionState initial(List<Integer> replicas) {
        return new PartitionState(replicas.isEmpty() ? NO_LEADER : replicas.get(0), 0, replicas, 0);
    }

    public boolean hasLeader() {
        return leader != NO_LEADER;
    }

    /** True while a reassignment is in progress (Kafka's rule: something is being added or removed). */
    public boolean isReassigning() {
        return !adding.isEmpty() || !removing.isEmpty();
    }

    public PartitionState withLeader(int newLeader, List<Integer> newIsr) {
        return new PartitionState(newLeader, leaderEpoch + 1, newIsr, partitionEpoch + 1, adding, removing, emptied);
    }

    public PartitionState withIsr(List<Integer> newIsr) {
        return new PartitionState(leader, leaderEpoch, newIsr, partitionEpoch + 1, adding, removing, emptied);
    }

    /** With the reassignment's adding and removing replicas replaced (empty lists end it); a new partition epoch. */
    public PartitionState withReassignment(List<Integer> newAdding, List<Integer> newRemoving) {
        return new PartitionState(leader, leaderEpoch, isr, partitionEpoch + 1, newAdding, newRemoving, emptied);
    }

    /** With a higher leader epoch, the same leader (a new partition epoch). */
    public PartitionState withLeaderEpoch(int newLeaderEpoch) {
        return new PartitionState(leader, newLeaderEpoch, isr, partitionEpoch + 1, adding, removing, emptied);
    }

    /**
     * With {@code replica} among the replicas that restarted from a replaced data folder. The partition epoch stays:
     * the registration that marks it moves the epoch already.
     */
    public PartitionState withEmptied(int replica) {
        if (emptied.contains(replica)) {
            return this;
        }
        List<Integer> more = new ArrayList<>(emptied);
        more.add(replica);
        return new PartitionState(leader, leaderEpoch, isr, partitionEpoch, adding, removing, more);
    }

    /** Whether {@code replica}'s copy restarted from a replaced data folder and has not been in sync since. */
    public boolean isEmptied(int replica) {
        return emptied.contains(replica);
    }
}
