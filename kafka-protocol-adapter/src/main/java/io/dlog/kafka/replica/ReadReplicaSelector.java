package io.dlog.kafka.replica;

import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * Which replica a consumer reads a partition from (KIP-392), with the behaviour of Kafka's
 * {@code RackAwareReplicaSelector}, selected by {@code replica.selector.class}: the leader, unless the consumer
 * names a rack ({@code client.rack}) that the leader is not in and some eligible follower is; then the most
 * caught-up of those followers (largest log end, then most recently caught up, then the highest id, Kafka's
 * order). The caller passes only followers that may serve the fetch (in the ISR, live, holding the offset).
 *
 * <p>Pure and stateless; safe from any thread.
 */
final class ReadReplicaSelector {
    /** The leader (no redirect). */
    static final int LEADER = -1;

    /**
     * A follower that could serve the fetch, as the leader knows it.
     *
     * @param reachable whether it advertises the listener the consumer came in on: Kafka never sends a consumer to
     *                  a replica it has no address of (another listener may be on a network the client cannot reach)
     */
    record Candidate(int id, String rack, boolean reachable, long logEndOffset, long timeSinceCaughtUpMs) {
        Candidate(int id, String rack, long logEndOffset, long timeSinceCaughtUpMs) {
            this(id, rack, true, logEndOffset, timeSinceCaughtUpMs);
        }
    }

    private static final Comparator<Candidate> MOST_CAUGHT_UP = Comparator.comparingLong(Candidate::logEndOffset)
            .thenComparing(Comparator.comparingLong(Candidate::timeSinceCaughtUpMs).reversed())
            .thenComparingInt(Candidate::id);

    private ReadReplicaSelector() {
    }

    /**
     * @param clientRack the consumer's rack, null or empty when it has none
     * @param leaderRack the leader's broker.rack, null when it has none
     * @return the follower's id, or {@link #LEADER}
     */
    static int select(String clientRack, String leaderRack, List<Candidate> followers) {
        if (clientRack == null || clientRack.isEmpty() || clientRack.equals(leaderRack)) {
            return LEADER;
        }
        return followers.stream().filter(c -> c.reachable() && Objects.equals(clientRack, c.rack())).max(MOST_CAUGHT_UP)
                .map(Candidate::id).orElse(LEADER);
    }
}
