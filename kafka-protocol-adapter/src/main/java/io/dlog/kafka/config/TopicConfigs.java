package io.dlog.kafka.config;

import io.dlog.log.FlushMode;
import io.dlog.log.LogConfig;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;

/**
 * Topic configs DLog honours, with Kafka 4.x's names, types, defaults and broker-level synonyms, and
 * how a topic's effective {@link LogConfig} is resolved: topic override, else the first broker synonym
 * set (dynamic before static), else the default.
 */
public final class TopicConfigs {

    /** One topic config and the broker keys that set its default, most specific first. */
    public record Definition(String name, Type type, Object defaultValue, ConfigDef.Validator validator,
                             List<String> brokerSynonyms, String doc) {
    }

    public static final String CLEANUP_POLICY = "cleanup.policy";
    public static final String COMPRESSION_TYPE = "compression.type";
    public static final String FLUSH_MODE = "dlog.flush.mode";
    public static final String MIRROR_SOURCE_BOOTSTRAP_SERVERS = "dlog.mirror.source.bootstrap.servers";
    public static final String MIRROR_SOURCE_TOPIC = "dlog.mirror.source.topic";
    /** The Avro schema (JSON text) the topic's values are read as by Flight and SQL (docs/analytics.md). */
    public static final String VALUE_SCHEMA = "dlog.value.schema";
    /** Whether Flight and SQL keep columnar copies of the topic's sealed segments (docs/analytics.md). */
    public static final String COLUMNAR_COPIES = "dlog.columnar.copies";

    public static final String MAX_DECOMPRESSED_MESSAGE_BYTES = "max.decompressed.message.bytes";
    /** max.decompressed.message.bytes' default and largest value, Kafka's: no limit beyond what a JVM can allocate. */
    public static final int NO_DECOMPRESSED_LIMIT = Integer.MAX_VALUE - 8;

    private static final long WEEK_MS = 7L * 24 * 60 * 60 * 1000;
    /** Kafka's ThrottledReplicaListValidator: "*" or "partition:broker" pairs. */
    private static final ConfigDef.Validator THROTTLED_REPLICAS = ConfigDef.LambdaValidator.with(
            (name, value) -> ThrottledReplicas.validate(name, (List<?>) value), () -> ThrottledReplicas.FORMAT);
    /** dlog.value.schema: empty, or an Avro schema that parses (names, defaults and all). */
    private static final ConfigDef.Validator AVRO_SCHEMA = ConfigDef.LambdaValidator.with((name, value) -> {
        String text = (String) value;
        if (text == null || text.isBlank()) {
            return;
        }
        try {
            new org.apache.avro.Schema.Parser().parse(text);
        } catch (RuntimeException e) {
            // ConfigException(name, value, ...) would quote the whole schema: say only why, in one line.
            throw new ConfigException("Invalid value for configuration " + name + ": not an Avro schema: "
                    + String.valueOf(e.getMessage()).replaceAll("\\s+", " ").trim());
        }
    }, () -> "an Avro schema (JSON), or empty");
    private static final Map<String, Definition> DEFINITIONS = new LinkedHashMap<>();

