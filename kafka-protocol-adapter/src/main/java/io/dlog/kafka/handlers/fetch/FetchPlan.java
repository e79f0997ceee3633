package io.dlog.kafka.handlers.fetch;

import io.dlog.log.TopicPartition;
import java.util.List;
import org.apache.kafka.common.protocol.Errors;

/**
 * What one fetch reads: the partitions in order, the limits, and the session (if any) whose cached
 * state decides which partitions an incremental response carries.
 *
 * @param clientMetadata a consumer's Fetch v11+ (KIP-392): followers may serve it, and the leader may send it to
 *                       another replica ({@code preferred_read_replica}); false for older versions (leader only)
 * @param clientRack     the consumer's {@code rack_id} (its client.rack), empty when it has none
 * @param listener       the listener the request came in on: a consumer is sent only to a follower that advertises it
 */
record FetchPlan(List<Item> items, int maxBytes, int minBytes, boolean readCommitted, boolean byTopicId,
                 FetchSession session, boolean incremental, int replicaId, boolean clientMetadata, String clientRack,
                 String listener) {

    /** A follower's fetch (replica id set): reads up to the log end and reports the follower's position. */
    boolean fromFollower() {
        return replicaId >= 0;
    }

    /**
     * One partition to read.
     *
     * @param topic          the resolved topic name, or null when the id is unknown
     * @param preError       an error known before reading (unknown topic id), or null
     * @param lastFetchedEpoch a follower's epoch of its last batch (v12+), -1 when unknown
     * @param logStartOffset a follower's log start offset (v5+), -1 when unknown
     * @param tp             the partition as the log layer names it, null when the topic is unknown or the index
     *                       negative (built once per session partition, not per fetch: see {@link FetchSession})
     */
    record Item(FetchSession.Key key, String topic, long fetchOffset, int maxBytes, int currentLeaderEpoch,
                Errors preError, int lastFetchedEpoch, long logStartOffset, TopicPartition tp) {
    }

    /** {@code topic}'s partition {@code partition}, or null when the topic is unknown or the index negative. */
    static TopicPartition partitionOf(String topic, int partition) {
        return topic != null && partition >= 0 ? new TopicPartition(topic, partition) : null;
    }
}
