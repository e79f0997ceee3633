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
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Transactional producers (kafka-clients 4.3.1) on a broker at transaction.version=1 (so the client uses
 * AddPartitionsToTxn, AddOffsetsToTxn and EndTxn v4) against read_committed and read_uncommitted consumers.
 */
class TransactionsTest {
    @RegisterExtension
    static final DLogBrokerExtension DLOG = new DLogBrokerExtension()
            .with("transaction.abort.timed.out.transaction.cleanup.interval.ms", "200")
            .with("transaction.version", "1"); // TransactionsV2Test runs the default, version 2

    static KafkaProducer<String, String> transactional(String id, Map<String, Object> extra) {
        Map<String, Object> props = new java.util.HashMap<>(Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, id,
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000));
        props.putAll(extra);
        return Clients.stringProducer(DLOG.bootstrapServers(), props);
    }

    static List<String> readAll(String topic, IsolationLevel isolation) {
        return readAll(DLOG.bootstrapServers(), topic, isolation);
    }

    /** Reads every record of partition 0 up to its end for the isolation level (LSO or high watermark). */
    static List<String> readAll(String bootstrap, String topic, IsolationLevel isolation) {
        TopicPartition tp = new TopicPartition(topic, 0);
        try (KafkaConsumer<String, String> consumer = Clients.stringConsumer(bootstrap, Map.of(
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation.toString().toLowerCase(java.util.Locale.ROOT)))) {
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long end = consumer.endOffsets(List.of(tp)).get(tp);
            List<String> values = new ArrayList<>();
            long deadline = System.nanoTime() + Clients.WAIT.toNanos();
            while (consumer.position(tp) < end && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    values.add(r.value());
                }
            }
            assertThat(consumer.position(tp)).isGreaterThanOrEqualTo(end);
            return values;
        }
    }

    static long endOffset(String topic, IsolationLevel isolation) throws Exception {
        TopicPartition tp = new TopicPartition(topic, 0);
        try (Admin admin = DLOG.admin()) {
            return admin.listOffsets(Map.of(tp, OffsetSpec.latest()), new ListOffsetsOptions(isolation)).partitionResult(tp)
                    .get(30, TimeUnit.SECONDS).offset();
        }
    }

    @Test
    void shouldShowCommittedRecordsAndHideAbortedOnesFromReadCommitted() throws Exception {
        // Given
        String topic = DLOG.newTopic(1);

        // When
        try (KafkaProducer<String, String> producer = transactional("tx-commit-abort", Map.of())) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, 0, "k", "committed-1"));
            producer.send(new ProducerRecord<>(topic, 0, "k", "committed-2"));
            producer.commitTransaction();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, 0, "k", "aborted"));
            producer.flush();
            producer.abortTransaction();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, 0, "k", "committed-3"));
            producer.commitTransaction();
        }

        // Then
        assertThat(readAll(topic, IsolationLevel.READ_COMMITTED)).containsExactly("committed-1", "committed-2", "committed-3");
        assertThat(readAll(topic, IsolationLevel.READ_UNCOMMITTED))
                .containsExactly("committed-1", "committed-2", "aborted", "committed-3");
    }

    @Test
    void shouldKeepLastStableOffsetBelowHighWatermarkWhileOpen() throws Exception {
        // Given
        String topic = DLOG.newTopic(1);
        try (KafkaProducer<String, String> plain = Clients.stringProducer(DLOG.bootstrapServers())) {
            plain.send(new ProducerRecord<>(topic, 0, "k", "before")).get();
        }
        try (KafkaProducer<String, String> producer = transactional("tx-lso", Map.of())) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, 0, "k", "open-1"));
            producer.send(new ProducerRecord<>(topic, 0, "k", "open-2"));
            producer.flush();

            // When the transaction is open
            long lso = endOffset(topic, IsolationLevel.READ_COMMITTED);
            long hw = endOffset(topic, IsolationLevel.READ_UNCOMMITTED);

            // Then
            assertThat(lso).isEqualTo(1);
            assertThat(hw).isEqualTo(3);
            assertThat(readAll(topic, IsolationLevel.READ_COMMITTED)).containsExactly("before");

            producer.commitTransaction();
        }
        // the commit marker takes one offset
        assertThat(endOffset(topic, IsolationLevel.READ_COMMITTED)).isEqualTo(4);
        assertThat(readAll(topic, IsolationLevel.READ_COMMITTED)).containsExactly("before", "open-1", "open-2");
    }

    @Test
    void shouldFenceAZombieProducerAndAbortItsTransaction() throws Exception {
        // Given
        String topic = DLOG.newTopic(1);
        KafkaProducer<String, String> zombie = transactional("tx-zombie", Map.of());
        zombie.initTransactions();
        zombie.beginTransaction();
        zombie.send(new ProducerRecord<>(topic, 0, "k", "zombie"));
        zombie.flush();

        // When a new instance with the same transactional id starts
        try (KafkaProducer<String, String> successor = transactional("tx-zombie", Map.of())) {
            successor.initTransactions();
            successor.beginTransaction();
            successor.send(new ProducerRecord<>(topic, 0, "k", "successor"));
            successor.commitTransaction();

            // Then the old one is fenced
            assertThatThrownBy(() -> {
                zombie.send(new ProducerRecord<>(topic, 0, "k", "late")).get();
                zombie.commitTransaction();
            }).satisfiesAnyOf(
                    e -> assertThat(e).hasCauseInstanceOf(ProducerFencedException.class),
                    e -> assertThat(e).isInstanceOf(ProducerFencedException.class),
                    e -> assertThat(e).hasCauseInstanceOf(InvalidProducerEpochException.class),
                    e -> assertThat(e).isInstanceOf(KafkaException.class));
        } finally {
            zombie.close(Duration.ZERO);
        }
        assertThat(readAll(topic, IsolationLevel.READ_COMMITTED)).containsExactly("successor");
    }

    @Test
    void shouldAbortATransactionOlderThanItsTimeout() throws Exception {
        // Given
        String topic = DLOG.newTopic(1);
        try (KafkaProducer<String, String> producer = transactional("tx-timeout",
                Map.of(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 1000))) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, 0, "k", "timed-out")).get();

            // When the coordinator's sweep aborts it: the abort marker moves the LSO past the record
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (endOffset(topic, IsolationLevel.READ_COMMITTED) < 2 && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }

            // Then
            assertThat(endOffset(topic, IsolationLevel.READ_COMMITTED)).isEqualTo(2);
            assertThat(readAll(topic, IsolationLevel.READ_COMMITTED)).isEmpty();
            assertThatThrownBy(producer::commitTransaction).isInstanceOf(KafkaException.class);
        }
    }

    @Test
    void shouldCommitConsumedOffsetsOnlyWithTheTransaction() throws Exception {
        consumeTransformProduce(DLOG, "tx-ctp");
    }

    /**
     * Consume-transform-produce with sendOffsetsToTransaction: the first attempt aborts (its offsets are
     * not committed), the second commits (offsets and output appear together). Shared with the TV2 test.
     */
    static void consumeTransformProduce(DLogBrokerExtension dlog, String transactionalId) throws Exception {
        // Given ten input records
        String input = dlog.newTopic(1);
        String output = dlog.newTopic(1);
        String group = "ctp-" + input;
        TopicPartition in = new TopicPartition(input, 0);
        try (KafkaProducer<String, String> plain = Clients.stringProducer(dlog.bootstrapServers())) {
            for (int i = 0; i < 10; i++) {
                plain.send(new ProducerRecord<>(input, 0, "k", "v" + i));
            }
        }
        try (KafkaConsumer<String, String> consumer = Clients.stringConsumer(dlog.bootstrapServers(), Map.of(
                ConsumerConfig.GROUP_ID_CONFIG, group, ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"));
             KafkaProducer<String, String> producer = Clients.stringProducer(dlog.bootstrapServers(), Map.of(
                     ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId, ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000))) {
            producer.initTransactions();
            consumer.subscribe(List.of(input));

            // When the first attempt aborts and the second commits
            for (boolean commit : new boolean[] {false, true}) {
                List<ConsumerRecord<String, String>> batch = Clients.pollUntil(consumer, 10, Clients.WAIT);
                producer.beginTransaction();
                for (ConsumerRecord<String, String> r : batch) {
                    producer.send(new ProducerRecord<>(output, 0, r.key(), r.value().toUpperCase(java.util.Locale.ROOT)));
                }
                producer.sendOffsetsToTransaction(Map.of(in, new org.apache.kafka.clients.consumer.OffsetAndMetadata(
                        batch.get(batch.size() - 1).offset() + 1)), consumer.groupMetadata());
                if (commit) {
                    producer.commitTransaction();
                } else {
                    producer.abortTransaction();
                    try (Admin admin = dlog.admin()) {
                        assertThat(admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata()
                                .get(30, TimeUnit.SECONDS)).doesNotContainKey(in);
                    }
                    consumer.seek(in, 0);
                }
            }
        }

        // Then
        try (Admin admin = dlog.admin()) {
            assertThat(admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS)
                    .get(in).offset()).isEqualTo(10);
        }
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            expected.add("V" + i);
        }
        assertThat(readAll(dlog.bootstrapServers(), output, IsolationLevel.READ_COMMITTED)).containsExactlyElementsOf(expected);
    }

    @Test
    void shouldVerifyATxnOffsetCommitBelowV5WithTheTransactionCoordinator() throws Exception {
        // Given: a producer inside a transaction that has a data partition but not the group's offsets partition
        String topic = DLOG.newTopic(1);
        String group = "unverified-" + topic;
        String id = "tx-offsets-unverified";
        try (KafkaProducer<String, String> producer = transactional(id, Map.of());
             io.dlog.compat.badinput.RawConnection raw = io.dlog.compat.badinput.RawConnection.open(DLOG.broker().port());
             Admin admin = DLOG.admin()) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, 0, "k", "v")).get(30, TimeUnit.SECONDS);
            var description = admin.describeTransactions(List.of(id)).description(id).get(30, TimeUnit.SECONDS);

            // When: the producer's TxnOffsetCommit v3 and v4 come without AddOffsetsToTxn (KIP-890 part 1)
            // Then: refused as Kafka 4 refuses them (TRANSACTION_ABORTABLE from v4, INVALID_TXN_STATE below)
            var request = new org.apache.kafka.common.message.TxnOffsetCommitRequestData().setTransactionalId(id)
                    .setGroupId(group).setProducerId(description.producerId())
                    .setProducerEpoch((short) description.producerEpoch()).setGenerationId(-1).setMemberId("")
                    .setTopics(List.of(new org.apache.kafka.common.message.TxnOffsetCommitRequestData.TxnOffsetCommitRequestTopic()
                            .setName(topic).setPartitions(List.of(new org.apache.kafka.common.message.TxnOffsetCommitRequestData
                                    .TxnOffsetCommitRequestPartition().setPartitionIndex(0).setCommittedOffset(5)))));
            assertThat(txnOffsetCommitError(raw, (short) 3, request)).isEqualTo(org.apache.kafka.common.protocol.Errors.INVALID_TXN_STATE);
            assertThat(txnOffsetCommitError(raw, (short) 4, request))
                    .isEqualTo(org.apache.kafka.common.protocol.Errors.TRANSACTION_ABORTABLE);

            // And when the offsets partition joins the transaction (AddOffsetsToTxn), the same v4 is written
            short addVersion = 3;
            int added = raw.send(org.apache.kafka.common.protocol.ApiKeys.ADD_OFFSETS_TO_TXN, addVersion,
                    new org.apache.kafka.common.message.AddOffsetsToTxnRequestData().setTransactionalId(id)
                            .setProducerId(description.producerId()).setProducerEpoch((short) description.producerEpoch())
                            .setGroupId(group));
            assertThat(new org.apache.kafka.common.message.AddOffsetsToTxnResponseData(raw.receive(added,
                    org.apache.kafka.common.protocol.ApiKeys.ADD_OFFSETS_TO_TXN, addVersion), addVersion).errorCode())
                    .isZero();
            assertThat(txnOffsetCommitError(raw, (short) 4, request)).isEqualTo(org.apache.kafka.common.protocol.Errors.NONE);
            producer.commitTransaction();
            // The commit answers once PrepareCommit is written; until the marker lands, require_stable answers
            // UNSTABLE_OFFSET_COMMIT, which Kafka's Admin reports as no offset (it skips the partition): ask again.
            assertThat(stableOffset(admin, group, new TopicPartition(topic, 0))).isEqualTo(5);
        }
    }

    /** The group's committed offset of {@code tp} once no transaction holds it (require_stable), waiting up to 30 s. */
    private static long stableOffset(Admin admin, String group, TopicPartition tp) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            var offset = admin.listConsumerGroupOffsets(group,
                            new org.apache.kafka.clients.admin.ListConsumerGroupOffsetsOptions().requireStable(true))
                    .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS).get(tp);
            if (offset != null || System.nanoTime() > deadline) {
                assertThat(offset).as("committed offset of " + tp + " in " + group).isNotNull();
                return offset.offset();
            }
            Thread.sleep(20);
        }
    }

    private static org.apache.kafka.common.protocol.Errors txnOffsetCommitError(io.dlog.compat.badinput.RawConnection raw,
            short version, org.apache.kafka.common.message.TxnOffsetCommitRequestData request) throws Exception {
        var api = org.apache.kafka.common.protocol.ApiKeys.TXN_OFFSET_COMMIT;
        int correlationId = raw.send(api, version, request);
        var response = new org.apache.kafka.common.message.TxnOffsetCommitResponseData(raw.receive(correlationId, api, version),
                version);
        return org.apache.kafka.common.protocol.Errors.forCode(response.topics().get(0).partitions().get(0).errorCode());
    }

    @Test
    void shouldKeepTransactionStateInKafkasRecordSchemas() throws Exception {
        // Given
        String topic = DLOG.newTopic(1);
        long producerId;
        try (KafkaProducer<String, String> producer = transactional("tx-schema", Map.of())) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, 0, "k", "v")).get();
            producer.commitTransaction();
        }
        try (Admin admin = DLOG.admin()) {
            producerId = admin.describeTransactions(List.of("tx-schema")).description("tx-schema")
                    .get(30, TimeUnit.SECONDS).producerId();
        }

        // When __transaction_state is read with Kafka's own generated record classes
        List<org.apache.kafka.coordinator.transaction.generated.TransactionLogValue> values = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = Clients.bytesConsumer(DLOG.bootstrapServers(), Map.of())) {
            List<TopicPartition> partitions = new ArrayList<>();
            consumer.partitionsFor("__transaction_state").forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
            assertThat(partitions).hasSize(50);
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + Clients.WAIT.toNanos();
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp)) && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    java.nio.ByteBuffer key = java.nio.ByteBuffer.wrap(r.key());
                    var parsedKey = new org.apache.kafka.coordinator.transaction.generated.TransactionLogKey(
                            new org.apache.kafka.common.protocol.ByteBufferAccessor(key), key.getShort());
                    if (parsedKey.transactionalId().equals("tx-schema") && r.value() != null) {
                        java.nio.ByteBuffer value = java.nio.ByteBuffer.wrap(r.value());
                        values.add(new org.apache.kafka.coordinator.transaction.generated.TransactionLogValue(
                                new org.apache.kafka.common.protocol.ByteBufferAccessor(value), value.getShort()));
                    }
                }
            }
        }

        // Then: Empty, Ongoing with the partition, PrepareCommit, CompleteCommit (Kafka's status ids)
        assertThat(values).extracting(v -> (int) v.transactionStatus()).containsExactly(0, 1, 2, 4);
        assertThat(values).extracting(v -> v.producerId()).containsOnly(producerId);
        assertThat(values.get(1).transactionPartitions()).singleElement()
                .satisfies(p -> assertThat(p.topic()).isEqualTo(topic));
    }

    @Test
    void shouldRefuseATimeoutAboveTheBrokerMaximum() {
        try (KafkaProducer<String, String> producer = transactional("tx-too-long",
                Map.of(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 900_001))) {
            // the Java client reports INVALID_TRANSACTION_TIMEOUT as an unexpected error, against Kafka too
            assertThatThrownBy(producer::initTransactions).isInstanceOf(KafkaException.class)
                    .hasMessageContaining("transaction.max.timeout.ms");
        }
    }
}
