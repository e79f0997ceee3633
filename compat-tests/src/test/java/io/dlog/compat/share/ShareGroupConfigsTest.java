package io.dlog.compat.share;

import static io.dlog.compat.share.ShareClients.shareConsumer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dlog.compat.DLogBrokerExtension;
import io.dlog.compat.tools.ChildJvm;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.DescribeConfigsOptions;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Group configs (GROUP config resources, Kafka 4.x) with Kafka 4.3.1's Admin client and kafka-configs: set,
 * described, refused out of the broker's bounds, and honoured by the share coordinator
 * (share.auto.offset.reset, share.isolation.level).
 */
@Timeout(120)
class ShareGroupConfigsTest {
    @RegisterExtension
    static final DLogBrokerExtension DLOG = new DLogBrokerExtension();

    private static void alter(Admin admin, String group, Map<String, String> configs) throws Exception {
        List<AlterConfigOp> ops = new ArrayList<>();
        configs.forEach((k, v) -> ops.add(new AlterConfigOp(new ConfigEntry(k, v), AlterConfigOp.OpType.SET)));
        admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.GROUP, group), ops)).all()
                .get(30, TimeUnit.SECONDS);
    }

    private static KafkaProducer<String, String> producer(String transactionalId) {
        Map<String, Object> props = new HashMap<>();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, DLOG.bootstrapServers());
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        KafkaProducer<String, String> producer = new KafkaProducer<>(props, new StringSerializer(), new StringSerializer());
        producer.initTransactions();
        return producer;
    }

    /** Polls until {@code expected} records came (then 1 s more: nothing else may come) or 30 s passed. */
    private static void pollFor(KafkaShareConsumer<String, String> consumer, List<ConsumerRecord<String, String>> received,
                                int expected) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (received.size() < expected && System.nanoTime() < deadline) {
            consumer.poll(Duration.ofMillis(100)).forEach(received::add);
        }
        long quietUntil = System.nanoTime() + Duration.ofSeconds(1).toNanos();
        while (System.nanoTime() < quietUntil) {
            consumer.poll(Duration.ofMillis(100)).forEach(received::add);
        }
    }

    @Test
    void shouldStartAtTheEarliestAndSkipAbortedAndOpenTransactionsWhenTheGroupSaysSo() throws Exception {
        // Given records written before the group exists: plain, a committed and an aborted transaction
        String topic = DLOG.newTopic(1);
        String group = "cfg-" + topic;
        ShareClients.produce(DLOG.bootstrapServers(), topic, 1, "plain", 2);
        try (KafkaProducer<String, String> committed = producer("c-" + topic);
             KafkaProducer<String, String> aborted = producer("a-" + topic);
             KafkaProducer<String, String> open = producer("o-" + topic);
             Admin admin = DLOG.admin()) {
            committed.beginTransaction();
            committed.send(new ProducerRecord<>(topic, 0, "committed", "v")).get(30, TimeUnit.SECONDS);
            committed.commitTransaction();
            aborted.beginTransaction();
            aborted.send(new ProducerRecord<>(topic, 0, "aborted", "v")).get(30, TimeUnit.SECONDS);
            aborted.abortTransaction();

            // When the group is configured (the broker's defaults are latest and read_uncommitted)
            alter(admin, group, Map.of("share.auto.offset.reset", "earliest", "share.isolation.level", "read_committed"));
            // and a transaction is left open, with a committed record after it
            open.beginTransaction();
            open.send(new ProducerRecord<>(topic, 0, "open", "v")).get(30, TimeUnit.SECONDS);
            ShareClients.produce(DLOG.bootstrapServers(), topic, 1, "after", 1);

            // Then a share consumer gets what was written before it joined, without the aborted record, and nothing
            // at or after the open transaction
            List<ConsumerRecord<String, String>> received = new ArrayList<>();
            try (KafkaShareConsumer<String, String> consumer = shareConsumer(DLOG.bootstrapServers(), group, Map.of())) {
                consumer.subscribe(List.of(topic));
                pollFor(consumer, received, 3);
                assertThat(received).extracting(ConsumerRecord::key).containsExactly("plain-0", "plain-1", "committed");

                // When the open transaction commits, then its record and the one after it arrive
                open.commitTransaction();
                List<ConsumerRecord<String, String>> later = new ArrayList<>();
                pollFor(consumer, later, 2);
                assertThat(later).extracting(ConsumerRecord::key).containsExactly("open", "after-0");
            }
        }
    }

    @Test
    void shouldDescribeAndRefuseGroupConfigsWithAdminAndKafkaConfigs() throws Exception {
        String group = "tool-" + UUID.randomUUID().toString().substring(0, 8);
        ConfigResource resource = new ConfigResource(ConfigResource.Type.GROUP, group);

        // When kafka-configs sets two group configs
        ChildJvm.Result altered = ChildJvm.run(Duration.ofSeconds(60), "kafka.admin.ConfigCommand", "--bootstrap-server",
                DLOG.bootstrapServers(), "--alter", "--entity-type", "groups", "--entity-name", group,
                "--add-config", "consumer.session.timeout.ms=50000,share.record.lock.duration.ms=20000");
        assertThat(altered.exitCode()).as(altered.toString()).isZero();

        try (Admin admin = DLOG.admin()) {
            // Then Admin describes them as group configs, the rest as the broker's
            Config config = admin.describeConfigs(List.of(resource), new DescribeConfigsOptions().includeSynonyms(true))
                    .all().get(30, TimeUnit.SECONDS).get(resource);
            assertThat(config.get("consumer.session.timeout.ms").value()).isEqualTo("50000");
            assertThat(config.get("consumer.session.timeout.ms").source()).isEqualTo(ConfigEntry.ConfigSource.DYNAMIC_GROUP_CONFIG);
            assertThat(config.get("share.record.lock.duration.ms").value()).isEqualTo("20000");
            assertThat(config.get("share.heartbeat.interval.ms").value()).isEqualTo("5000");
            assertThat(config.get("share.heartbeat.interval.ms").source()).isEqualTo(ConfigEntry.ConfigSource.DEFAULT_CONFIG);
            assertThat(config.get("share.heartbeat.interval.ms").synonyms()).extracting(ConfigEntry.ConfigSynonym::name)
                    .contains("share.heartbeat.interval.ms", "group.share.heartbeat.interval.ms");
            assertThat(config.get("share.auto.offset.reset").value()).isEqualTo("latest");

            // and refuses what Kafka refuses, with INVALID_CONFIG
            assertThatThrownBy(() -> alter(admin, group, Map.of("consumer.heartbeat.interval.ms", "1000")))
                    .hasCauseInstanceOf(InvalidConfigurationException.class)
                    .hasMessageContaining("group.consumer.min.heartbeat.interval.ms");
            assertThatThrownBy(() -> alter(admin, group, Map.of("share.auto.offset.reset", "sometimes")))
                    .hasCauseInstanceOf(InvalidConfigurationException.class);
            assertThatThrownBy(() -> alter(admin, group, Map.of("retention.ms", "1")))
                    .hasCauseInstanceOf(InvalidConfigurationException.class).hasMessageContaining("Unknown group config name");
        }

        // When kafka-configs deletes one, then it describes the other only as the group's own
        ChildJvm.Result deleted = ChildJvm.run(Duration.ofSeconds(60), "kafka.admin.ConfigCommand", "--bootstrap-server",
                DLOG.bootstrapServers(), "--alter", "--entity-type", "groups", "--entity-name", group,
                "--delete-config", "share.record.lock.duration.ms");
        ChildJvm.Result described = ChildJvm.run(Duration.ofSeconds(60), "kafka.admin.ConfigCommand", "--bootstrap-server",
                DLOG.bootstrapServers(), "--describe", "--entity-type", "groups", "--entity-name", group);
        assertThat(deleted.exitCode()).as(deleted.toString()).isZero();
        assertThat(described.exitCode()).as(described.toString()).isZero();
        assertThat(described.stdout()).contains("consumer.session.timeout.ms=50000").doesNotContain("share.record.lock.duration.ms");
    }
}
