package io.dlog.kafka.txn;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.log.TopicPartition;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Set;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.MessageUtil;
import org.apache.kafka.coordinator.transaction.generated.TransactionLogValue;
import org.junit.jupiter.api.Test;

/**
 * {@code __transaction_state} values in both versions Kafka 4.3.1 writes (v0, and the flexible v1 with its
 * tagged fields, written under transaction version 2), encoded by Kafka's own generated class, are read
 * by DLog's coordinator; and what DLog writes, Kafka's class reads. Here rather than in the adapter
 * because Kafka's coordinator classes (kafka_2.13) are on this module's test classpath only.
 */
class TxnRecordsKafkaVersionsTest {

    private static TransactionLogValue kafkaValue() {
        return new TransactionLogValue().setProducerId(4711).setProducerEpoch((short) 7).setTransactionTimeoutMs(60_000)
                .setTransactionStatus(TxnState.ONGOING.id()).setTransactionLastUpdateTimestampMs(1_700_000_000_123L)
                .setTransactionStartTimestampMs(1_700_000_000_100L)
                .setTransactionPartitions(List.of(
                        new TransactionLogValue.PartitionsSchema().setTopic("orders").setPartitionIds(List.of(0, 2)),
                        new TransactionLogValue.PartitionsSchema().setTopic("__consumer_offsets").setPartitionIds(List.of(17))));
    }

    @Test
    void shouldReadTheValueVersionsKafkaWrites() {
        for (short version = 0; version <= 1; version++) {
            TransactionLogValue written = kafkaValue();
            if (version == 1) { // the tagged fields Kafka sets under transaction version 2
                written.setPreviousProducerId(4700).setNextProducerId(4712).setNextProducerEpoch((short) 0)
                        .setClientTransactionVersion((short) 2);
            }
            ByteBuffer bytes = ByteBuffer.wrap(MessageUtil.toVersionPrefixedBytes(version, written));

            TxnMetadata read = TxnRecords.readValue("tx", bytes);

            assertThat(read).as("value v%d", version).isNotNull();
            assertThat(read.producerId()).isEqualTo(4711);
            assertThat(read.producerEpoch()).isEqualTo((short) 7);
            assertThat(read.timeoutMs()).isEqualTo(60_000);
            assertThat(read.state()).isEqualTo(TxnState.ONGOING);
            assertThat(read.partitions()).isEqualTo(Set.of(new TopicPartition("orders", 0), new TopicPartition("orders", 2),
                    new TopicPartition("__consumer_offsets", 17)));
            assertThat(read.lastUpdateTimestamp()).isEqualTo(1_700_000_000_123L);
            assertThat(read.startTimestamp()).isEqualTo(1_700_000_000_100L);
        }
    }

    @Test
    void shouldReadAnEmptyTransactionOfEitherVersion() {
        for (short version = 0; version <= 1; version++) {
            TransactionLogValue written = kafkaValue().setTransactionStatus(TxnState.COMPLETE_COMMIT.id())
                    .setTransactionPartitions(null);
            TxnMetadata read = TxnRecords.readValue("tx", ByteBuffer.wrap(MessageUtil.toVersionPrefixedBytes(version, written)));
            assertThat(read.state()).isEqualTo(TxnState.COMPLETE_COMMIT);
            assertThat(read.partitions()).isEmpty();
        }
    }

    @Test
    void shouldSkipAValueOfAnUnknownVersionOrCutShort() {
        byte[] v1 = MessageUtil.toVersionPrefixedBytes((short) 1, kafkaValue());
        assertThat(TxnRecords.readValue("tx", ByteBuffer.wrap(v1, 0, v1.length - 9))).isNull();
        ByteBuffer v2 = ByteBuffer.wrap(v1.clone()).putShort(0, (short) 2);
        assertThat(TxnRecords.readValue("tx", v2)).isNull();
    }

    @Test
    void shouldWriteWhatKafkasClassReads() {
        TxnMetadata m = new TxnMetadata("tx", 4711, (short) 7, (short) 6, 60_000, TxnState.PREPARE_COMMIT,
                Set.of(new TopicPartition("orders", 1)), 1_700_000_000_100L, 1_700_000_000_123L);
        ByteBuffer bytes = ByteBuffer.wrap(TxnRecords.value(m));
        short version = bytes.getShort();

        TransactionLogValue read = new TransactionLogValue(new ByteBufferAccessor(bytes), version);

        assertThat(read.producerId()).isEqualTo(4711);
        assertThat(read.transactionStatus()).isEqualTo(TxnState.PREPARE_COMMIT.id());
        assertThat(read.transactionPartitions()).singleElement()
                .satisfies(p -> assertThat(p.partitionIds()).containsExactly(1));
    }
}
