package io.dlog.compat.txn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dlog.compat.DLogBrokerExtension;
import io.dlog.compat.clients.Clients;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * transaction.version=2 (KIP-890 part 2): the broker finalizes the feature in ApiVersions, so
 * kafka-clients 4.3.1 add partitions through Produce v12+ and TxnOffsetCommit v5 (no AddPartitionsToTxn
 * or AddOffsetsToTxn) and every EndTxn (v5) bumps the producer epoch.
 */
class TransactionsV2Test {
    @RegisterExtension
    static final DLogBrokerExtension DLOG = new DLogBrokerExtension().with("transaction.version", "2");

    private static KafkaProducer<String, String> transactional(String id) {
        return Clients.stringProducer(DLOG.bootstrapServers(), Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, id,
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000));
    }

    private static TransactionDescription describe(String id) throws Exception {
        try (Admin admin = DLOG.admin()) {
            return admin.describeTransactions(List.of(id)).description(id).get(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void shouldBumpTheEpochOnEveryCommitAndAbort() throws Exception {
        // Given
        String topic = DLOG.newTopic(2);

        // When: three transactions over two partitions, the second aborted
        try (KafkaProducer<String, String> producer = transactional("v2-commit-abort")) {
            producer.initTransactions();
            for (String outcome : List.of("commit", "abort", "commit")) {
                producer.beginTransaction();
                producer.send(new ProducerRecord<>(topic, 0, "k", outcome + "-0"));
                producer.send(new ProducerRecord<>(topic, 1, "k", outcome + "-1"));
                producer.flush();
                if (outcome.equals("commit")) {
                    producer.commitTransaction();
                } else {
                    producer.abortTransaction();
                }
            }
        }

        // Then: epoch 0 from InitProducerId, one bump per EndTxn
        TransactionDescription description = describe("v2-commit-abort");
        assertThat(description.producerEpoch()).isEqualTo(3);
        assertThat(description.state().toString()).isEqualTo("CompleteCommit");
        assertThat(TransactionsTest.readAll(DLOG.bootstrapServers(), topic, IsolationLevel.READ_COMMITTED))
                .containsExactly("commit-0", "commit-0");
        assertThat(TransactionsTest.readAll(DLOG.bootstrapServers(), topic, IsolationLevel.READ_UNCOMMITTED))
                .containsExactly("commit-0", "abort-0", "commit-0");
    }

    @Test
    void shouldCommitConsumedOffsetsThroughTxnOffsetCommitV5() throws Exception {
        // Given
        String input = DLOG.newTopic(1);
        String output = DLOG.newTopic(1);
        String group = "v2-ctp-" + input;
        TopicPartition in = new TopicPartition(input, 0);
        try (KafkaProducer<String, String> plain = Clients.stringProducer(DLOG.bootstrapServers())) {
            for (int i = 0; i < 5; i++) {
                plain.send(new ProducerRecord<>(input, 0, "k", "v" + i));
            }
        }

        // When: an aborted attempt, then a committed one
        try (KafkaConsumer<String, String> consumer = Clients.stringConsumer(DLOG.bootstrapServers(), Map.of(
                ConsumerConfig.GROUP_ID_CONFIG, group, ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed", ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"));
             KafkaProducer<String, String> producer = transactional("v2-ctp")) {
            producer.initTransactions();
            consumer.subscribe(List.of(input));
            for (boolean commit : new boolean[] {false, true}) {
                List<ConsumerRecord<String, String>> batch = Clients.pollUntil(consumer, 5, Clients.WAIT);
                producer.beginTransaction();
                for (ConsumerRecord<String, String> r : batch) {
                    producer.send(new ProducerRecord<>(output, 0, r.key(), r.value() + "!"));
                }
                producer.sendOffsetsToTransaction(Map.of(in, new OffsetAndMetadata(5)), consumer.groupMetadata());
                if (commit) {
                    producer.commitTransaction();
                } else {
                    producer.abortTransaction();
                    try (Admin admin = DLOG.admin()) {
                        assertThat(admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata()
                                .get(30, TimeUnit.SECONDS)).doesNotContainKey(in);
                    }
                    consumer.seek(in, 0);
                }
            }
        }

        // Then
        try (Admin admin = DLOG.admin()) {
            assertThat(admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS)
                    .get(in).offset()).isEqualTo(5);
        }
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            expected.add("v" + i + "!");
        }
        assertThat(TransactionsTest.readAll(DLOG.bootstrapServers(), output, IsolationLevel.READ_COMMITTED))
                .containsExactlyElementsOf(expected);
    }

    @Test
    void shouldFenceAZombieProducer() throws Exception {
        // Given
        String topic = DLOG.newTopic(1);
        KafkaProducer<String, String> zombie = transactional("v2-zombie");
        zombie.initTransactions();
        zombie.beginTransaction();
        zombie.send(new ProducerRecord<>(topic, 0, "k", "zombie")).get();

        // When
        try (KafkaProducer<String, String> successor = transactional("v2-zombie")) {
            successor.initTransactions();
            successor.beginTransaction();
            successor.send(new ProducerRecord<>(topic, 0, "k", "successor"));
            successor.commitTransaction();

            // Then
            assertThatThrownBy(() -> {
                zombie.send(new ProducerRecord<>(topic, 0, "k", "late")).get();
                zombie.commitTransaction();
            }).isInstanceOf(Exception.class);
        } finally {
            zombie.close(Duration.ZERO);
        }
        assertThat(TransactionsTest.readAll(DLOG.bootstrapServers(), topic, IsolationLevel.READ_COMMITTED))
                .containsExactly("successor");
    }

    @Test
    void shouldAdvertiseTheFinalizedTransactionVersion() throws Exception {
        try (Admin admin = DLOG.admin()) {
            var features = admin.describeFeatures().featureMetadata().get(30, TimeUnit.SECONDS);
            assertThat(features.finalizedFeatures().get("transaction.version").maxVersionLevel()).isEqualTo((short) 2);
        } catch (java.util.concurrent.ExecutionException e) {
            // DescribeFeatures rides on ApiVersions; a KafkaException here means the feature is missing
            throw new KafkaException(e.getCause());
        }
    }
}
