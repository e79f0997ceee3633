package io.dlog.kafka.group;

import io.dlog.kafka.config.BrokerConfig;

/**
 * Streams group (KIP-1071) settings, with Kafka's broker key names and defaults. Immutable.
 *
 * @param sessionTimeoutMs    group.streams.session.timeout.ms (45000)
 * @param heartbeatIntervalMs group.streams.heartbeat.interval.ms (5000)
 * @param maxSize             group.streams.max.size (Integer.MAX_VALUE)
 * @param numStandbyReplicas  group.streams.num.standby.replicas (0)
 * @param initialRebalanceDelayMs group.streams.initial.rebalance.delay.ms (3000, Kafka 4.2+): how long the first
 *                            assignment of a group that was empty waits for more members to join
 */
public record StreamsGroupConfig(int sessionTimeoutMs, int heartbeatIntervalMs, int maxSize, int numStandbyReplicas,
                                 int initialRebalanceDelayMs) {
    public static final StreamsGroupConfig DEFAULTS = new StreamsGroupConfig(45_000, 5000, Integer.MAX_VALUE, 0, 3000);
    /** What the heartbeat response tells clients: Kafka Streams' acceptable.recovery.lag default. */
    static final int ACCEPTABLE_RECOVERY_LAG = 10_000;
    /** How often clients report task changelog offsets (Kafka's default interval). */
    static final int TASK_OFFSET_INTERVAL_MS = 60_000;

    public static StreamsGroupConfig from(BrokerConfig config) {
        return new StreamsGroupConfig(intValue(config, "group.streams.session.timeout.ms", DEFAULTS.sessionTimeoutMs),
                intValue(config, "group.streams.heartbeat.interval.ms", DEFAULTS.heartbeatIntervalMs),
                intValue(config, "group.streams.max.size", DEFAULTS.maxSize),
                intValue(config, "group.streams.num.standby.replicas", DEFAULTS.numStandbyReplicas),
                intValue(config, "group.streams.initial.rebalance.delay.ms", DEFAULTS.initialRebalanceDelayMs));
    }

    private static int intValue(BrokerConfig config, String key, int fallback) {
        Object value = BrokerConfig.names().contains(key) ? config.value(key) : null;
        return value instanceof Number n ? n.intValue() : fallback;
    }
}
