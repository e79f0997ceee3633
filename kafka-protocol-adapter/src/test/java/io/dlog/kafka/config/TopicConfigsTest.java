package io.dlog.kafka.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.log.FlushMode;
import io.dlog.log.LogConfig;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TopicConfigsTest {
    private static final BrokerConfig DEFAULTS = BrokerConfig.parse(Map.of());

    @Test
    void shouldResolveKafkaDefaultsToTheEngineDefault() {
        assertThat(TopicConfigs.resolve(Map.of(), DEFAULTS)).isEqualTo(LogConfig.DEFAULT);
    }

    @Test
    void shouldResolveEveryHonouredOverrideIntoTheEngineConfig() {
        LogConfig config = TopicConfigs.resolve(Map.ofEntries(
                Map.entry("segment.bytes", "2097152"),
                Map.entry("segment.ms", "60000"),
                Map.entry("segment.index.bytes", "4096"),
                Map.entry("index.interval.bytes", "100"),
                Map.entry("retention.ms", "1000"),
                Map.entry("retention.bytes", "5000"),
                Map.entry("max.message.bytes", "2048"),
                Map.entry("cleanup.policy", "compact,delete"),
                Map.entry("message.timestamp.type", "LogAppendTime"),
                Map.entry("message.timestamp.before.max.ms", "10"),
                Map.entry("message.timestamp.after.max.ms", "20"),
                Map.entry("dlog.flush.mode", "fsync"),
                Map.entry("file.delete.delay.ms", "30")), DEFAULTS);

        assertThat(config).isEqualTo(new LogConfig(2_097_152, 60_000L, 4096, 100, 1000L, 5000L, 2048, true, true,
                true, 10L, 20L, FlushMode.FSYNC, 30L));
    }

    @Test
    void shouldPassCompactionSettingsToTheEngine() {
        BrokerConfig broker = BrokerConfig.parse(Map.of("log.cleaner.min.cleanable.ratio", "0.3"));

        LogConfig config = TopicConfigs.resolve(Map.of("cleanup.policy", "compact", "delete.retention.ms", "1000",
                "min.compaction.lag.ms", "20", "max.compaction.lag.ms", "3000"), broker);

        assertThat(config.compact()).isTrue();
        assertThat(config.delete()).isFalse();
        assertThat(config.deleteRetentionMs()).isEqualTo(1000L);
        assertThat(config.minCompactionLagMs()).isEqualTo(20L);
        assertThat(config.maxCompactionLagMs()).isEqualTo(3000L);
        assertThat(config.minCleanableDirtyRatio()).isEqualTo(0.3);
    }

    @Test
    void shouldKeepAMirrorFromDeletingOrCompactingOnItsOwnUntilCutover() {
        // Given a compacted topic with retention limits that is a migration mirror
        Map<String, String> topic = new java.util.HashMap<>(Map.of("cleanup.policy", "compact,delete", "retention.ms", "1000",
                "retention.bytes", "5000", "dlog.mirror.source.bootstrap.servers", "kafka:9092"));

        // When the engine's config is resolved, Then the source alone decides what is kept
        LogConfig mirror = TopicConfigs.resolve(topic, DEFAULTS);
        assertThat(mirror.compact()).isFalse();
        assertThat(mirror.retentionMs()).isEqualTo(-1L);
        assertThat(mirror.retentionBytes()).isEqualTo(-1L);

        // And after cutover (the mirror config removed) the topic's own policy applies
        topic.remove("dlog.mirror.source.bootstrap.servers");
        LogConfig own = TopicConfigs.resolve(topic, DEFAULTS);
        assertThat(own.compact()).isTrue();
        assertThat(own.retentionMs()).isEqualTo(1000L);
        assertThat(own.retentionBytes()).isEqualTo(5000L);
    }

    @Test
    void shouldTreatFlushMessagesOneAsFsync() {
        assertThat(TopicConfigs.resolve(Map.of("flush.messages", "1"), DEFAULTS).flushMode()).isEqualTo(FlushMode.FSYNC);
        assertThat(TopicConfigs.resolve(Map.of("flush.messages", "2"), DEFAULTS).flushMode()).isEqualTo(FlushMode.OS);
    }

    @Test
    void shouldTakeBrokerDefaultsFromSynonymsInKafkasPrecedence() {
        BrokerConfig hours = BrokerConfig.parse(Map.of("log.retention.hours", "24", "log.roll.hours", "1"));
        BrokerConfig msAndHours = BrokerConfig.parse(Map.of("log.retention.hours", "24", "log.retention.ms", "5000"));
        BrokerConfig minutes = BrokerConfig.parse(Map.of("log.retention.minutes", "2", "log.retention.hours", "24"));

        assertThat(TopicConfigs.resolve(Map.of(), hours).retentionMs()).isEqualTo(86_400_000L);
        assertThat(TopicConfigs.resolve(Map.of(), hours).segmentMs()).isEqualTo(3_600_000L);
        assertThat(TopicConfigs.resolve(Map.of(), msAndHours).retentionMs()).isEqualTo(5000L);
        assertThat(TopicConfigs.resolve(Map.of(), minutes).retentionMs()).isEqualTo(120_000L);
        assertThat(TopicConfigs.resolve(Map.of("retention.ms", "7"), msAndHours).retentionMs()).isEqualTo(7L);
        assertThat(TopicConfigs.resolve(Map.of(), BrokerConfig.parse(Map.of("log.retention.hours", "-1"))).retentionMs())
                .isEqualTo(-1L);
    }

    @Test
    void shouldPreferDynamicBrokerValuesOverStaticOnes() {
        BrokerConfig broker = BrokerConfig.parse(Map.of("log.segment.bytes", "2097152"))
                .withDynamic(Map.of("log.segment.bytes", "4194304"));

        TopicConfigs.Effective effective = TopicConfigs.effectiveValue(TopicConfigs.definitions().get("segment.bytes"),
                Map.of(), broker);

        assertThat(effective.value()).isEqualTo("4194304");
        assertThat(effective.source()).isEqualTo(TopicConfigs.Source.DYNAMIC_BROKER);
        assertThat(TopicConfigs.resolve(Map.of(), broker).segmentBytes()).isEqualTo(4_194_304);
    }

    @Test
    void shouldListSynonymsTopicThenDynamicThenStaticThenDefault() {
        BrokerConfig broker = BrokerConfig.parse(Map.of("log.segment.bytes", "2097152"))
                .withDynamic(Map.of("log.segment.bytes", "4194304"));

        assertThat(TopicConfigs.synonyms(TopicConfigs.definitions().get("segment.bytes"), Map.of("segment.bytes", "3145728"), broker))
                .containsExactly(
                        new TopicConfigs.Synonym("segment.bytes", "3145728", TopicConfigs.Source.TOPIC),
                        new TopicConfigs.Synonym("log.segment.bytes", "4194304", TopicConfigs.Source.DYNAMIC_BROKER),
                        new TopicConfigs.Synonym("log.segment.bytes", "2097152", TopicConfigs.Source.STATIC_BROKER),
                        new TopicConfigs.Synonym("log.segment.bytes", "1073741824", TopicConfigs.Source.DEFAULT));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "retention.ms|abc|retention.ms",
        "retention.ms|-2|retention.ms",
        "segment.bytes|1000|segment.bytes",
        "cleanup.policy|shred|cleanup.policy",
        "cleanup.policy|delete,delete|cleanup.policy",
        "compression.type|brotli|compression.type",
        "compression.gzip.level|0|compression.gzip.level",
        "compression.zstd.level|23|compression.zstd.level",
        "message.timestamp.type|WallClock|message.timestamp.type",
        "min.cleanable.dirty.ratio|1.5|min.cleanable.dirty.ratio",
        "remote.storage.enable|true|Tiered Storage",
        "leader.replication.throttled.replicas|everything|leader.replication.throttled.replicas",
        "dlog.flush.mode|sometimes|dlog.flush.mode",
        "dlog.columnar.copies|maybe|dlog.columnar.copies",
        "no.such.config|1|Unknown topic config name: no.such.config"})
    void shouldRefuseInvalidValuesWithAMessageNamingTheKey(String key, String value, String messagePart) {
        assertThat(TopicConfigs.validate(Map.of(key, value))).hasValueSatisfying(m -> assertThat(m).contains(messagePart));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "retention.ms|-1", "retention.bytes|-1", "cleanup.policy|compact,delete", "cleanup.policy|''",
        "compression.type|zstd", "compression.gzip.level|-1", "compression.gzip.level|9",
        "leader.replication.throttled.replicas|*", "follower.replication.throttled.replicas|0:1,1:1",
        "local.retention.ms|-2", "remote.storage.enable|false", "min.insync.replicas|2", "preallocate|true",
        "unclean.leader.election.enable|true", "message.timestamp.type|LogAppendTime", "segment.jitter.ms|10",
        "flush.ms|1000", "remote.log.copy.disable|true", "remote.log.delete.on.disable|true", "local.retention.bytes|100",
        "delete.retention.ms|1000", "min.cleanable.dirty.ratio|0.1", "max.compaction.lag.ms|60000",
        "dlog.columnar.copies|false"})
    void shouldAcceptKafkaValues(String key, String value) {
        assertThat(TopicConfigs.validate(Map.of(key, value))).isEmpty();
    }

    @Test
    void shouldAcceptAnAvroValueSchemaAndRefuseOneThatDoesNotParseInOneLine() {
        String schema = "{\"type\":\"record\",\"name\":\"Order\",\n \"fields\":[{\"name\":\"id\",\"type\":\"long\"}]}";

        assertThat(TopicConfigs.validate(Map.of(TopicConfigs.VALUE_SCHEMA, schema))).isEmpty();
        assertThat(TopicConfigs.validate(Map.of(TopicConfigs.VALUE_SCHEMA, ""))).isEmpty();
        for (String bad : new String[] {"{\"type\":\"record\",\n\"name\":\"Order\"}", "not json", "{\"type\":\"strin\"}",
                schema.replace("long", "lang")}) {
            assertThat(TopicConfigs.validate(Map.of(TopicConfigs.VALUE_SCHEMA, bad))).hasValueSatisfying(m -> {
                assertThat(m).startsWith("Invalid value for configuration dlog.value.schema: not an Avro schema: ");
                assertThat(m).doesNotContain("\n");
            });
        }
    }

    @Test
    void shouldRefuseMinCompactionLagAboveMax() {
        assertThat(TopicConfigs.validate(Map.of("min.compaction.lag.ms", "10", "max.compaction.lag.ms", "5"), DEFAULTS))
                .hasValueSatisfying(m -> assertThat(m).contains("min.compaction.lag.ms"));
        assertThat(TopicConfigs.validate(Map.of("min.compaction.lag.ms", "10"), DEFAULTS)).isEmpty();
    }

    @Test
    void shouldValidateBrokerSynonymsByTheTopicRule() {
        assertThat(TopicConfigs.validateBrokerSynonym("log.retention.hours", "-3")).isPresent();
        assertThat(TopicConfigs.validateBrokerSynonym("log.retention.hours", "x")).isPresent();
        assertThat(TopicConfigs.validateBrokerSynonym("log.retention.ms", "60000")).isEmpty();
        assertThat(TopicConfigs.validateBrokerSynonym("log.cleanup.policy", "shred"))
                .hasValueSatisfying(m -> assertThat(m).contains("log.cleanup.policy"));
        assertThat(TopicConfigs.validateBrokerSynonym("num.partitions", "anything")).isEmpty();
    }

    @Test
    void shouldNormaliseCompressionTypeForTheProducePath() {
        assertThat(TopicConfigs.compressionType(Map.of("compression.type", "ZSTD"), DEFAULTS)).isEqualTo("zstd");
        assertThat(TopicConfigs.compressionType(Map.of(), DEFAULTS)).isEqualTo("producer");
    }
}
