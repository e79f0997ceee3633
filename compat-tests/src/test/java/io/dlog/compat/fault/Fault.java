package io.dlog.compat.fault;

/** The faults a run injects, one kind per run, repeated for the run's duration. */
public enum Fault {
    /** No fault: the workload and checker against a healthy cluster. */
    NONE,
    /**
     * kill -9 of partition 0's leader, restarted after a while; in a transactional run, every other time the
     * transaction coordinator of the first producer instead.
     */
    KILL_LEADER,
    /** kill -9 of a replica of partition 0 that does not lead it, restarted after a while. */
    KILL_FOLLOWER,
    /** SIGSTOP of a node (partition 0's leader every other time), SIGCONT after a while. */
    PAUSE,
    /** One node (partition 0's leader every other time) cut off from the other nodes, both ways, then healed. */
    PARTITION,
    /**
     * Two nodes cut off from each other, both ways, while each still reaches the third (Jepsen's "bridge"): partition
     * 0's leader and one of its followers every other time, else any two nodes; then healed. The bridging node sees
     * both sides, so neither side loses the metadata quorum, and every partition has a replica on each side.
     */
    BRIDGE,
    /**
     * One node can no longer open connections to the other nodes, while theirs to it still work both ways (a
     * one-way firewall rule): partition 0's leader every other time, else any node; then healed. Its Raft messages
     * and heartbeats fail while the fetches of its followers still reach it.
     */
    ONE_WAY,
    /** kill -9 of the metadata Raft leader, restarted after a while. */
    KILL_METADATA_LEADER,
    /**
     * kill -9 of two of the three nodes at once (partition 0's leader among them every other time), then both restarted
     * together: the metadata quorum and every partition lose their majority, and nothing acknowledged may be lost.
     */
    KILL_MAJORITY,
    /** kill -9 of every node at once (a whole-cluster crash), then all restarted together. */
    KILL_ALL,
    /**
     * kill -9 of a node (partition 0's leader every other time), then once or twice started and killed again at a
     * random moment of its start (its log recovery, its return to the metadata quorum, its catching up), then
     * restarted for good: a crash in the middle of recovering from a crash.
     */
    KILL_DURING_RESTART,
    /**
     * kill -9 of a node (partition 0's leader every other time) that then loses what a power cut takes from writes
     * left to the page cache ({@link UnflushedLoss}: part of the last mebibyte of each of its active segments, internal
     * topics' included), restarted after a while: Jepsen's lazyfs. Struck only once every partition has all its
     * replicas in sync again, so that the run tests one node's loss at a time: the acknowledged writes it lost are on
     * the two other nodes, which must keep them, and the node must neither lead nor count towards acks=all until it
     * has caught up. (Two losses before a catch-up can lose acknowledged writes in flush mode os, as in Kafka.)
     */
    LOSE_UNFLUSHED,
    /**
     * Wall-clock faults, as Jepsen's clock nemesis makes them: every other cycle, partition 0's leader and each other
     * node with even odds have their wall clock bumped by up to 300 s either way, held 3-20 s, then set back; in the
     * other cycles one node's wall clock strobes between two such offsets every 1-2 s for 5-15 s. Only
     * {@code CLOCK_REALTIME} moves (libfaketime, see {@link ClockSkew}); runs only where libfaketime is installed.
     */
    CLOCK,
    /** Every node in turn stopped cleanly (SIGTERM) and restarted, waiting for the cluster to re-form in between. */
    ROLLING_RESTART,
    /**
     * Partition reassignment of partition 0 while the workload writes: one replica (its leader every other time) is
     * moved out (RF 3 to 2), then back in at a seeded position, catching up from an empty log; every third cycle the
     * move back in is cancelled first and started again. Runs with -Pfault only (not in the default build's suite).
     */
    REASSIGN,
    /**
     * Faults of different kinds overlapping (Jepsen's composed nemesis, {@link MixedNemesis}): one or two strikes per
     * cycle among kill -9 (of the metadata leader at times), SIGSTOP, isolation, a one-way cut and a cut
     * between two nodes, the second landing while the first holds, healed one at a time in a random order. Runs with
     * -Pfault only (not in the default build's suite).
     */
    MIXED;

    /** Whether the fault cuts links, so the run's cluster needs its nodes behind link proxies. */
    boolean cutsLinks() {
        return this == PARTITION || this == BRIDGE || this == ONE_WAY || this == MIXED;
    }
}
