package io.dlog.log.metadata;

import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * An immutable snapshot of the cluster image: topics and dynamic broker configs. Every broker applies
 * the same sequence of changes, so every broker holds the same image (single node: one store).
 *
 * @param brokerConfigs dynamic broker config overrides (IncrementalAlterConfigs on the broker resource)
 */
public record MetadataImage(long version, Map<String, TopicImage> topics, Map<String, String> brokerConfigs) {
    public static final MetadataImage EMPTY = new MetadataImage(0, Map.of(), Map.of());

    public MetadataImage {
        topics = Map.copyOf(topics);
        brokerConfigs = Map.copyOf(brokerConfigs);
    }

    public Optional<TopicImage> topic(String name) {
        return Optional.ofNullable(topics.get(name));
    }

    public Optional<TopicImage> topic(UUID topicId) {
        return topics.values().stream().filter(t -> t.topicId().equals(topicId)).findFirst();
    }
}
