package io.dlog.compat.clients;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dlog.compat.DLogBrokerExtension;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidTimestampException;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Produce-side rules a Kafka user relies on: acks, timestamp types and limits, compaction keys, isolation, retention. */
class ProduceSemanticsTest {
    @RegisterExtension
    static final DLogBrokerExtension DLOG = new DLogBrokerExtension().with("log.retention.check.interval.ms", "200");

    @Test
    void shouldStoreRecordsSentWithAcksZero() {
        // Given
        String topic = DLOG.newTopic(1);
        // When
        try (KafkaProducer<String, String> producer = Clients.stringProducer(DLOG.bootstrapServers(),
                Map.of(ProducerConfig.ACKS_CONFIG, "0", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "false"))) {
            for (int i = 0; i < 100; i++) {
                producer.send(new ProducerRecord<>(topic, 0, "k" + i, "v" + i));
            }
            producer.flush();
        }
        // Then
        try (KafkaConsumer<String, String> consumer = Clients.stringConsumer(DLOG.bootstrapServers())) {
            List<ConsumerRecord<String, String>> records = Clients.readFromBeginning(consumer, Clients.partitions(topic, 1), 100);
            assertThat(records).extracting(ConsumerRecord::value).startsWith("v0", "v1").hasSize(100);
        }
    }

    @Test
    void shouldCreateAnUnknownTopicOnFirstProduceWithTheDefaultPartitionCount() throws Exception {
        // Given: auto.create.topics.enable=true and num.partitions=1, Kafka's defaults
        String topic = "auto-" + System.nanoTime();
        // When
        try (KafkaProducer<String, String> producer = Clients.stringProducer(DLOG.bootstrapServers())) {
            producer.send(new ProducerRecord<>(topic, "k", "v")).get();
        }
        // Then
        try (Admin admin = DLOG.admin()) {
            assertThat(admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions()).hasSize(1);
        }
    }

    @Test
    void shouldStampLogAppendTimeWhenTheTopicAsksForIt() throws Exception {
        // Given
        String topic = DLOG.newTopic(1, Map.of("message.timestamp.type", "LogAppendTime"));
        long before = System.currentTimeMillis();
        // When
        RecordMetadata metadata;
        try (KafkaProducer<String, String> producer = Clients.stringProducer(DLOG.bootstrapServers())) {
            metadata = producer.send(new ProducerRecord<>(topic, 0, 1_000L, "k", "v")).get();
        }
        // Then
        assertThat(metadata.timestamp()).isGreaterThanOrEqualTo(before);
        try (KafkaConsumer<String, String> consumer = Clients.stringConsumer(DLOG.bootstrapServers())) {
            ConsumerRecord<String, String> record = Clients.readFromBeginning(consumer, Clients.partitions(topic, 1), 1).get(0);
            assertThat(record.timestampType()).isEqualTo(TimestampType.LOG_APPEND_TIME);
            assertThat(record.timestamp()).isEqualTo(metadata.timestamp());
        }
    }

    @Test
    void shouldRefuseARecordWithoutKeyOnACompactedTopic() {
        // Given
        String topic = DLOG.newTopic(1, Map.of("cleanup.policy", "compact"));
        // When / Then
        try (KafkaProducer<String, String> producer = Clients.stringProducer(DLOG.bootstrapServers())) {
            assertThatThrownBy(() -> producer.send(new ProducerRecord<>(topic, 0, null, "no key")).get())
                    .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(InvalidRecordException.class);
        }
    }

    @Test
    void shouldRefuseATimestampTooFarInTheFuture() {
        // Given
        String topic = DLOG.newTopic(1, Map.of("message.timestamp.after.max.ms", "60000"));
        long nextDay = System.currentTimeMillis() + Duration.ofDays(1).toMillis();
        // When / Then
        try (KafkaProducer<String, String> producer = Clients.stringProducer(DLOG.bootstrapServers())) {
            assertThatThrownBy(() -> producer.send(new ProducerRecord<>(topic, 0, nextDay, "k", "v")).get())
                    .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(InvalidTimestampException.class);
        }
    }

    @Test
    void shouldServeReadCommittedConsumersEverythingCommitted() throws Exception {
        // Given
        String topic = DLOG.newTopic(1);
        produce(topic, 5);
        // When
        try (KafkaConsumer<String, String> consumer = Clients.stringConsumer(DLOG.bootstrapServers(),
                Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"))) {
            // Then
            assertThat(Clients.readFromBeginning(consumer, Clients.partitions(topic, 1), 5)).hasSize(5);
        }
    }

    @Test
    void shouldValidateASeekWithALeaderEpochThroughOffsetForLeaderEpoch() throws Exception {
        // Given
        String topic = DLOG.newTopic(1);
        produce(topic, 6);
        TopicPartition partition = new TopicPartition(topic, 0);
        // When: a position with a known leader epoch makes the consumer validate it (KIP-320)
        try (KafkaConsumer<String, String> consumer = Clients.stringConsumer(DLOG.bootstrapServers())) {
            consumer.assign(List.of(partition));
            consumer.seek(partition, new OffsetAndMetadata(3, Optional.of(0), ""));
            List<ConsumerRecord<String, String>> records = Clients.pollUntil(consumer, 3, Clients.WAIT);
            // Then
            assertThat(records).extracting(ConsumerRecord::offset).containsExactly(3L, 4L, 5L);
            assertThat(records.get(0).leaderEpoch()).contains(0);
        }
    }

    @Test
    void shouldDeleteExpiredRecordsInTheBackground() throws Exception {
        // Given: records stamped two days ago on a topic that keeps one hour
        String topic = DLOG.newTopic(1, Map.of("retention.ms", "3600000"));
        long twoDaysAgo = System.currentTimeMillis() - Duration.ofDays(2).toMillis();
        try (KafkaProducer<String, String> producer = Clients.stringProducer(DLOG.bootstrapServers())) {
            for (int i = 0; i < 3; i++) {
                producer.send(new ProducerRecord<>(topic, 0, twoDaysAgo, "k", "old" + i)).get();
            }
        }
        TopicPartition partition = new TopicPartition(topic, 0);
        // When / Then: retention (every 200 ms here) moves the log start offset past them
        try (Admin admin = DLOG.admin()) {
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            long earliest;
            do {
                Thread.sleep(100);
                earliest = admin.listOffsets(Map.of(partition, OffsetSpec.earliest())).partitionResult(partition).get().offset();
            } while (earliest < 3 && System.nanoTime() - deadline < 0);
            assertThat(earliest).isEqualTo(3L);
        }
    }

    private static void produce(String topic, int count) throws Exception {
        try (KafkaProducer<String, String> producer = Clients.stringProducer(DLOG.bootstrapServers())) {
            for (int i = 0; i < count; i++) {
                producer.send(new ProducerRecord<>(topic, 0, "k" + i, "v" + i)).get();
            }
        }
    }
}
