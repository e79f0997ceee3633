package io.dlog.kafka.share;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Message;
import org.apache.kafka.common.protocol.ObjectSerializationCache;
import org.apache.kafka.coordinator.group.generated.CoordinatorRecordType;
import org.apache.kafka.coordinator.group.generated.ShareGroupMetadataKey;
import org.apache.kafka.coordinator.group.generated.ShareGroupMetadataValue;
import org.apache.kafka.coordinator.group.generated.ShareGroupStatePartitionMetadataKey;
import org.apache.kafka.coordinator.group.generated.ShareGroupStatePartitionMetadataValue;
import org.junit.jupiter.api.Test;

/**
 * DLog's share group records in {@code __consumer_offsets} against Kafka 4.3.1's generated classes
 * (kafka-group-coordinator): what DLog writes, Kafka reads field for field; what Kafka writes, DLog reads.
 * Here rather than in the adapter, whose classpath has no Kafka server jars.
 */
class ShareGroupRecordsKafkaTest {
    private static final UUID ORDERS = UUID.fromString("6f1d0b6a-9c1e-4a52-b7f5-0b1d2c3e4f50");
    private static final UUID PAYMENTS = UUID.fromString("7a2e1c7b-0d2f-4b63-88a6-1c2d3e4f5a61");
    private static final Uuid KAFKA_ORDERS = new Uuid(ORDERS.getMostSignificantBits(), ORDERS.getLeastSignificantBits());
    private static final Uuid KAFKA_PAYMENTS = new Uuid(PAYMENTS.getMostSignificantBits(), PAYMENTS.getLeastSignificantBits());

    @Test
    void shouldUseKafkasRecordTypes() {
        assertThat(CoordinatorRecordType.SHARE_GROUP_METADATA.id()).isEqualTo(ShareGroupRecords.METADATA);
        assertThat(CoordinatorRecordType.SHARE_GROUP_STATE_PARTITION_METADATA.id())
                .isEqualTo(ShareGroupRecords.STATE_PARTITION_METADATA);
    }

    @Test
    void shouldWriteShareGroupMetadataKafkaReads() {
        ByteBuffer key = ByteBuffer.wrap(ShareGroupRecords.metadataKey("orders-queue"));
        assertThat(key.getShort()).isEqualTo(CoordinatorRecordType.SHARE_GROUP_METADATA.id());
        assertThat(new ShareGroupMetadataKey(new ByteBufferAccessor(key), (short) 0).groupId()).isEqualTo("orders-queue");
        assertThat(key.hasRemaining()).isFalse();

        ByteBuffer value = ByteBuffer.wrap(ShareGroupRecords.metadataValue(17));
        assertThat(value.getShort()).isZero();
        ShareGroupMetadataValue kafkaValue = new ShareGroupMetadataValue(new ByteBufferAccessor(value), (short) 0);
        assertThat(kafkaValue.epoch()).isEqualTo(17);
        assertThat(value.hasRemaining()).isFalse();
    }

    @Test
    void shouldWriteStatePartitionMetadataKafkaReads() {
        ByteBuffer key = ByteBuffer.wrap(ShareGroupRecords.statePartitionMetadataKey("orders-queue"));
        assertThat(key.getShort()).isEqualTo(CoordinatorRecordType.SHARE_GROUP_STATE_PARTITION_METADATA.id());
        assertThat(new ShareGroupStatePartitionMetadataKey(new ByteBufferAccessor(key), (short) 0).groupId())
                .isEqualTo("orders-queue");

        ByteBuffer value = ByteBuffer.wrap(ShareGroupRecords.statePartitionMetadataValue(new ShareGroupRecords.StatePartitions(
                Map.of(ORDERS, Set.of(3)), Map.of(ORDERS, Set.of(0, 1), PAYMENTS, Set.of(2)), Set.of()),
                id -> id.equals(ORDERS) ? "orders" : "payments"));
        assertThat(value.getShort()).isZero();
        ShareGroupStatePartitionMetadataValue kafkaValue =
                new ShareGroupStatePartitionMetadataValue(new ByteBufferAccessor(value), (short) 0);
        assertThat(value.hasRemaining()).isFalse();
        assertThat(kafkaValue.initializingTopics()).singleElement().satisfies(t -> {
            assertThat(t.topicId()).isEqualTo(KAFKA_ORDERS);
            assertThat(t.topicName()).isEqualTo("orders");
            assertThat(t.partitions()).containsExactly(3);
        });
        assertThat(kafkaValue.initializedTopics()).extracting(t -> t.topicId() + "/" + t.topicName() + "/" + t.partitions())
                .containsExactlyInAnyOrder(KAFKA_ORDERS + "/orders/[0, 1]", KAFKA_PAYMENTS + "/payments/[2]");
        assertThat(kafkaValue.deletingTopics()).isEmpty();
    }

    @Test
    void shouldReadWhatKafkaWrites() {
        ShareGroupRecords.Key key = ShareGroupRecords.readKey(prefixed(CoordinatorRecordType.SHARE_GROUP_METADATA.id(),
                new ShareGroupMetadataKey().setGroupId("orders-queue")));
        assertThat(key).isEqualTo(new ShareGroupRecords.Key(ShareGroupRecords.METADATA, "orders-queue"));
        assertThat(ShareGroupRecords.readMetadataEpoch(prefixed((short) 0,
                new ShareGroupMetadataValue().setEpoch(9).setMetadataHash(123456789L)))).isEqualTo(9);

        ShareGroupStatePartitionMetadataValue kafkaValue = new ShareGroupStatePartitionMetadataValue()
                .setInitializingTopics(List.of(new ShareGroupStatePartitionMetadataValue.TopicPartitionsInfo()
                        .setTopicId(KAFKA_PAYMENTS).setTopicName("payments").setPartitions(List.of(4, 5))))
                .setInitializedTopics(List.of(new ShareGroupStatePartitionMetadataValue.TopicPartitionsInfo()
                        .setTopicId(KAFKA_ORDERS).setTopicName("orders").setPartitions(List.of(0, 2))))
                .setDeletingTopics(List.of(new ShareGroupStatePartitionMetadataValue.TopicInfo()
                        .setTopicId(KAFKA_PAYMENTS).setTopicName("payments")));
        ShareGroupRecords.StatePartitions read = ShareGroupRecords.readStatePartitionMetadata(prefixed((short) 0, kafkaValue));
        assertThat(read).isEqualTo(new ShareGroupRecords.StatePartitions(Map.of(PAYMENTS, Set.of(4, 5)),
                Map.of(ORDERS, Set.of(0, 2)), Set.of(PAYMENTS)));
    }

    /** Kafka's layout: a version short (for keys, the record type), then the message at version 0. */
    private static ByteBuffer prefixed(short prefix, Message message) {
        ObjectSerializationCache cache = new ObjectSerializationCache();
        ByteBuffer buffer = ByteBuffer.allocate(2 + message.size(cache, (short) 0));
        buffer.putShort(prefix);
        message.write(new ByteBufferAccessor(buffer), cache, (short) 0);
        buffer.flip();
        return buffer;
    }
}
