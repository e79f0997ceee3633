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

    /*
     * equals and hashCode are written out. The generated ones go through method handles, which C2 inlines but which
     * cost 7x (C1) to 10x (interpreter) a plain lookup in code not yet compiled or just deoptimized
     * (bench/tools/RecordKeyCost.java), and a broker's request path is deoptimized whenever a new client or topic
     * takes a branch it had not taken (a follower's fetch looks up each of its partitions several times). Same
     * formula as the generated hashCode, so nothing that spreads partitions by hash (the log writers) moves.
     */
    @Override
    public boolean equals(Object o) {
        return this == o || o instanceof TopicPartition other && partition == other.partition && topic.equals(other.topic);
    }

    @Override
    public int hashCode() {
        return 31 * topic.hashCode() + partition;
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
