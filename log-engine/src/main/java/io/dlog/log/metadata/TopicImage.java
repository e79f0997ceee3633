package io.dlog.log.metadata;

import java.util.Map;
import java.util.UUID;

/**
 * A topic as the cluster image knows it. Immutable.
 *
 * @param configs the topic's config overrides only (Kafka names); defaults come from the broker
 */
public record TopicImage(String name, UUID topicId, int partitions, Map<String, String> configs) {
    public TopicImage {
        configs = Map.copyOf(configs);
    }
}
