package io.dlog.kafka.share;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.MessageUtil;
import org.apache.kafka.coordinator.share.generated.ShareSnapshotKey;
import org.apache.kafka.coordinator.share.generated.ShareSnapshotValue;
import org.apache.kafka.coordinator.share.generated.ShareUpdateKey;
import org.apache.kafka.coordinator.share.generated.ShareUpdateValue;
import org.junit.jupiter.api.Test;

/**
 * DLog's {@code __share_group_state} records against Kafka 4.3.1's generated ShareSnapshot/ShareUpdate classes
 * (kafka-share-coordinator): what DLog writes, Kafka reads field for field; what Kafka writes (snapshots and
 * updates), DLog reads. Here rather than in the adapter, whose classpath has no Kafka server jars.
 */
class ShareStateRecordsKafkaTest {
    private static final UUID TOPIC = UUID.fromString("6f1d0b6a-9c1e-4a52-b7f5-0b1d2c3e4f50");
    private static final SharePartitionKey KEY = new SharePartitionKey("orders-group", TOPIC, 3);
    private static final Uuid KAFKA_TOPIC = new Uuid(TOPIC.getMostSignificantBits(), TOPIC.getLeastSignificantBits());

    @Test
    void shouldWriteSnapshotsKafkasShareCoordinatorReads() {
        ShareStateRecords.ShareState state = new ShareStateRecords.ShareState(4, 2, 7, 100, 1_700_000_000_000L, List.of(
                new SharePartition.StateBatch(100, 104, SharePartition.State.AVAILABLE.id, (short) 1),
                new SharePartition.StateBatch(105, 105, SharePartition.State.ARCHIVED.id, (short) 5),
                new SharePartition.StateBatch(106, 110, SharePartition.State.ACKNOWLEDGED.id, (short) 1)));

        ByteBuffer key = ByteBuffer.wrap(ShareStateRecords.snapshotKey(KEY));
        assertThat(key.getShort()).isEqualTo((short) 0); // ShareSnapshot's record type
        ShareSnapshotKey kafkaKey = new ShareSnapshotKey(new ByteBufferAccessor(key), (short) 0);
        assertThat(kafkaKey.groupId()).isEqualTo("orders-group");
        assertThat(kafkaKey.topicId()).isEqualTo(KAFKA_TOPIC);
        assertThat(kafkaKey.partition()).isEqualTo(3);

        ByteBuffer value = ByteBuffer.wrap(ShareStateRecords.snapshotValue(state, 1_700_000_000_500L));
        assertThat(value.getShort()).isEqualTo((short) 0);
        ShareSnapshotValue kafkaValue = new ShareSnapshotValue(new ByteBufferAccessor(value), (short) 0);
        assertThat(kafkaValue.snapshotEpoch()).isEqualTo(4);
        assertThat(kafkaValue.stateEpoch()).isEqualTo(2);
        assertThat(kafkaValue.leaderEpoch()).isEqualTo(7);
        assertThat(kafkaValue.startOffset()).isEqualTo(100);
        assertThat(kafkaValue.createTimestamp()).isEqualTo(1_700_000_000_000L);
        assertThat(kafkaValue.writeTimestamp()).isEqualTo(1_700_000_000_500L);
        assertThat(kafkaValue.stateBatches()).extracting(b -> List.of(b.firstOffset(), b.lastOffset(), (long) b.deliveryState(),
                (long) b.deliveryCount())).containsExactly(List.of(100L, 104L, 0L, 1L), List.of(105L, 105L, 4L, 5L),
                List.of(106L, 110L, 2L, 1L));
        assertThat(value.hasRemaining()).isFalse();
    }

    @Test
    void shouldReadKafkasSnapshotsAndUpdates() {
        ShareSnapshotKey kafkaKey = new ShareSnapshotKey().setGroupId("orders-group").setTopicId(KAFKA_TOPIC).setPartition(3);
        ShareStateRecords.Key key = ShareStateRecords.readKey(ByteBuffer.wrap(MessageUtil.toVersionPrefixedBytes((short) 0,
                kafkaKey)));
        assertThat(key.type()).isEqualTo(ShareStateRecords.SNAPSHOT);
        assertThat(key.partition()).isEqualTo(KEY);
        ShareStateRecords.Key updateKey = ShareStateRecords.readKey(ByteBuffer.wrap(MessageUtil.toVersionPrefixedBytes((short) 1,
                new ShareUpdateKey().setGroupId("orders-group").setTopicId(KAFKA_TOPIC).setPartition(3))));
        assertThat(updateKey.type()).isEqualTo(ShareStateRecords.UPDATE);

        ShareSnapshotValue snapshot = new ShareSnapshotValue().setSnapshotEpoch(1).setStateEpoch(3).setLeaderEpoch(2)
                .setStartOffset(10).setCreateTimestamp(5).setWriteTimestamp(6).setStateBatches(List.of(
                        new ShareSnapshotValue.StateBatch().setFirstOffset(10).setLastOffset(14).setDeliveryState((byte) 0)
                                .setDeliveryCount((short) 2)));
        ShareStateRecords.ShareState read = ShareStateRecords.readSnapshot(ByteBuffer.wrap(
                MessageUtil.toVersionPrefixedBytes((short) 0, snapshot)));
        assertThat(read.stateEpoch()).isEqualTo(3);
        assertThat(read.startOffset()).isEqualTo(10);
        assertThat(read.batches()).containsExactly(new SharePartition.StateBatch(10, 14, (byte) 0, (short) 2));

        // An update moves the start offset to 12 and acknowledges 12-13: 14 stays available with its count.
        ShareUpdateValue update = new ShareUpdateValue().setSnapshotEpoch(1).setLeaderEpoch(2).setStartOffset(12)
                .setStateBatches(List.of(new ShareUpdateValue.StateBatch().setFirstOffset(12).setLastOffset(13)
                        .setDeliveryState((byte) 2).setDeliveryCount((short) 3)));
        ShareStateRecords.ShareState merged = ShareStateRecords.applyUpdate(read, ByteBuffer.wrap(
                MessageUtil.toVersionPrefixedBytes((short) 0, update)));
        assertThat(merged.startOffset()).isEqualTo(12);
        // neighbouring offsets of one state and count are one batch again, as Kafka's batch combiner leaves them
        assertThat(merged.batches()).containsExactly(new SharePartition.StateBatch(12, 13, (byte) 2, (short) 3),
                new SharePartition.StateBatch(14, 14, (byte) 0, (short) 2));
    }
}
