package io.dlog.kafka.handlers.fetch;

import java.util.List;
import org.apache.kafka.common.protocol.Errors;

/**
 * What one fetch reads: the partitions in order, the limits, and the session (if any) whose cached
 * state decides which partitions an incremental response carries.
 */
record FetchPlan(List<Item> items, int maxBytes, int minBytes, boolean readCommitted, boolean byTopicId,
                 FetchSession session, boolean incremental) {

    /**
     * One partition to read.
     *
     * @param topic          the resolved topic name, or null when the id is unknown
     * @param preError       an error known before reading (unknown topic id), or null
     */
    record Item(FetchSession.Key key, String topic, long fetchOffset, int maxBytes, int currentLeaderEpoch,
                Errors preError) {
    }
}
