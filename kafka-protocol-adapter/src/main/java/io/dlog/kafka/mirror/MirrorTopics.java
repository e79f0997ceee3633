package io.dlog.kafka.mirror;

import io.dlog.kafka.config.TopicConfigs;
import java.util.Map;
import java.util.Optional;

/** The topic configs that make a topic a mirror, and how to read them. Stateless. */
public final class MirrorTopics {
    /** The source cluster's bootstrap servers; set on a topic, it makes the topic a read-only mirror. */
    public static final String SOURCE_BOOTSTRAP_SERVERS = TopicConfigs.MIRROR_SOURCE_BOOTSTRAP_SERVERS;
    /** The source topic's name when it differs from the mirror's. */
    public static final String SOURCE_TOPIC = TopicConfigs.MIRROR_SOURCE_TOPIC;

    private MirrorTopics() {
    }

    /** The source's bootstrap servers when these topic configs make a mirror. */
    public static Optional<String> sourceBootstrap(Map<String, String> topicConfigs) {
        String servers = topicConfigs.get(SOURCE_BOOTSTRAP_SERVERS);
        return servers == null || servers.isBlank() ? Optional.empty() : Optional.of(servers.trim());
    }

    public static boolean isMirror(Map<String, String> topicConfigs) {
        return sourceBootstrap(topicConfigs).isPresent();
    }

    /** The source topic: {@link #SOURCE_TOPIC} when set, else the mirror's own name. */
    public static String sourceTopic(String mirrorName, Map<String, String> topicConfigs) {
        String name = topicConfigs.get(SOURCE_TOPIC);
        return name == null || name.isBlank() ? mirrorName : name.trim();
    }
}
