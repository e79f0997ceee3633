package io.dlog.kafka.handlers;

import java.util.Set;

/** Topics the broker keeps for itself (group offsets): hidden unless asked for. */
public final class InternalTopics {
    public static final String CONSUMER_OFFSETS = "__consumer_offsets";
    private static final Set<String> NAMES = Set.of(CONSUMER_OFFSETS);

    private InternalTopics() {
    }

    public static boolean isInternal(String topic) {
        return NAMES.contains(topic);
    }
}
