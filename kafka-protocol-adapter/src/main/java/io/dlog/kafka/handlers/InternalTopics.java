package io.dlog.kafka.handlers;

import java.util.Set;

/** Topics the broker keeps for itself (group offsets, transaction state): hidden unless asked for. */
public final class InternalTopics {
    public static final String CONSUMER_OFFSETS = "__consumer_offsets";
    public static final String TRANSACTION_STATE = "__transaction_state";
    private static final Set<String> NAMES = Set.of(CONSUMER_OFFSETS, TRANSACTION_STATE);

    private InternalTopics() {
    }

    public static boolean isInternal(String topic) {
        return NAMES.contains(topic);
    }
}
