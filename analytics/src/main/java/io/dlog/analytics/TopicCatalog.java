package io.dlog.analytics;

import io.dlog.log.LogManager;
import io.dlog.log.PartitionLog;
import java.util.Comparator;
import java.util.List;

/**
 * The topics analytics may read on this node and their partition logs. Implementations are thread-safe.
 */
public interface TopicCatalog {

    /** Topic names, sorted; internal topics ({@code __}-prefixed) are not listed. */
    List<String> topics();

    /** The topic's partitions whose logs this node holds, by partition number; empty for an unknown topic. */
    List<PartitionLog> partitions(String topic);

    /** Every partition log of a log manager (one node's data folder). */
    static TopicCatalog of(LogManager logs) {
        return new TopicCatalog() {
            @Override
            public List<String> topics() {
                return logs.all().stream().map(log -> log.topicPartition().topic())
                        .filter(topic -> !topic.startsWith("__")).distinct().sorted().toList();
            }

            @Override
            public List<PartitionLog> partitions(String topic) {
                if (topic.startsWith("__")) {
                    return List.of();
                }
                return logs.all().stream().filter(log -> log.topicPartition().topic().equals(topic))
                        .sorted(Comparator.comparingInt(log -> log.topicPartition().partition())).toList();
            }
        };
    }
}
