package io.dlog.analytics;

import io.dlog.log.LogManager;
import io.dlog.log.PartitionLog;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The topics analytics may read on this node and their partition logs. Implementations are thread-safe.
 */
public interface TopicCatalog {

    /** Topic names, sorted; internal topics ({@code __}-prefixed) are not listed. */
    List<String> topics();

    /** The topic's partitions whose logs this node holds, by partition number; empty for an unknown topic. */
    List<PartitionLog> partitions(String topic);

    /** Topic config key: the Avro schema (JSON text) a topic's values are read with (docs/analytics.md). */
    String VALUE_SCHEMA_CONFIG = "dlog.value.schema";

    /** Topic config key: {@code false} turns columnar copies of the topic's segments off (docs/analytics.md). */
    String COLUMNAR_COPIES_CONFIG = "dlog.columnar.copies";

    /** The topic's configs in force (Kafka names, as strings); empty when unknown or none. */
    default Map<String, String> topicConfigs(String topic) {
        return Map.of();
    }

    /** Every partition log of a log manager (one node's data folder), no topic configs. */
    static TopicCatalog of(LogManager logs) {
        return of(logs, topic -> Map.of());
    }

    /** Every partition log of a log manager, with the topic configs {@code configs} answers (never null). */
    static TopicCatalog of(LogManager logs, Function<String, Map<String, String>> configs) {
        return new TopicCatalog() {
            @Override
            public Map<String, String> topicConfigs(String topic) {
                return configs.apply(topic);
            }

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
