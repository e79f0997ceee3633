package io.dlog.kafka.config;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.InvalidRequestException;

/**
 * Group configs (Kafka's GROUP config resource, {@code kafka-configs --entity-type groups}): the keys of Kafka
 * 4.3's {@code GroupConfig} that DLog's coordinators honour, with Kafka's types, defaults, lower bounds and
 * checks against the broker's {@code group.*.min/max.*} bounds, and the broker key each falls back to. A group
 * key of Kafka's that DLog does not honour (the assignment intervals, assignor offloading, renew-acknowledge
 * switch) is refused with INVALID_CONFIG rather than stored to no effect.
 * Stateless.
 */
public final class GroupConfigs {
    public static final String CONSUMER_SESSION_TIMEOUT_MS = "consumer.session.timeout.ms";
    public static final String CONSUMER_HEARTBEAT_INTERVAL_MS = "consumer.heartbeat.interval.ms";
    public static final String SHARE_SESSION_TIMEOUT_MS = "share.session.timeout.ms";
    public static final String SHARE_HEARTBEAT_INTERVAL_MS = "share.heartbeat.interval.ms";
    public static final String SHARE_RECORD_LOCK_DURATION_MS = "share.record.lock.duration.ms";
    public static final String SHARE_DELIVERY_COUNT_LIMIT = "share.delivery.count.limit";
    public static final String SHARE_PARTITION_MAX_RECORD_LOCKS = "share.partition.max.record.locks";
    public static final String SHARE_AUTO_OFFSET_RESET = "share.auto.offset.reset";
    public static final String SHARE_ISOLATION_LEVEL = "share.isolation.level";
    public static final String STREAMS_SESSION_TIMEOUT_MS = "streams.session.timeout.ms";
    public static final String STREAMS_HEARTBEAT_INTERVAL_MS = "streams.heartbeat.interval.ms";
    public static final String STREAMS_NUM_STANDBY_REPLICAS = "streams.num.standby.replicas";
    public static final String STREAMS_INITIAL_REBALANCE_DELAY_MS = "streams.initial.rebalance.delay.ms";

    /** Kafka 4.3 group keys DLog refuses: it has no such behaviour to configure. */
    private static final Set<String> NOT_SUPPORTED = Set.of("consumer.assignment.interval.ms",
            "consumer.assignor.offload.enable", "share.renew.acknowledge.enable", "share.assignment.interval.ms",
            "share.assignor.offload.enable", "streams.assignment.interval.ms",
            "streams.assignor.offload.enable");

    /** A group key: its broker fallback key (null: none) and the broker keys bounding it (null: unbounded). */
    private record Key(String brokerKey, String minKey, String maxKey) {
    }

    private static final Map<String, Key> KEYS = new LinkedHashMap<>();
    private static final ConfigDef DEF = new ConfigDef();

