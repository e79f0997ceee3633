package io.dlog.kafka.group;

import io.dlog.kafka.config.BrokerConfig;

/**
 * Group coordinator settings, with Kafka's broker key names and defaults. Immutable.
 *
 * <p>{@code offsets.topic.num.partitions}: Kafka defaults to 50 to spread coordinators over many
 * brokers. DLog defaults to 16: every partition is a set of open segment and index files on each
 * replica, a single node gains nothing from 50, and 16 still leaves room to spread groups once
 * placement goes over several nodes. The count is fixed when the topic is created (a group's
 * partition is {@code abs(groupId.hashCode()) % partitions}); an existing topic's count always wins.
 *
 * @param initialRebalanceDelayMs     group.initial.rebalance.delay.ms (Kafka: 3000)
 * @param minSessionTimeoutMs         group.min.session.timeout.ms (6000)
 * @param maxSessionTimeoutMs         group.max.session.timeout.ms (1800000)
 * @param maxGroupSize                group.max.size (Integer.MAX_VALUE)
 * @param offsetsRetentionMs          offsets.retention.minutes (10080), in ms
 * @param offsetsRetentionCheckMs     offsets.retention.check.interval.ms (600000)
 * @param offsetMetadataMaxBytes      offset.metadata.max.bytes (4096)
 * @param offsetsTopicPartitions      offsets.topic.num.partitions (DLog: 16, see above)
 * @param consumerSessionTimeoutMs    group.consumer.session.timeout.ms (45000), KIP-848 groups
 * @param consumerHeartbeatIntervalMs group.consumer.heartbeat.interval.ms (5000), KIP-848 groups
 * @param consumerMaxSize             group.consumer.max.size (Integer.MAX_VALUE)
 * @param migrationPolicy             group.consumer.migration.policy (bidirectional): whether a classic group converts
 *                                    to a consumer group online when a KIP-848 member joins it, and back when its last
 *                                    KIP-848 member leaves (KIP-848 online migration)
 */