    static {
        define(CLEANUP_POLICY, Type.LIST, "delete", ConfigDef.ValidList.in("compact", "delete"),
                List.of("log.cleanup.policy"), "delete and/or compact.");
        define(COMPRESSION_TYPE, Type.STRING, "producer",
                ConfigDef.ValidString.in("uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"),
                List.of("compression.type"), "Codec of stored batches; producer keeps what the producer sent.");
        // Kafka's GzipCompression validator: -1 (Deflater default) or 1..9; 0 is refused.
        define("compression.gzip.level", Type.INT, -1, ConfigDef.LambdaValidator.with((name, value) -> {
            int level = ((Number) value).intValue();
            if (level != -1 && (level < 1 || level > 9)) {
                throw new ConfigException(name, value, "must be -1 or in [1, 9]");
            }
        }, () -> "[1,...,9] or -1"),
                List.of("compression.gzip.level"), "gzip level when the broker compresses.");
        define("compression.lz4.level", Type.INT, 9, ConfigDef.Range.between(1, 17),
                List.of("compression.lz4.level"), "lz4 level when the broker compresses.");
        define("compression.zstd.level", Type.INT, 3, ConfigDef.Range.between(-131072, 22),
                List.of("compression.zstd.level"), "zstd level when the broker compresses.");
        define("delete.retention.ms", Type.LONG, 86_400_000L, ConfigDef.Range.atLeast(0),
                List.of("log.cleaner.delete.retention.ms"), "How long tombstones stay on compacted topics.");
        define("file.delete.delay.ms", Type.LONG, 60_000L, ConfigDef.Range.atLeast(0),
                List.of("log.segment.delete.delay.ms"), "How long a deleted segment's file stays readable.");
        define("flush.messages", Type.LONG, Long.MAX_VALUE, ConfigDef.Range.atLeast(1),
                List.of("log.flush.interval.messages"), "1 means fsync before acknowledging (as dlog.flush.mode=fsync).");
        define("flush.ms", Type.LONG, Long.MAX_VALUE, ConfigDef.Range.atLeast(0),
                List.of("log.flush.interval.ms"), "Accepted for compatibility; dlog.flush.mode governs fsync.");
        define("index.interval.bytes", Type.INT, 4096, ConfigDef.Range.atLeast(0),
                List.of("log.index.interval.bytes"), "Bytes between two offset index entries.");
        define("max.compaction.lag.ms", Type.LONG, Long.MAX_VALUE, ConfigDef.Range.atLeast(1),
                List.of("log.cleaner.max.compaction.lag.ms"), "Longest a record stays uncompacted.");
        define("max.message.bytes", Type.INT, 1024 * 1024 + 12, ConfigDef.Range.atLeast(0),
                List.of("message.max.bytes"), "Largest record batch accepted.");
        // Kafka 4.4: a bound on each record of a compressed batch once decompressed (RecordsValidator)
        define(MAX_DECOMPRESSED_MESSAGE_BYTES, Type.INT, NO_DECOMPRESSED_LIMIT,
                ConfigDef.Range.between(1, NO_DECOMPRESSED_LIMIT), List.of(MAX_DECOMPRESSED_MESSAGE_BYTES),
                "Largest record, decompressed, that a produced compressed batch may hold (the default: no limit).");
        define("message.timestamp.after.max.ms", Type.LONG, 3_600_000L, ConfigDef.Range.atLeast(0),
                List.of("log.message.timestamp.after.max.ms"), "How far ahead of the broker a CreateTime may be.");
        define("message.timestamp.before.max.ms", Type.LONG, Long.MAX_VALUE, ConfigDef.Range.atLeast(0),
                List.of("log.message.timestamp.before.max.ms"), "How far behind the broker a CreateTime may be.");
        define("message.timestamp.type", Type.STRING, "CreateTime",
                ConfigDef.ValidString.in("CreateTime", "LogAppendTime"),
                List.of("log.message.timestamp.type"), "CreateTime or LogAppendTime.");
        define("min.cleanable.dirty.ratio", Type.DOUBLE, 0.5, ConfigDef.Range.between(0, 1),
                List.of("log.cleaner.min.cleanable.ratio"), "Dirty ratio that triggers compaction.");
        define("min.compaction.lag.ms", Type.LONG, 0L, ConfigDef.Range.atLeast(0),
                List.of("log.cleaner.min.compaction.lag.ms"), "Shortest a record stays uncompacted.");
        define("min.insync.replicas", Type.INT, 1, ConfigDef.Range.atLeast(1),
                List.of("min.insync.replicas"), "Replicas that must have a batch before acks=all succeeds.");
        define("preallocate", Type.BOOLEAN, false, null,
                List.of("log.preallocate"), "Accepted for compatibility; segment files are not sized ahead (disk blocks past an active segment's end are allocated regardless).");
        define("retention.bytes", Type.LONG, -1L, null,
                List.of("log.retention.bytes"), "Largest a partition may grow before old segments go (-1: no limit).");
        define("retention.ms", Type.LONG, WEEK_MS, ConfigDef.Range.atLeast(-1),
                List.of("log.retention.ms", "log.retention.minutes", "log.retention.hours"),
                "How long records are kept (-1: forever).");
        define("segment.bytes", Type.INT, 1024 * 1024 * 1024, ConfigDef.Range.atLeast(1024 * 1024),
                List.of("log.segment.bytes"), "Size at which a segment rolls.");
        define("segment.index.bytes", Type.INT, 10 * 1024 * 1024, ConfigDef.Range.atLeast(4),
                List.of("log.index.size.max.bytes"), "Largest index file.");
        define("segment.jitter.ms", Type.LONG, 0L, ConfigDef.Range.atLeast(0),
                List.of("log.roll.jitter.ms", "log.roll.jitter.hours"), "Accepted for compatibility.");
        define("segment.ms", Type.LONG, WEEK_MS, ConfigDef.Range.atLeast(1),
                List.of("log.roll.ms", "log.roll.hours"), "Age at which a segment rolls.");
        define("unclean.leader.election.enable", Type.BOOLEAN, false, null,
                List.of("unclean.leader.election.enable"), "Let a partition whose in-sync replicas are all gone elect any live replica (may lose committed data).");
        // Tiered storage: accepted so Kafka tooling can set their defaults, but DLog keeps every segment local.
        define("local.retention.bytes", Type.LONG, -2L, ConfigDef.Range.atLeast(-2),
                List.of("log.local.retention.bytes"), "Accepted for compatibility; no tiered storage (-2: retention.bytes).");
        define("local.retention.ms", Type.LONG, -2L, ConfigDef.Range.atLeast(-2),
                List.of("log.local.retention.ms"), "Accepted for compatibility; no tiered storage (-2: retention.ms).");
        define("remote.storage.enable", Type.BOOLEAN, false, ConfigDef.LambdaValidator.with((name, value) -> {
            if (Boolean.TRUE.equals(value)) {
                throw new ConfigException(name, value, "Tiered Storage functionality is disabled in the broker. "
                        + "Topic cannot be configured with remote log storage.");
            }
        }, () -> "false"), List.of(), "Only false: DLog has no tiered storage.");
        define("remote.log.copy.disable", Type.BOOLEAN, false, null, List.of(),
                "Accepted for compatibility; no tiered storage.");
        define("remote.log.delete.on.disable", Type.BOOLEAN, false, null, List.of(),
                "Accepted for compatibility; no tiered storage.");
        define("remote.copy.lag.bytes", Type.LONG, -1L, ConfigDef.Range.atLeast(-1),
                List.of("log.remote.copy.lag.bytes"), "Accepted for compatibility (Kafka 4.4); no tiered storage.");
        define("remote.copy.lag.ms", Type.LONG, 0L, ConfigDef.Range.atLeast(-1),
                List.of("log.remote.copy.lag.ms"), "Accepted for compatibility (Kafka 4.4); no tiered storage.");
        // Kafka 4.4 (KIP-1191): lets share groups use the topic as their dead-letter queue. DLog's share groups
        // write no dead-letter queue, so the flag allows what never happens.
        define("errors.deadletterqueue.group.enable", Type.BOOLEAN, false, null, List.of(),
                "Accepted for compatibility (Kafka 4.4); DLog's share groups write no dead-letter queue.");
        // Replication throttles (ThrottledReplicas): which replicas the brokers' *.replication.throttled.rate bound.
        define(ThrottledReplicas.LEADER_KEY, Type.LIST, "", THROTTLED_REPLICAS, List.of(),
                "A list of replicas for which log replication should be throttled on the leader side, as "
                        + "[PartitionId]:[BrokerId],[PartitionId]:[BrokerId],... or the wildcard '*' for every replica.");
        define(ThrottledReplicas.FOLLOWER_KEY, Type.LIST, "", THROTTLED_REPLICAS, List.of(),
                "A list of replicas for which log replication should be throttled on the follower side, as "
                        + "[PartitionId]:[BrokerId],[PartitionId]:[BrokerId],... or the wildcard '*' for every replica.");
        define(FLUSH_MODE, Type.STRING, "os", ConfigDef.ValidString.in("os", "fsync"),
                List.of(FLUSH_MODE), "DLog: os acknowledges after the page cache write; fsync after a group-committed fsync.");
        // Migration mirrors (io.dlog.kafka.mirror): set by dlog-migrate run, removed by dlog-migrate cutover.
        define(MIRROR_SOURCE_BOOTSTRAP_SERVERS, Type.STRING, "", null, List.of(),
                "DLog: the source cluster this topic is a read-only mirror of (empty: an ordinary topic).");
        define(MIRROR_SOURCE_TOPIC, Type.STRING, "", null, List.of(),
                "DLog: the mirrored source topic when its name differs (empty: the same name).");
        define(COLUMNAR_COPIES, Type.BOOLEAN, true, null, List.of(COLUMNAR_COPIES),
                "DLog: whether Flight and SQL keep columnar copies of the topic's sealed segments (false: always decode; copies deleted).");
        define(VALUE_SCHEMA, Type.STRING, "", AVRO_SCHEMA, List.of(),
                "DLog: the Avro schema (JSON) the topic's values are read with over Flight and SQL (empty: none).");
    }