    static {
        intKey(CONSUMER_SESSION_TIMEOUT_MS, 45_000, 1, "group.consumer", "session.timeout.ms",
                "The timeout to detect client failures when using the consumer group protocol.");
        intKey(CONSUMER_HEARTBEAT_INTERVAL_MS, 5000, 1, "group.consumer", "heartbeat.interval.ms",
                "The heartbeat interval given to the members of a consumer group.");
        intKey(SHARE_SESSION_TIMEOUT_MS, 45_000, 1, "group.share", "session.timeout.ms",
                "The timeout to detect client failures when using the share group protocol.");
        intKey(SHARE_HEARTBEAT_INTERVAL_MS, 5000, 1, "group.share", "heartbeat.interval.ms",
                "The heartbeat interval given to the members of a share group.");
        intKey(SHARE_RECORD_LOCK_DURATION_MS, 30_000, 1000, "group.share", "record.lock.duration.ms",
                "The record acquisition lock duration in milliseconds for share groups.");
        intKey(SHARE_DELIVERY_COUNT_LIMIT, 5, 2, "group.share", "delivery.count.limit",
                "The maximum number of delivery attempts for a record delivered to a share group.");
        intKey(SHARE_PARTITION_MAX_RECORD_LOCKS, 2000, 100, "group.share", "partition.max.record.locks",
                "Share-group record lock limit per share-partition.");
        DEF.define(SHARE_AUTO_OFFSET_RESET, ConfigDef.Type.STRING, "latest", GroupConfigs::validateAutoOffsetReset,
                ConfigDef.Importance.MEDIUM, "The strategy to initialize the share-partition start offset: earliest,"
                        + " latest, or by_duration:<ISO-8601 duration> (a non-negative duration back from now).");
        KEYS.put(SHARE_AUTO_OFFSET_RESET, new Key(null, null, null));
        DEF.define(SHARE_ISOLATION_LEVEL, ConfigDef.Type.STRING, "read_uncommitted",
                ConfigDef.ValidString.in("read_committed", "read_uncommitted"), ConfigDef.Importance.MEDIUM,
                "Controls how to read records written transactionally: read_committed delivers only committed"
                        + " transactional records; read_uncommitted all records, aborted ones included.");
        KEYS.put(SHARE_ISOLATION_LEVEL, new Key(null, null, null));
        intKey(STREAMS_SESSION_TIMEOUT_MS, 45_000, 1, "group.streams", "session.timeout.ms",
                "The timeout to detect client failures when using the streams group protocol.");
        intKey(STREAMS_HEARTBEAT_INTERVAL_MS, 5000, 1, "group.streams", "heartbeat.interval.ms",
                "The heartbeat interval given to the members.");
        DEF.define(STREAMS_NUM_STANDBY_REPLICAS, ConfigDef.Type.INT, 0, ConfigDef.Range.atLeast(0),
                ConfigDef.Importance.MEDIUM, "The number of standby replicas for each task.");
        KEYS.put(STREAMS_NUM_STANDBY_REPLICAS, new Key("group.streams.num.standby.replicas", null,
                "group.streams.max.standby.replicas"));
        // Kafka's key has no min/max broker bounds: any delay from 0 up.
        DEF.define(STREAMS_INITIAL_REBALANCE_DELAY_MS, ConfigDef.Type.INT, 3000, ConfigDef.Range.atLeast(0),
                ConfigDef.Importance.MEDIUM, "The amount of time the group coordinator will wait for more streams clients"
                        + " to join a new group before performing the first rebalance. A longer delay means potentially"
                        + " fewer rebalances.");
        KEYS.put(STREAMS_INITIAL_REBALANCE_DELAY_MS, new Key("group.streams.initial.rebalance.delay.ms", null, null));
    }

    private GroupConfigs() {
    }

    private static void intKey(String name, int defaultValue, int atLeast, String brokerPrefix, String suffix, String doc) {
        DEF.define(name, ConfigDef.Type.INT, defaultValue, ConfigDef.Range.atLeast(atLeast), ConfigDef.Importance.MEDIUM, doc);
        KEYS.put(name, new Key(brokerPrefix + "." + suffix, brokerPrefix + ".min." + suffix, brokerPrefix + ".max." + suffix));
    }

    private static void validateAutoOffsetReset(String name, Object value) {
        String reset = value == null ? "" : ((String) value).trim().toLowerCase(Locale.ROOT);
        if (reset.equals("earliest") || reset.equals("latest")) {
            return;
        }
        if (reset.startsWith("by_duration:")) {
            try {
                Duration duration = Duration.parse(((String) value).trim().substring("by_duration:".length()));
                if (!duration.isNegative()) {
                    return;
                }
                throw new ConfigException(name, value, "Negative duration is not allowed.");
            } catch (DateTimeParseException e) {
                throw new ConfigException(name, value, "Unable to parse the specified duration.");
            }
        }
        throw new ConfigException(name, value, "Invalid value for " + name + ": expected earliest, latest or"
                + " by_duration:<ISO-8601 duration>.");
    }

    /** The group keys DLog honours, in Kafka's order. */
    public static Set<String> names() {
        return KEYS.keySet();
    }

    public static ConfigDef definition() {
        return DEF;
    }

    /** The broker key a group key falls back to (group.consumer.session.timeout.ms ...), if it has one. */
    public static Optional<String> brokerKey(String name) {
        Key key = KEYS.get(name);
        return key == null ? Optional.empty() : Optional.ofNullable(key.brokerKey());
    }

    /** The INVALID_CONFIG message for a key the GROUP resource does not take. */
    public static String unknownKeyMessage(String name) {
        return NOT_SUPPORTED.contains(name) ? "DLog does not support the group config " + name + " (it has no such"
                + " behaviour to configure)." : "Unknown group config name: " + name;
    }

