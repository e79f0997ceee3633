package io.dlog.cluster;

import io.dlog.log.metadata.MetadataImage;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;

/**
 * This node's member of the metadata Raft group: the latest applied cluster image, and the one way
 * to change it. Proposals from any node reach the group's leader; their futures complete once the
 * change is committed and applied on this node, so the proposer reads its own write.
 *
 * <p>Thread-safe. {@link #image()} is a volatile read, safe on an event loop; proposals never block
 * the caller.
 */
public interface MetadataQuorum extends AutoCloseable {

    /** The latest image applied on this node. */
    MetadataImage image();

    /**
     * Proposes {@code command}; the future completes with the image that includes it, or fails with a
     * {@link io.dlog.log.metadata.MetadataException}: the image's refusal, or TIMED_OUT when no quorum
     * committed it within {@code timeout} (a minority partition, an election in progress).
     */
    CompletableFuture<MetadataImage> propose(MetadataCommand command, Duration timeout);

    /**
     * The image once this node has applied everything the leader had applied when asked: a barrier
     * for requests that must see changes made through other nodes (an alteration of a topic created
     * through another node a moment ago). Falls back to the local image when no leader answers in time.
     */
    CompletableFuture<MetadataImage> latestImage(Duration timeout);

    /** This node's id. */
    int nodeId();

    /** True while this node leads the group and has applied its term's first entry (safe to act as leader). */
    boolean isReadyLeader();

    /** The metadata group's leader as this node last heard, if any. */
    OptionalInt leaderId();

    /** The group's voters, as configured. */
    List<Integer> voters();

    /** Each voter's metadata (controller) address; a single node's shows the port it bound. */
    java.util.Map<Integer, java.net.InetSocketAddress> voterAddresses();

    /** The leader's view of the group (term, commit index, each voter's replicated index). */
    CompletableFuture<QuorumDescription> describe(Duration timeout);

    /**
     * Adds an observer told of every command applied on this node (refused ones too), in log order, once
     * {@link #image()} holds its outcome.
     */
    void onApplied(java.util.function.Consumer<MetadataCommand> observer);

    /** Adds a listener for leadership of the metadata group on this node. */
    void onLeadership(LeadershipListener listener);

    /**
     * True when the group has committed entries (this node's own proposals among them) that this node's image does
     * not hold, and the image has not moved for {@code patience}: this node stopped following the group, so what it
     * knows of leaders and fences is stale and stays so. Measured from the first call that saw it behind: call it
     * periodically.
     */
    boolean applyStalled(Duration patience);

    /** This node's applied index and the highest index it knows committed, for a log line. */
    String applyProgress();

    /**
     * Told when this node's replica of the metadata log cannot be written (its data folder is full or failing): the
     * replica stops following, and only a restart with a working folder brings it back. Nobody until set.
     */
    default void setLogFailureListener(java.util.function.Consumer<Throwable> listener) {
    }

    /**
     * Told when this node cannot apply a committed entry for a cause of its own JVM (an {@link Error}: out of memory,
     * a class that cannot load): its replica stops and its image would stay where it is, so the node should stop.
     * (A rule that throws on a command refuses it on every node alike instead.) Nobody until set.
     */
    default void setApplyFailureListener(java.util.function.Consumer<Throwable> listener) {
    }

    /** Where commit times are reported (the broker's metrics); NONE until set. */
    default void setMetrics(QuorumMetrics metrics) {
    }

    /** How often this node saw the metadata group's leader change since it started (its first election included). */
    default long leaderChanges() {
        return 0;
    }

    /** Told when this node becomes leader of the group (ready to act as one) or stops being it. */
    interface LeadershipListener {
        void onLeadershipChange(boolean leader);
    }

    /**
     * @param leaderId    the leader's node id
     * @param term        the leader's term (Kafka's leader epoch)
     * @param commitIndex the index up to which the log is committed (Kafka's high watermark)
     * @param voters      each voter's replicated end as the leader knows it
     * @param observers   the nodes that follow the group without voting (broker-only nodes), as the leader last
     *                    heard from them; empty from a leader that does not track them (an older version)
     */
    record QuorumDescription(int leaderId, long term, long commitIndex, List<VoterState> voters,
                             List<ObserverState> observers) {
    }

    /** @param matchIndex the voter's last replicated index; @param lastContactMs ms since the leader heard from it (-1: unknown) */
    record VoterState(int nodeId, long matchIndex, long lastContactMs) {
    }

    /**
     * One voter's own view of the group, as its metadata replica answers for itself.
     *
     * @param role     Raft's name for its role: LEADER, FOLLOWER, CANDIDATE or LISTENER
     * @param leaderId the leader it follows (itself when it leads), -1 when it knows none
     */
    record VoterRole(int nodeId, String role, int leaderId) {
        /** A leader, or a follower that knows its leader: the voter takes part in a working quorum. */
        public boolean inWorkingQuorum() {
            return leaderId >= 0 && ("LEADER".equals(role) || "FOLLOWER".equals(role));
        }
    }

    /**
     * @param appliedIndex      the log index the observer's image stood for when it last asked for a newer one (the
     *                          leader's applied index while it held the leader's latest image)
     * @param lastContactMs     ms since it last asked
     * @param lastCaughtUpMs    ms since it last asked while holding the leader's latest image (-1: never seen so)
     */
    record ObserverState(int nodeId, long appliedIndex, long lastContactMs, long lastCaughtUpMs) {
    }

    @Override
    void close();
}
