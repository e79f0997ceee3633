package io.dlog.log;

import java.util.Objects;

/** A partition of a topic: the unit of ordering, storage and (later) replication. Immutable. */
public record TopicPartition(String topic, int partition) {
    public TopicPartition {
        Objects.requireNonNull(topic, "topic");
        if (partition < 0) {
            throw new IllegalArgumentException("partition must be >= 0: " + partition);
        }
    }

    /** Kafka's directory name for a partition: {@code <topic>-<partition>}. */
    public String dirName() {
        return topic + "-" + partition;
    }

    @Override
    public String toString() {
        return dirName();
    }
}
