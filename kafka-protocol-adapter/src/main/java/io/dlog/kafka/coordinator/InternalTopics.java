package io.dlog.kafka.coordinator;

import java.util.Set;

/** Topics the broker keeps for itself (group offsets, transaction state, share-group state): hidden unless asked for. */
public final class InternalTopics {
    public static final String CONSUMER_OFFSETS = "__consumer_offsets";
    public static final String TRANSACTION_STATE = "__transaction_state";
    /** The share coordinator's state (KIP-932). */
    public static final String SHARE_GROUP_STATE = "__share_group_state";
    private static final Set<String> NAMES = Set.of(CONSUMER_OFFSETS, TRANSACTION_STATE, SHARE_GROUP_STATE);

    private InternalTopics() {
    }

    public static boolean isInternal(String topic) {
        return NAMES.contains(topic);
    }

    /**
     * The {@code __transaction_state} partition of a transactional id, Kafka's partitionFor:
     * {@code Utils.abs(id.hashCode()) % partitions}, where Utils.abs is Math.abs with Integer.MIN_VALUE
     * mapped to 0 (not a sign mask: the two differ for every negative hash).
     */
    public static int transactionPartition(String transactionalId, int partitions) {
        int h = transactionalId.hashCode();
        return (h == Integer.MIN_VALUE ? 0 : Math.abs(h)) % partitions;
    }
}
