package io.dlog.compat.crash;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.broker.DLogBroker;
import io.dlog.kafka.config.BrokerConfig;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A data folder written by DLog 0.1 (single node, before the metadata Raft group: its image in
 * {@code __dlog_metadata/metadata.image}) opens under this version with nothing lost. The fixture was made
 * by the 0.1 broker: topic legacy-topic (2 partitions, retention.ms=86400000, id 9a1c03fd-...), 100
 * records k0..k99 / v0..v99 spread over both partitions, and group legacy-group's committed offsets 50/50.
 */
class UpgradeFromSingleNodeTest {
    private static final String FIXTURE = "/upgrade/dlog-0.1-single-node.tgz";

    @TempDir
    Path tmp;

    @Test
    void shouldOpenAReleaseZeroOneFolderWithItsTopicsRecordsConfigsAndOffsets() throws Exception {
        Path data = unpack(tmp.resolve("data"));

        for (int run = 0; run < 2; run++) { // the second start finds the image imported already
            // The fixture's offsets were committed on 2026-11-30: past the default offsets.retention.minutes (7 days)
            // the coordinator expires them at load, as Kafka's does, so the test keeps them for as long as it can.
            try (DLogBroker broker = DLogBroker.start(BrokerConfig.parse(Map.of("listeners", "PLAINTEXT://127.0.0.1:0",
                    "log.dirs", data.toString(), "offsets.retention.minutes", String.valueOf(Integer.MAX_VALUE))))) {
                try (Admin admin = admin(broker)) {
                    TopicDescription topic = admin.describeTopics(List.of("legacy-topic")).allTopicNames()
                            .get(30, TimeUnit.SECONDS).get("legacy-topic");
                    assertThat(topic.topicId()).hasToString("mhwD_dRuQh-Em8j2qOV5Wg");
                    assertThat(topic.partitions()).hasSize(2);
                    ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, "legacy-topic");
                    assertThat(admin.describeConfigs(List.of(resource)).all().get().get(resource).get("retention.ms").value())
                            .isEqualTo("86400000");
                    Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets("legacy-group")
                            .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
                    assertThat(offsets).containsOnlyKeys(new TopicPartition("legacy-topic", 0), new TopicPartition("legacy-topic", 1));
                    assertThat(offsets.values()).extracting(OffsetAndMetadata::offset).containsOnly(50L);
                }
                assertThat(readAll(broker)).hasSize(100).contains("k0=v0", "k99=v99");
            }
        }
        assertThat(data.resolve("__dlog_metadata/metadata.image.imported")).exists();
        assertThat(data.resolve("__dlog_metadata/metadata.image")).doesNotExist();
    }

    private Path unpack(Path target) throws IOException, InterruptedException {
        Files.createDirectories(target);
        Path archive = tmp.resolve("fixture.tgz");
        try (InputStream in = UpgradeFromSingleNodeTest.class.getResourceAsStream(FIXTURE)) {
            assertThat(in).as(FIXTURE).isNotNull();
            Files.copy(in, archive);
        }
        Process tar = new ProcessBuilder("tar", "xzf", archive.toString(), "-C", target.toString()).inheritIO().start();
        assertThat(tar.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(tar.exitValue()).isZero();
        return target;
    }

    private static Admin admin(DLogBroker broker) {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        return Admin.create(props);
    }

    private static List<String> readAll(DLogBroker broker) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        List<String> seen = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
            List<TopicPartition> partitions = List.of(new TopicPartition("legacy-topic", 0), new TopicPartition("legacy-topic", 1));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (seen.size() < 100 && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    seen.add(record.key() + "=" + record.value());
                }
            }
        }
        return seen;
    }
}