    /**
     * Checks a group's complete new overrides as Kafka's controller does: known keys, no null value, each value
     * of its type and within the key's own bound, then the interval and timeout values (unset ones at Kafka's
     * defaults) within the broker's {@code min}/{@code max} bounds, and each session timeout above its heartbeat
     * interval.
     *
     * @throws InvalidRequestException for the empty (default) group name
     * @throws InvalidConfigurationException for anything else refused
     */
    public static void validate(String groupId, Map<String, String> overrides, BrokerConfig broker) {
        if (groupId == null || groupId.isEmpty()) {
            throw new InvalidRequestException("Default group resources are not allowed.");
        }
        List<String> nulls = new ArrayList<>();
        for (Map.Entry<String, String> entry : overrides.entrySet()) {
            if (!KEYS.containsKey(entry.getKey())) {
                throw new InvalidConfigurationException(unknownKeyMessage(entry.getKey()));
            }
            if (entry.getValue() == null) {
                nulls.add(entry.getKey());
            }
        }
        if (!nulls.isEmpty()) {
            throw new InvalidConfigurationException("Null value not supported for group configs: " + String.join(",", nulls));
        }
        Map<String, Object> values;
        try {
            values = DEF.parse(overrides);
        } catch (ConfigException e) {
            throw new InvalidConfigurationException(e.getMessage());
        }
        for (Map.Entry<String, Key> entry : KEYS.entrySet()) {
            Key key = entry.getValue();
            Object value = values.get(entry.getKey());
            if (!(value instanceof Integer v)) {
                continue;
            }
            if (key.minKey() != null && broker.value(key.minKey()) instanceof Integer min && v < min) {
                throw new InvalidConfigurationException(entry.getKey() + " must be greater than or equal to " + key.minKey());
            }
            if (key.maxKey() != null && broker.value(key.maxKey()) instanceof Integer max && v > max) {
                throw new InvalidConfigurationException(entry.getKey() + " must be less than or equal to " + key.maxKey());
            }
        }
        requireAbove(values, CONSUMER_SESSION_TIMEOUT_MS, CONSUMER_HEARTBEAT_INTERVAL_MS);
        requireAbove(values, SHARE_SESSION_TIMEOUT_MS, SHARE_HEARTBEAT_INTERVAL_MS);
        requireAbove(values, STREAMS_SESSION_TIMEOUT_MS, STREAMS_HEARTBEAT_INTERVAL_MS);
    }

    private static void requireAbove(Map<String, Object> values, String timeout, String interval) {
        if ((Integer) values.get(timeout) <= (Integer) values.get(interval)) {
            throw new InvalidConfigurationException(timeout + " must be greater than " + interval);
        }
    }

    /**
     * A group's value of an int key: its override, else {@code fallback} (the coordinator's broker-level
     * setting). An override is validated before it is stored; one that does not parse is ignored.
     */
    public static int intValue(Map<String, String> overrides, String name, int fallback) {
        String value = overrides.get(name);
        if (value == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    /** A group's value of a string key: its override (trimmed, lower case), else Kafka's default. */
    public static String stringValue(Map<String, String> overrides, String name) {
        String value = overrides.get(name);
        if (value == null) {
            Object fallback = DEF.configKeys().get(name).defaultValue;
            return (String) fallback;
        }
        String trimmed = value.trim();
        // by_duration's ISO-8601 part is case-insensitive for Duration.parse; the keyword is matched lower case.
        return trimmed.toLowerCase(Locale.ROOT);
    }

    /**
     * The value a group has for {@code name} when it does not override it: the broker key's value (its static
     * or dynamic setting, else default), else the key's own default.
     */
    public static String inheritedValue(String name, BrokerConfig broker) {
        ConfigDef.ConfigKey key = DEF.configKeys().get(name);
        Optional<String> brokerKey = brokerKey(name);
        if (brokerKey.isPresent() && broker.value(brokerKey.get()) != null) {
            return ConfigDef.convertToString(broker.value(brokerKey.get()), key.type);
        }
        return key == null ? null : ConfigDef.convertToString(key.defaultValue, key.type);
    }
}
