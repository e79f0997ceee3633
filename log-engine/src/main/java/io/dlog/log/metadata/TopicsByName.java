package io.dlog.log.metadata;

import java.util.AbstractMap;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * The image's topics by name, with an index by topic id: fetches (v13+) and many admin requests name topics by
 * id, once per partition, and a scan of every topic per lookup made a fetch cost partitions times topics.
 * Immutable; a map like any other to callers ({@code equals} and {@code hashCode} are {@link AbstractMap}'s).
 */
final class TopicsByName extends AbstractMap<String, TopicImage> {
    private final Map<String, TopicImage> byName;
    private final Map<UUID, TopicImage> byId;

    private TopicsByName(Map<String, TopicImage> topics) {
        this.byName = Map.copyOf(topics);
        // A HashMap, not Map.copyOf: a lookup of a null id answers null instead of throwing.
        this.byId = new HashMap<>(byName.size() * 2);
        for (TopicImage topic : byName.values()) {
            if (topic.topicId() != null) {
                byId.put(topic.topicId(), topic);
            }
        }
    }

    /** {@code topics} itself when it is one already (images share their topics when only another part changed). */
    static TopicsByName of(Map<String, TopicImage> topics) {
        return topics instanceof TopicsByName indexed ? indexed : new TopicsByName(topics);
    }

    /** The topic with this id, or null. */
    TopicImage byId(UUID topicId) {
        return byId.get(topicId);
    }

    @Override
    public TopicImage get(Object name) {
        return name == null ? null : byName.get(name);
    }

    @Override
    public boolean containsKey(Object name) {
        return name != null && byName.containsKey(name);
    }

    @Override
    public int size() {
        return byName.size();
    }

    @Override
    public Set<Entry<String, TopicImage>> entrySet() {
        return byName.entrySet();
    }
}
