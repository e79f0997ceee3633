package io.dlog.compat.crash;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.compat.clients.Clients;
import io.dlog.kafka.config.BrokerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import kafka.server.KafkaConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server.properties written for Apache Kafka starts DLog: every key of Kafka 4.3's broker definition
 * ({@code kafka.server.KafkaConfig}, read from Kafka's own jar, so a newer Kafka's keys show up here) is accepted,
 * implemented or knowingly ignored, never refused as unknown. An outside test harness configures its cluster
 * with Kafka's names; one refused key would keep the whole cluster from starting.
 */
class KafkaBrokerKeysTest {
    /** Kafka's default is not a setting a node can start with (Kafka refuses an empty process.roles too). */
    private static final Set<String> NO_STANDALONE_DEFAULT = Set.of("process.roles");
    /** The node's own identity, address and folder, which the test sets. */
    private static final Set<String> SET_BY_THE_TEST = Set.of("process.roles", "node.id", "broker.id", "listeners",
            "advertised.listeners", "log.dir", "log.dirs");

    @TempDir
    Path tmp;

    @Test
    void shouldAcceptEveryKafkaBrokerKeyAtKafkasDefault() {
        // Given
        Map<String, String> defaults = kafkaDefaults(NO_STANDALONE_DEFAULT);
        assertThat(defaults).hasSizeGreaterThan(250);

        // When
        Map<String, String> refused = new TreeMap<>();
        defaults.forEach((key, value) -> {
            try {
                BrokerConfig.parse(Map.of(key, value));
            } catch (ConfigException e) {
                refused.put(key, e.getMessage());
            }
        });

        // Then
        assertThat(refused).as("Kafka broker keys DLog refuses at Kafka's default").isEmpty();
    }

    @Test
    void shouldAcceptEveryKafkaBrokerKeyWithoutADefault() {
        // Given: keys Kafka defines without a default, each with a value of its type (a refused value is fine here:
        // DLog may refuse a plugin class it cannot load, with a message naming the key)
        ConfigDef def = KafkaConfig.configDef();
        Map<String, String> refused = new TreeMap<>();
        for (ConfigDef.ConfigKey key : def.configKeys().values()) {
            if (key.hasDefault() && key.defaultValue != null || SET_BY_THE_TEST.contains(key.name)) {
                continue;
            }
            String value = switch (key.type) {
                case INT, LONG, SHORT -> "1000";
                case BOOLEAN -> "true";
                case DOUBLE -> "0.5";
                case LIST -> "";
                case CLASS -> "com.example.Plugin";
                default -> "x";
            };

            // When
            try {
                BrokerConfig.parse(Map.of(key.name, value));
            } catch (ConfigException e) {
                if (e.getMessage().contains("unknown config")) {
                    refused.put(key.name, e.getMessage());
                }
            }
        }

        // Then
        assertThat(refused).as("Kafka broker keys DLog does not know").isEmpty();
    }

    @Test
    void shouldServeWhenStartedFromAServerPropertiesHoldingEveryKafkaBrokerKey() throws Exception {
        // Given: every Kafka broker key with a default, at that default, in one file
        Map<String, String> defaults = kafkaDefaults(SET_BY_THE_TEST);
        Path config = tmp.resolve("server.properties");
        Files.write(config, defaults.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue().replace("\\", "\\\\"))
                .collect(Collectors.toList()));

        // When / Then
        assertThat(assertServesFrom(config, "kafka-keys")).doesNotContain("unknown config");
    }

    @Test
    void shouldServeWhenStartedFromAKafka3ServerPropertiesCarryingKafka44Keys() throws Exception {
        // Given: the ZooKeeper-era keys of a Kafka 3 server.properties, which Kafka 4 ignores, a vendor's key and a
        // misspelt ZooKeeper key (as Jepsen's Kafka setup writes one), which Kafka ignores with a warning, and keys
        // Kafka 4.4 added after the 4.3 definition the other tests read (BrokerConfigTest lists all of them)
        Path config = tmp.resolve("server.properties");
        Files.write(config, List.of("zookeeper.connect=127.0.0.1:2181/kafka", "zookeeper.connection.timeout.ms=18000",
                "confluent.support.metrics.enable=false", "zookeeper.session.tmeout.ms=1000",
                "inter.broker.protocol.version=3.9", "log.message.format.version=3.0",
                "group.streams.num.warmup.replicas=2", "log.remote.copy.lag.ms=0",
                "max.decompressed.message.bytes=1048576", "errors.deadletterqueue.topic.name.prefix=dlq."));

        // When / Then
        String stderr = assertServesFrom(config, "kafka3-keys");
        assertThat(stderr).contains("ignoring unknown config 'confluent.support.metrics.enable'")
                .contains("ignoring unknown config 'zookeeper.session.tmeout.ms'")
                .doesNotContain("ignoring unknown config 'zookeeper.connect'");
    }

    /** Starts a child JVM from {@code config}, produces one record to a new topic and reads it back; its stderr. */
    private String assertServesFrom(Path config, String topic) throws Exception {
        try (ChildBroker broker = ChildBroker.startWithConfig(config, ChildBroker.freePort(), tmp.resolve("data"));
             KafkaProducer<String, String> producer = Clients.stringProducer(broker.bootstrapServers());
             KafkaConsumer<String, String> consumer = Clients.stringConsumer(broker.bootstrapServers())) {
            producer.send(new ProducerRecord<>(topic, "k", "v")).get();
            List<ConsumerRecord<String, String>> read = Clients.readFromBeginning(consumer,
                    List.of(new TopicPartition(topic, 0)), 1);

            assertThat(read).extracting(ConsumerRecord::value).containsExactly("v");
            assertThat(broker.stderr()).doesNotContain("dlog: unknown config");
            return broker.stderr();
        }
    }

    /** Kafka's broker keys with their Kafka defaults as server.properties values, leaving out {@code except}. */
    private static Map<String, String> kafkaDefaults(Set<String> except) {
        ConfigDef def = KafkaConfig.configDef();
        Map<String, String> values = new TreeMap<>();
        for (String name : new TreeSet<>(def.names())) {
            ConfigDef.ConfigKey key = def.configKeys().get(name);
            if (except.contains(name) || !key.hasDefault() || key.defaultValue == null) {
                continue;
            }
            Object value = key.defaultValue;
            values.put(name, value instanceof List<?> list
                    ? list.stream().map(Object::toString).collect(Collectors.joining(","))
                    : value instanceof Class<?> type ? type.getName()
                    : value instanceof Password password ? password.value()
                    : value.toString());
        }
        return values;
    }
}
