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
import org.apache.kafka.coordinator.group.generated.ShareGroupCurrentMemberAssignmentKey;
import org.apache.kafka.coordinator.group.generated.ShareGroupCurrentMemberAssignmentValue;
import org.apache.kafka.coordinator.group.generated.ShareGroupMemberMetadataKey;
import org.apache.kafka.coordinator.group.generated.ShareGroupMemberMetadataValue;
import org.apache.kafka.coordinator.group.generated.ShareGroupMetadataKey;
import org.apache.kafka.coordinator.group.generated.ShareGroupMetadataValue;
import org.apache.kafka.coordinator.group.generated.ShareGroupStatePartitionMetadataKey;
import org.apache.kafka.coordinator.group.generated.ShareGroupStatePartitionMetadataValue;
import org.apache.kafka.coordinator.group.generated.ShareGroupTargetAssignmentMemberKey;
import org.apache.kafka.coordinator.group.generated.ShareGroupTargetAssignmentMemberValue;
import org.apache.kafka.coordinator.group.generated.ShareGroupTargetAssignmentMetadataKey;
import org.apache.kafka.coordinator.group.generated.ShareGroupTargetAssignmentMetadataValue;
import org.apache.kafka.coordinator.group.modern.MemberState;
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
        assertThat(CoordinatorRecordType.SHARE_GROUP_MEMBER_METADATA.id()).isEqualTo(ShareGroupRecords.MEMBER_METADATA);
        assertThat(CoordinatorRecordType.SHARE_GROUP_TARGET_ASSIGNMENT_METADATA.id())
                .isEqualTo(ShareGroupRecords.TARGET_ASSIGNMENT_METADATA);
        assertThat(CoordinatorRecordType.SHARE_GROUP_TARGET_ASSIGNMENT_MEMBER.id())
                .isEqualTo(ShareGroupRecords.TARGET_ASSIGNMENT_MEMBER);
        assertThat(CoordinatorRecordType.SHARE_GROUP_CURRENT_MEMBER_ASSIGNMENT.id())
                .isEqualTo(ShareGroupRecords.CURRENT_MEMBER_ASSIGNMENT);
    }

    @Test
    void shouldWriteMemberRecordsKafkaReads() {
        for (short type : new short[] {ShareGroupRecords.MEMBER_METADATA, ShareGroupRecords.TARGET_ASSIGNMENT_MEMBER,
                ShareGroupRecords.CURRENT_MEMBER_ASSIGNMENT}) {
            ByteBuffer key = ByteBuffer.wrap(ShareGroupRecords.memberKey(type, "orders-queue", "m-1"));
            assertThat(key.getShort()).isEqualTo(type);
            // Kafka's three member keys have one layout; each class reads it
            assertThat(new ShareGroupMemberMetadataKey(new ByteBufferAccessor(key.duplicate()), (short) 0))
                    .isEqualTo(new ShareGroupMemberMetadataKey().setGroupId("orders-queue").setMemberId("m-1"));
            assertThat(new ShareGroupTargetAssignmentMemberKey(new ByteBufferAccessor(key.duplicate()), (short) 0))
                    .isEqualTo(new ShareGroupTargetAssignmentMemberKey().setGroupId("orders-queue").setMemberId("m-1"));
            ShareGroupCurrentMemberAssignmentKey current = new ShareGroupCurrentMemberAssignmentKey(
                    new ByteBufferAccessor(key), (short) 0);
            assertThat(current).isEqualTo(new ShareGroupCurrentMemberAssignmentKey().setGroupId("orders-queue")
                    .setMemberId("m-1"));
            assertThat(key.hasRemaining()).isFalse();
        }
        ByteBuffer targetKey = ByteBuffer.wrap(ShareGroupRecords.targetMetadataKey("orders-queue"));
        assertThat(targetKey.getShort()).isEqualTo(CoordinatorRecordType.SHARE_GROUP_TARGET_ASSIGNMENT_METADATA.id());
        assertThat(new ShareGroupTargetAssignmentMetadataKey(new ByteBufferAccessor(targetKey), (short) 0).groupId())
                .isEqualTo("orders-queue");

        ShareGroupMemberMetadataValue member = read(ShareGroupRecords.memberMetadataValue(new ShareGroupRecords.MemberMetadata(
                null, "client-1", "/127.0.0.1", List.of("orders", "payments"))), ShareGroupMemberMetadataValue::new);
        assertThat(member).isEqualTo(new ShareGroupMemberMetadataValue().setRackId(null).setClientId("client-1")
                        .setClientHost("/127.0.0.1").setSubscribedTopicNames(List.of("orders", "payments")));
        ShareGroupTargetAssignmentMetadataValue target = read(ShareGroupRecords.targetMetadataValue(
                new ShareGroupRecords.TargetMetadata(12, 1_764_590_000_123L)), ShareGroupTargetAssignmentMetadataValue::new);
        assertThat(target).isEqualTo(new ShareGroupTargetAssignmentMetadataValue().setAssignmentEpoch(12)
                        .setAssignmentTimestamp(1_764_590_000_123L));
        assertThat(read(ShareGroupRecords.targetMemberValue(Map.of(ORDERS, Set.of(1, 0), PAYMENTS, Set.of(2))),
                ShareGroupTargetAssignmentMemberValue::new).topicPartitions())
                .extracting(t -> t.topicId() + "/" + t.partitions())
                .containsExactlyInAnyOrder(KAFKA_ORDERS + "/[0, 1]", KAFKA_PAYMENTS + "/[2]");
        ShareGroupCurrentMemberAssignmentValue current = read(ShareGroupRecords.currentAssignmentValue(
                new ShareGroupRecords.CurrentAssignment(12, 11, Map.of(ORDERS, Set.of(3)))),
                ShareGroupCurrentMemberAssignmentValue::new);
        assertThat(current.memberEpoch()).isEqualTo(12);
        assertThat(current.previousMemberEpoch()).isEqualTo(11);
        assertThat(current.state()).isEqualTo(MemberState.STABLE.value());
        assertThat(current.assignedPartitions()).singleElement().satisfies(t -> {
            assertThat(t.topicId()).isEqualTo(KAFKA_ORDERS);
            assertThat(t.partitions()).containsExactly(3);
        });
    }

    @Test
    void shouldReadMemberRecordsKafkaWrites() {
        ShareGroupRecords.Key key = ShareGroupRecords.readKey(prefixed(CoordinatorRecordType.SHARE_GROUP_MEMBER_METADATA.id(),
                new ShareGroupMemberMetadataKey().setGroupId("orders-queue").setMemberId("m-1")));
        assertThat(key).isEqualTo(new ShareGroupRecords.Key(ShareGroupRecords.MEMBER_METADATA, "orders-queue", "m-1"));
        assertThat(ShareGroupRecords.readKey(prefixed(CoordinatorRecordType.SHARE_GROUP_CURRENT_MEMBER_ASSIGNMENT.id(),
                new ShareGroupCurrentMemberAssignmentKey().setGroupId("orders-queue").setMemberId("m-2"))))
                .isEqualTo(new ShareGroupRecords.Key(ShareGroupRecords.CURRENT_MEMBER_ASSIGNMENT, "orders-queue", "m-2"));
        assertThat(ShareGroupRecords.readKey(prefixed(CoordinatorRecordType.SHARE_GROUP_TARGET_ASSIGNMENT_MEMBER.id(),
                new ShareGroupTargetAssignmentMemberKey().setGroupId("orders-queue").setMemberId("m-3"))))
                .isEqualTo(new ShareGroupRecords.Key(ShareGroupRecords.TARGET_ASSIGNMENT_MEMBER, "orders-queue", "m-3"));
        assertThat(ShareGroupRecords.readKey(prefixed(CoordinatorRecordType.SHARE_GROUP_TARGET_ASSIGNMENT_METADATA.id(),
                new ShareGroupTargetAssignmentMetadataKey().setGroupId("orders-queue"))))
                .isEqualTo(new ShareGroupRecords.Key(ShareGroupRecords.TARGET_ASSIGNMENT_METADATA, "orders-queue"));

        assertThat(ShareGroupRecords.readMemberMetadata(prefixed((short) 0, new ShareGroupMemberMetadataValue()
                .setRackId("rack-a").setClientId("c").setClientHost("/10.0.0.1").setSubscribedTopicNames(List.of("orders")))))
                .isEqualTo(new ShareGroupRecords.MemberMetadata("rack-a", "c", "/10.0.0.1", List.of("orders")));
        assertThat(ShareGroupRecords.readTargetMetadata(prefixed((short) 0, new ShareGroupTargetAssignmentMetadataValue()
                .setAssignmentEpoch(4).setAssignmentTimestamp(99L))))
                .isEqualTo(new ShareGroupRecords.TargetMetadata(4, 99L));
        assertThat(ShareGroupRecords.readTargetMember(prefixed((short) 0, new ShareGroupTargetAssignmentMemberValue()
                .setTopicPartitions(List.of(new ShareGroupTargetAssignmentMemberValue.TopicPartition()
                        .setTopicId(KAFKA_PAYMENTS).setPartitions(List.of(5, 4)))))))
                .isEqualTo(Map.of(PAYMENTS, Set.of(4, 5)));
        assertThat(ShareGroupRecords.readCurrentAssignment(prefixed((short) 0, new ShareGroupCurrentMemberAssignmentValue()
                .setMemberEpoch(8).setPreviousMemberEpoch(6).setState(MemberState.STABLE.value())
                .setAssignedPartitions(List.of(new ShareGroupCurrentMemberAssignmentValue.TopicPartitions()
                        .setTopicId(KAFKA_ORDERS).setPartitions(List.of(0)))))))
                .isEqualTo(new ShareGroupRecords.CurrentAssignment(8, 6, Map.of(ORDERS, Set.of(0))));
    }

    /** Reads a DLog value (version short, then the message) with Kafka's class, checking nothing is left over. */
    private static <T> T read(byte[] value, java.util.function.BiFunction<ByteBufferAccessor, Short, T> kafka) {
        ByteBuffer buffer = ByteBuffer.wrap(value);
        assertThat(buffer.getShort()).isZero();
        T read = kafka.apply(new ByteBufferAccessor(buffer), (short) 0);
        assertThat(buffer.hasRemaining()).isFalse();
        return read;
    }

    @Test
    void shouldWriteShareGroupMetadataKafkaReads() {
        ByteBuffer key = ByteBuffer.wrap(ShareGroupRecords.metadataKey("orders-queue"));
        assertThat(key.getShort()).isEqualTo(CoordinatorRecordType.SHARE_GROUP_METADATA.id());
        assertThat(new ShareGroupMetadataKey(new ByteBufferAccessor(key), (short) 0).groupId()).isEqualTo("orders-queue");
        assertThat(key.hasRemaining()).isFalse();

        ShareGroupMetadataValue kafkaValue = read(ShareGroupRecords.metadataValue(17, -42L), ShareGroupMetadataValue::new);
        assertThat(kafkaValue.epoch()).isEqualTo(17);
        assertThat(kafkaValue.metadataHash()).isEqualTo(-42L);
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
        assertThat(ShareGroupRecords.readMetadataHash(prefixed((short) 0,
                new ShareGroupMetadataValue().setEpoch(9).setMetadataHash(123456789L)))).isEqualTo(123456789L);

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
