package io.dlog.kafka.config;

import java.util.Set;
import org.apache.kafka.common.config.ConfigDef;

/**
 * Kafka's broker quota configs ({@code QuotaConfig.brokerQuotaConfigs}, part of {@code DynamicConfig.Broker}): broker
 * keys that exist only as dynamic configs, per broker or as the cluster default ({@code <default>}), and that
 * {@code kafka-reassign-partitions} sets and clears. They are no {@code server.properties} keys: Kafka ignores them
 * there, and so does DLog ({@link KafkaIgnoredBrokerConfigs}). Unset, a rate is {@link #UNLIMITED}.
 *
 * <p>{@link #ALTER_LOG_DIRS_RATE} is accepted, stored and described as Kafka does, and has no effect: DLog keeps
 * one data folder per broker and has no AlterReplicaLogDirs to throttle. Stateless.
 */
public final class ReplicationThrottleConfigs {
    /** Upper bound (bytes/s) of what this broker sends, as leader, to the replicas in leader.replication.throttled.replicas. */
    public static final String LEADER_RATE = "leader.replication.throttled.rate";
    /** Upper bound (bytes/s) of what this broker fetches, as follower, for follower.replication.throttled.replicas. */
    public static final String FOLLOWER_RATE = "follower.replication.throttled.rate";
    public static final String ALTER_LOG_DIRS_RATE = "replica.alter.log.dirs.io.max.bytes.per.second";
    /** Kafka's QUOTA_BYTES_PER_SECOND_DEFAULT: no throttle. */
    public static final long UNLIMITED = Long.MAX_VALUE;

    private static final ConfigDef DEF = new ConfigDef()
            .define(LEADER_RATE, ConfigDef.Type.LONG, UNLIMITED, ConfigDef.Range.atLeast(0), ConfigDef.Importance.MEDIUM,
                    "A long representing the upper bound (bytes/sec) on replication traffic for leaders enumerated in "
                            + "the property leader.replication.throttled.replicas (for each topic). This property can be "
                            + "only set dynamically. It is suggested that the limit be kept above 1MB/s for accurate behaviour.")
            .define(FOLLOWER_RATE, ConfigDef.Type.LONG, UNLIMITED, ConfigDef.Range.atLeast(0), ConfigDef.Importance.MEDIUM,
                    "A long representing the upper bound (bytes/sec) on replication traffic for followers enumerated in "
                            + "the property follower.replication.throttled.replicas (for each topic). This property can be "
                            + "only set dynamically. It is suggested that the limit be kept above 1MB/s for accurate behaviour.")
            .define(ALTER_LOG_DIRS_RATE, ConfigDef.Type.LONG, UNLIMITED, ConfigDef.Range.atLeast(0), ConfigDef.Importance.MEDIUM,
                    "Accepted for compatibility: DLog keeps one data folder per broker, so no replica moves between "
                            + "log directories (Kafka: the upper bound, bytes/sec, on disk IO of such moves).");

    private ReplicationThrottleConfigs() {
    }

    /** Their definitions: names, LONG type, default {@link #UNLIMITED}, at least 0. */
    public static ConfigDef definition() {
        return DEF;
    }

    public static Set<String> names() {
        return DEF.names();
    }
}