public record GroupConfig(long initialRebalanceDelayMs, int minSessionTimeoutMs, int maxSessionTimeoutMs,
                          int maxGroupSize, long offsetsRetentionMs, long offsetsRetentionCheckMs,
                          int offsetMetadataMaxBytes, int offsetsTopicPartitions, int consumerSessionTimeoutMs,
                          int consumerHeartbeatIntervalMs, int consumerMaxSize, MigrationPolicy migrationPolicy) {

    /**
     * Kafka's ConsumerGroupMigrationPolicy: which online conversions between the classic and the consumer protocol
     * are allowed. DISABLED also refuses classic members in a consumer group (Kafka's
     * throwIfClassicMemberCannotJoinConsumerGroup); UPGRADE and DOWNGRADE still let them join.
     */
    public enum MigrationPolicy {
        DISABLED, UPGRADE, DOWNGRADE, BIDIRECTIONAL;

        boolean upgradeEnabled() {
            return this == UPGRADE || this == BIDIRECTIONAL;
        }

        boolean downgradeEnabled() {
            return this == DOWNGRADE || this == BIDIRECTIONAL;
        }

        /** Parses a config value, case-insensitively as Kafka's validator accepts it. */
        public static MigrationPolicy parse(String value) {
            return valueOf(value.trim().toUpperCase(java.util.Locale.ROOT));
        }
    }

    public static final String INITIAL_REBALANCE_DELAY_MS = "group.initial.rebalance.delay.ms";
    public static final String MIN_SESSION_TIMEOUT_MS = "group.min.session.timeout.ms";
    public static final String MAX_SESSION_TIMEOUT_MS = "group.max.session.timeout.ms";
    public static final String MAX_SIZE = "group.max.size";
    public static final String OFFSETS_RETENTION_MINUTES = "offsets.retention.minutes";
    public static final String OFFSETS_RETENTION_CHECK_INTERVAL_MS = "offsets.retention.check.interval.ms";
    public static final String OFFSET_METADATA_MAX_BYTES = "offset.metadata.max.bytes";
    public static final String OFFSETS_TOPIC_NUM_PARTITIONS = "offsets.topic.num.partitions";
    public static final String CONSUMER_SESSION_TIMEOUT_MS = "group.consumer.session.timeout.ms";
    public static final String CONSUMER_HEARTBEAT_INTERVAL_MS = "group.consumer.heartbeat.interval.ms";
    public static final String CONSUMER_MAX_SIZE = "group.consumer.max.size";
    public static final String CONSUMER_MIGRATION_POLICY = "group.consumer.migration.policy";

    public static final GroupConfig DEFAULTS = new GroupConfig(3000, 6000, 1_800_000, Integer.MAX_VALUE,
            10080L * 60_000L, 600_000L, 4096, 16, 45_000, 5000, Integer.MAX_VALUE, MigrationPolicy.BIDIRECTIONAL);

    /**
     * Reads the group keys the broker config defines, Kafka's defaults for the others. Not all of them
     * are broker configs yet; each is picked up as soon as {@link BrokerConfig} defines it.
     */
    public static GroupConfig from(BrokerConfig config) {
        GroupConfig d = DEFAULTS;
        return new GroupConfig(
                longValue(config, INITIAL_REBALANCE_DELAY_MS, d.initialRebalanceDelayMs),
                (int) longValue(config, MIN_SESSION_TIMEOUT_MS, d.minSessionTimeoutMs),
                (int) longValue(config, MAX_SESSION_TIMEOUT_MS, d.maxSessionTimeoutMs),
                (int) longValue(config, MAX_SIZE, d.maxGroupSize),
                longValue(config, OFFSETS_RETENTION_MINUTES, d.offsetsRetentionMs / 60_000L) * 60_000L,
                longValue(config, OFFSETS_RETENTION_CHECK_INTERVAL_MS, d.offsetsRetentionCheckMs),
                (int) longValue(config, OFFSET_METADATA_MAX_BYTES, d.offsetMetadataMaxBytes),
                (int) longValue(config, OFFSETS_TOPIC_NUM_PARTITIONS, d.offsetsTopicPartitions),
                (int) longValue(config, CONSUMER_SESSION_TIMEOUT_MS, d.consumerSessionTimeoutMs),
                (int) longValue(config, CONSUMER_HEARTBEAT_INTERVAL_MS, d.consumerHeartbeatIntervalMs),
                (int) longValue(config, CONSUMER_MAX_SIZE, d.consumerMaxSize),
                BrokerConfig.names().contains(CONSUMER_MIGRATION_POLICY)
                        && config.value(CONSUMER_MIGRATION_POLICY) instanceof String policy
                        ? MigrationPolicy.parse(policy) : d.migrationPolicy);
    }

    public GroupConfig withInitialRebalanceDelayMs(long delayMs) {
        return new GroupConfig(delayMs, minSessionTimeoutMs, maxSessionTimeoutMs, maxGroupSize, offsetsRetentionMs,
                offsetsRetentionCheckMs, offsetMetadataMaxBytes, offsetsTopicPartitions, consumerSessionTimeoutMs,
                consumerHeartbeatIntervalMs, consumerMaxSize, migrationPolicy);
    }

    public GroupConfig withMigrationPolicy(MigrationPolicy policy) {
        return new GroupConfig(initialRebalanceDelayMs, minSessionTimeoutMs, maxSessionTimeoutMs, maxGroupSize,
                offsetsRetentionMs, offsetsRetentionCheckMs, offsetMetadataMaxBytes, offsetsTopicPartitions,
                consumerSessionTimeoutMs, consumerHeartbeatIntervalMs, consumerMaxSize, policy);
    }

    public GroupConfig withOffsetsRetentionMs(long retentionMs) {
        return new GroupConfig(initialRebalanceDelayMs, minSessionTimeoutMs, maxSessionTimeoutMs, maxGroupSize,
                retentionMs, offsetsRetentionCheckMs, offsetMetadataMaxBytes, offsetsTopicPartitions,
                consumerSessionTimeoutMs, consumerHeartbeatIntervalMs, consumerMaxSize, migrationPolicy);
    }

    private static long longValue(BrokerConfig config, String key, long fallback) {
        Object value = BrokerConfig.names().contains(key) ? config.value(key) : null;
        return value instanceof Number n ? n.longValue() : fallback;
    }
}