    private TopicConfigs() {
    }

    private static void define(String name, Type type, Object defaultValue, ConfigDef.Validator validator,
                               List<String> brokerSynonyms, String doc) {
        // Defaults are kept parsed (a LIST default as a List), as ConfigDef.convertToString expects.
        Object parsedDefault = defaultValue instanceof String text ? ConfigDef.parseType(name, text, type) : defaultValue;
        DEFINITIONS.put(name, new Definition(name, type, parsedDefault, validator, brokerSynonyms, doc));
    }

    public static Map<String, Definition> definitions() {
        return Collections.unmodifiableMap(DEFINITIONS);
    }

    /**
     * Validates topic overrides (CreateTopics, AlterConfigs).
     *
     * @return a one-line message for INVALID_CONFIG, or empty when all are valid
     */
    public static Optional<String> validate(Map<String, String> overrides) {
        for (Map.Entry<String, String> entry : overrides.entrySet()) {
            Definition definition = DEFINITIONS.get(entry.getKey());
            if (definition == null) {
                return Optional.of("Unknown topic config name: " + entry.getKey());
            }
            try {
                parseValue(definition, entry.getValue());
            } catch (ConfigException e) {
                return Optional.of(e.getMessage());
            }
        }
        return Optional.empty();
    }

    /**
     * Validates topic overrides, and then the checks that span several configs, on the values the topic
     * would end up with under this broker config (Kafka's {@code LogConfig.validate}).
     *
     * @return a one-line message for INVALID_CONFIG, or empty when the overrides are valid
     */
    public static Optional<String> validate(Map<String, String> overrides, BrokerConfig broker) {
        Optional<String> invalid = validate(overrides);
        if (invalid.isPresent()) {
            return invalid;
        }
        long minLag = Long.parseLong(effectiveValue(DEFINITIONS.get("min.compaction.lag.ms"), overrides, broker).value().trim());
        long maxLag = Long.parseLong(effectiveValue(DEFINITIONS.get("max.compaction.lag.ms"), overrides, broker).value().trim());
        if (minLag > maxLag) {
            return Optional.of("conflict topic config setting min.compaction.lag.ms (" + minLag
                    + ") > max.compaction.lag.ms (" + maxLag + ")");
        }
        return Optional.empty();
    }

