package io.dlog.kafka.share;

import java.util.UUID;
import org.apache.kafka.common.Uuid;

/**
 * One share-partition: a share group and one partition of a topic (by id, so a recreated topic of the same
 * name starts afresh, as on Kafka). Immutable.
 */
record SharePartitionKey(String groupId, UUID topicId, int partition) {

    /** Kafka's share-coordinator key ("group:topicId:partition"), whose hash places the state. */
    String coordinatorKey() {
        return groupId + ":" + kafkaTopicId() + ":" + partition;
    }

    Uuid kafkaTopicId() {
        return new Uuid(topicId.getMostSignificantBits(), topicId.getLeastSignificantBits());
    }
}
