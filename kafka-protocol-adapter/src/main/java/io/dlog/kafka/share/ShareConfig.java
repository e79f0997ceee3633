package io.dlog.kafka.share;

import io.dlog.kafka.config.BrokerConfig;

/**
 * Share group settings with Kafka's broker key names and defaults (ShareGroupConfig, GroupCoordinatorConfig,
 * ShareCoordinatorConfig). Immutable.
 *
 * @param recordLockDurationMs   group.share.record.lock.duration.ms (30000): how long an acquisition lasts
 * @param deliveryCountLimit     group.share.delivery.count.limit (5): deliveries before a record is archived
 * @param partitionMaxRecordLocks group.share.partition.max.record.locks (2000): in-flight window per share-partition
 * @param sessionTimeoutMs       group.share.session.timeout.ms (45000): a member silent this long leaves
 * @param heartbeatIntervalMs    group.share.heartbeat.interval.ms (5000)
 * @param maxShareSessions       group.share.max.share.sessions (2000)
 * @param statePartitions        share.coordinator.state.topic.num.partitions (Kafka: 50; DLog: 16, as
 *                               offsets.topic.num.partitions and for the same reason)
 * @param stateReplicationFactor share.coordinator.state.topic.replication.factor (3, capped at the live brokers)
 * @param stateMinIsr            share.coordinator.state.topic.min.isr (2, capped at the replication factor): the
 *                               min.insync.replicas __share_group_state is created with
 */
record ShareConfig(int recordLockDurationMs, int deliveryCountLimit, int partitionMaxRecordLocks, int sessionTimeoutMs,
                   int heartbeatIntervalMs, int maxShareSessions, int statePartitions, short stateReplicationFactor,
                   int stateMinIsr) {

    static final String RECORD_LOCK_DURATION_MS = "group.share.record.lock.duration.ms";
    static final String DELIVERY_COUNT_LIMIT = "group.share.delivery.count.limit";
    static final String PARTITION_MAX_RECORD_LOCKS = "group.share.partition.max.record.locks";
    static final String SESSION_TIMEOUT_MS = "group.share.session.timeout.ms";
    static final String HEARTBEAT_INTERVAL_MS = "group.share.heartbeat.interval.ms";
    static final String MAX_SHARE_SESSIONS = "group.share.max.share.sessions";
    static final String STATE_PARTITIONS = "share.coordinator.state.topic.num.partitions";
    static final String STATE_REPLICATION_FACTOR = "share.coordinator.state.topic.replication.factor";
    static final String STATE_MIN_ISR = "share.coordinator.state.topic.min.isr";

    static final ShareConfig DEFAULTS = new ShareConfig(30_000, 5, 2000, 45_000, 5000, 2000, 16, (short) 3, 2);

    static ShareConfig from(BrokerConfig config) {
        ShareConfig d = DEFAULTS;
        return new ShareConfig(intValue(config, RECORD_LOCK_DURATION_MS, d.recordLockDurationMs),
                intValue(config, DELIVERY_COUNT_LIMIT, d.deliveryCountLimit),
                intValue(config, PARTITION_MAX_RECORD_LOCKS, d.partitionMaxRecordLocks),
                intValue(config, SESSION_TIMEOUT_MS, d.sessionTimeoutMs),
                intValue(config, HEARTBEAT_INTERVAL_MS, d.heartbeatIntervalMs),
                intValue(config, MAX_SHARE_SESSIONS, d.maxShareSessions),
                intValue(config, STATE_PARTITIONS, d.statePartitions),
                (short) intValue(config, STATE_REPLICATION_FACTOR, d.stateReplicationFactor),
                intValue(config, STATE_MIN_ISR, d.stateMinIsr));
    }

    private static int intValue(BrokerConfig config, String key, int fallback) {
        Object value = BrokerConfig.names().contains(key) ? config.value(key) : null;
        return value instanceof Number n ? n.intValue() : fallback;
    }
}