    /** The topic config whose broker default this broker key sets (log.retention.hours: retention.ms). */
    public static Optional<Definition> definitionOfBrokerSynonym(String brokerKey) {
        for (Definition definition : DEFINITIONS.values()) {
            if (definition.brokerSynonyms().contains(brokerKey)) {
                return Optional.of(definition);
            }
        }
        return Optional.empty();
    }

    /**
     * Validates a broker-level default of a topic config against the topic config's own rule (after the
     * unit conversion of *.hours and *.minutes keys). Keys that are no topic synonym are valid here.
     *
     * @return a one-line message for INVALID_CONFIG, or empty when valid
     */
    public static Optional<String> validateBrokerSynonym(String brokerKey, String value) {
        Optional<Definition> definition = definitionOfBrokerSynonym(brokerKey);
        if (definition.isEmpty()) {
            return Optional.empty();
        }
        try {
            String inTopicUnit = toTopicUnit(definition.get(), brokerKey, value);
            parseValue(definition.get(), inTopicUnit);
            return Optional.empty();
        } catch (NumberFormatException e) {
            return Optional.of("Invalid value " + value + " for configuration " + brokerKey + ": Not a number of type LONG");
        } catch (ConfigException e) {
            return Optional.of(e.getMessage().replace(definition.get().name(), brokerKey));
        }
    }

    /** One place a topic config's value may come from, as DescribeConfigs lists synonyms. */
    public record Synonym(String name, String value, Source source) {
    }

    /**
     * Every value set for this topic config, most specific first, as Kafka lists synonyms: the topic
     * override, then the broker synonyms set dynamically, then statically, then the broker's defaults
     * (values as written, e.g. {@code log.retention.hours=168}).
     */
    public static List<Synonym> synonyms(Definition definition, Map<String, String> overrides, BrokerConfig broker) {
        List<Synonym> result = new ArrayList<>();
        String override = overrides.get(definition.name());
        if (override != null) {
            result.add(new Synonym(definition.name(), override, Source.TOPIC));
        }
        result.addAll(broker.synonyms(definition.brokerSynonyms()));
        return result;
    }

    /** The effective value of every topic config as a string, for DescribeConfigs. */
    public static Map<String, String> effectiveValues(Map<String, String> overrides, BrokerConfig broker) {
        Map<String, String> values = new LinkedHashMap<>();
        for (Definition definition : DEFINITIONS.values()) {
            values.put(definition.name(), effectiveValue(definition, overrides, broker).value());
        }
        return values;
    }

    /** Where an effective value came from. */
    public enum Source { TOPIC, DYNAMIC_BROKER, DYNAMIC_DEFAULT_BROKER, STATIC_BROKER, DEFAULT }

    /** An effective value and its source ({@code synonym} is the key that set it). */
    public record Effective(String value, Source source, String synonym) {
    }

    public static Effective effectiveValue(Definition definition, Map<String, String> overrides, BrokerConfig broker) {
        String override = overrides.get(definition.name());
        if (override != null) {
            return new Effective(override, Source.TOPIC, definition.name());
        }
        for (String synonym : definition.brokerSynonyms()) {
            String dynamic = broker.dynamicValues().get(synonym);
            if (dynamic != null) {
                return new Effective(toTopicUnit(definition, synonym, dynamic), broker.dynamicSource(synonym), synonym);
            }
            String fixed = broker.staticValues().get(synonym);
            if (fixed != null) {
                return new Effective(toTopicUnit(definition, synonym, fixed), Source.STATIC_BROKER, synonym);
            }
        }
        return new Effective(ConfigDef.convertToString(definition.defaultValue(), definition.type()), Source.DEFAULT,
                definition.name());
    }

    /** log.retention.hours=24 means retention.ms=86400000, and so on. */
    private static String toTopicUnit(Definition definition, String synonym, String value) {
        long factor = synonym.endsWith(".hours") ? 3_600_000L : synonym.endsWith(".minutes") ? 60_000L : 1L;
        if (factor == 1L) {
            return value;
        }
        long parsed = Long.parseLong(value.trim());
        return Long.toString(parsed < 0 ? parsed : parsed * factor);
    }

    /** The engine's view of a topic with these overrides under this broker config. */
    public static LogConfig resolve(Map<String, String> overrides, BrokerConfig broker) {
        Map<String, Object> v = new HashMap<>();
        for (Definition definition : DEFINITIONS.values()) {
            v.put(definition.name(), parseValue(definition, effectiveValue(definition, overrides, broker).value()));
        }
        @SuppressWarnings("unchecked")
        List<String> policy = (List<String>) v.get(CLEANUP_POLICY);
        FlushMode flushMode = FlushMode.parse((String) v.get(FLUSH_MODE));
        if ((Long) v.get("flush.messages") == 1L) {
            flushMode = FlushMode.FSYNC;
        }
        // A mirror keeps what its source keeps: it follows the source's log start and neither deletes nor
        // compacts on its own until cutover, so it stays the source's log offset for offset.
        boolean mirror = !((String) v.get(MIRROR_SOURCE_BOOTSTRAP_SERVERS)).isBlank();
        return new LogConfig(
                (Integer) v.get("segment.bytes"),
                (Long) v.get("segment.ms"),
                (Integer) v.get("segment.index.bytes"),
                (Integer) v.get("index.interval.bytes"),
                mirror ? -1L : (Long) v.get("retention.ms"),
                mirror ? -1L : (Long) v.get("retention.bytes"),
                (Integer) v.get("max.message.bytes"),
                !mirror && policy.contains("compact"),
                mirror || policy.contains("delete"),
                "LogAppendTime".equals(v.get("message.timestamp.type")),
                (Long) v.get("message.timestamp.before.max.ms"),
                (Long) v.get("message.timestamp.after.max.ms"),
                flushMode,
                (Long) v.get("file.delete.delay.ms"),
                (Long) v.get("delete.retention.ms"),
                (Long) v.get("min.compaction.lag.ms"),
                (Long) v.get("max.compaction.lag.ms"),
                (Double) v.get("min.cleanable.dirty.ratio"));
    }

    /** The topic's min.insync.replicas. */
    public static int minInsyncReplicas(Map<String, String> overrides, BrokerConfig broker) {
        return Integer.parseInt(effectiveValue(DEFINITIONS.get("min.insync.replicas"), overrides, broker).value().trim());
    }

    /** The topic's max.decompressed.message.bytes ({@link #NO_DECOMPRESSED_LIMIT} when it sets none). */
    public static int maxDecompressedMessageBytes(Map<String, String> overrides, BrokerConfig broker) {
        return Integer.parseInt(effectiveValue(DEFINITIONS.get(MAX_DECOMPRESSED_MESSAGE_BYTES), overrides, broker)
                .value().trim());
    }

    /** The topic's compression.type, lower case ("producer" when the broker keeps what it gets). */
    public static String compressionType(Map<String, String> overrides, BrokerConfig broker) {
        return effectiveValue(DEFINITIONS.get(COMPRESSION_TYPE), overrides, broker).value().toLowerCase(Locale.ROOT);
    }

    private static Object parseValue(Definition definition, String value) {
        Object parsed = ConfigDef.parseType(definition.name(), value, definition.type());
        if (definition.validator() != null) {
            definition.validator().ensureValid(definition.name(), parsed);
        }
        return parsed;
    }

    /** Adds every broker synonym key (log.retention.hours, message.max.bytes, ...) to the broker's definition. */
    static ConfigDef addBrokerSynonyms(ConfigDef def) {
        List<String> added = new ArrayList<>();
        for (Definition definition : DEFINITIONS.values()) {
            for (String synonym : definition.brokerSynonyms()) {
                if (!def.names().contains(synonym) && !added.contains(synonym)) {
                    Type type = synonym.endsWith(".hours") || synonym.endsWith(".minutes") ? Type.LONG : definition.type();
                    Object defaultValue = synonym.equals("log.retention.hours") ? 168L
                            : synonym.equals("log.roll.hours") ? 168L
                            : definition.brokerSynonyms().get(0).equals(synonym) && definition.brokerSynonyms().size() == 1
                            ? definition.defaultValue() : null;
                    ConfigDef.Validator validator = defaultValue == null ? null : definition.validator();
                    def.define(synonym, type, defaultValue, validator, Importance.MEDIUM,
                            "Broker default of topic config " + definition.name() + ".");
                    added.add(synonym);
                }
            }
        }
        return def;
    }
}
