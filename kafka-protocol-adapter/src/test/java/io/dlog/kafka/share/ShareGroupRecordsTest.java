package io.dlog.kafka.share;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The share group records DLog writes to {@code __consumer_offsets} read back as written, with Kafka's record
 * types and sizes (compat-tests' ShareGroupRecordsKafkaTest checks them against Kafka's own classes).
 */
class ShareGroupRecordsTest {
    private static final UUID ORDERS = UUID.fromString("0b5a7d0e-2f0c-4c7e-9a51-6c1d2e3f4a5b");
    private static final UUID PAYMENTS = UUID.fromString("1c6b8e1f-3a1d-4d8f-8b62-7d2e3f4a5b6c");
    private static final UUID GONE = UUID.fromString("2d7c9f2a-4b2e-4e9a-9c73-8e3f4a5b6c7d");

    @Test
    void shouldReadBackAGroupsEpochUnderKafkasShareGroupMetadataType() {
        ByteBuffer key = ByteBuffer.wrap(ShareGroupRecords.metadataKey("queue"));
        ShareGroupRecords.Key read = ShareGroupRecords.readKey(key);
        assertThat(read).isEqualTo(new ShareGroupRecords.Key((short) 11, "queue"));
        assertThat(key.hasRemaining()).isFalse();

        byte[] value = ShareGroupRecords.metadataValue(42, -7_123_456_789L);
        assertThat(value).hasSize(2 + 4 + 8 + 1); // version, epoch, metadata hash, no tagged fields
        assertThat(ShareGroupRecords.readMetadataEpoch(ByteBuffer.wrap(value))).isEqualTo(42);
        assertThat(ShareGroupRecords.readMetadataHash(ByteBuffer.wrap(value))).isEqualTo(-7_123_456_789L);
    }

    @Test
    void shouldReadBackAMemberUnderKafkasMemberMetadataType() {
        ShareGroupRecords.Key key = ShareGroupRecords.readKey(ByteBuffer.wrap(
                ShareGroupRecords.memberKey(ShareGroupRecords.MEMBER_METADATA, "queue", "m-1")));
        assertThat(key).isEqualTo(new ShareGroupRecords.Key((short) 10, "queue", "m-1"));

        for (String rack : new String[] {null, "rack-a"}) {
            ShareGroupRecords.MemberMetadata member = new ShareGroupRecords.MemberMetadata(rack, "client-1", "/127.0.0.1",
                    List.of("orders", "payments"));
            assertThat(ShareGroupRecords.readMemberMetadata(ByteBuffer.wrap(ShareGroupRecords.memberMetadataValue(member))))
                    .isEqualTo(member);
        }
    }

    @Test
    void shouldReadBackTheTargetAssignmentUnderKafkasTypes() {
        assertThat(ShareGroupRecords.readKey(ByteBuffer.wrap(ShareGroupRecords.targetMetadataKey("queue"))))
                .isEqualTo(new ShareGroupRecords.Key((short) 12, "queue"));
        assertThat(ShareGroupRecords.readKey(ByteBuffer.wrap(
                ShareGroupRecords.memberKey(ShareGroupRecords.TARGET_ASSIGNMENT_MEMBER, "queue", "m-1"))))
                .isEqualTo(new ShareGroupRecords.Key((short) 13, "queue", "m-1"));

        ShareGroupRecords.TargetMetadata stamped = new ShareGroupRecords.TargetMetadata(9, 1_764_590_000_123L);
        assertThat(ShareGroupRecords.readTargetMetadata(ByteBuffer.wrap(ShareGroupRecords.targetMetadataValue(stamped))))
                .isEqualTo(stamped);
        byte[] unstamped = ShareGroupRecords.targetMetadataValue(new ShareGroupRecords.TargetMetadata(9, 0));
        assertThat(unstamped).hasSize(2 + 4 + 1); // a timestamp of 0 is left out, as Kafka's tagged default
        assertThat(ShareGroupRecords.readTargetMetadata(ByteBuffer.wrap(unstamped)))
                .isEqualTo(new ShareGroupRecords.TargetMetadata(9, 0));

        Map<UUID, Set<Integer>> target = Map.of(ORDERS, Set.of(0, 2), PAYMENTS, Set.of(1));
        assertThat(ShareGroupRecords.readTargetMember(ByteBuffer.wrap(ShareGroupRecords.targetMemberValue(target))))
                .isEqualTo(target);
        assertThat(ShareGroupRecords.readTargetMember(ByteBuffer.wrap(ShareGroupRecords.targetMemberValue(Map.of()))))
                .isEmpty();
    }

    @Test
    void shouldReadBackACurrentAssignmentUnderKafkasType() {
        assertThat(ShareGroupRecords.readKey(ByteBuffer.wrap(
                ShareGroupRecords.memberKey(ShareGroupRecords.CURRENT_MEMBER_ASSIGNMENT, "queue", "m-1"))))
                .isEqualTo(new ShareGroupRecords.Key((short) 14, "queue", "m-1"));
        ShareGroupRecords.CurrentAssignment current = new ShareGroupRecords.CurrentAssignment(7, 5,
                Map.of(ORDERS, Set.of(1)));
        assertThat(ShareGroupRecords.readCurrentAssignment(ByteBuffer.wrap(ShareGroupRecords.currentAssignmentValue(current))))
                .isEqualTo(current);
    }

    @Test
    void shouldReadBackTheSharePartitionsByStateUnderKafkasStatePartitionMetadataType() {
        ShareGroupRecords.StatePartitions written = new ShareGroupRecords.StatePartitions(
                Map.of(ORDERS, Set.of(2, 0)), Map.of(ORDERS, Set.of(1), PAYMENTS, Set.of(0, 1, 2)), Set.of(GONE));

        ShareGroupRecords.Key key = ShareGroupRecords.readKey(ByteBuffer.wrap(ShareGroupRecords.statePartitionMetadataKey("queue")));
        ShareGroupRecords.StatePartitions read = ShareGroupRecords.readStatePartitionMetadata(ByteBuffer.wrap(
                ShareGroupRecords.statePartitionMetadataValue(written, id -> id.equals(ORDERS) ? "orders" : "other")));

        assertThat(key).isEqualTo(new ShareGroupRecords.Key((short) 15, "queue"));
        assertThat(read).isEqualTo(written);
    }

    @Test
    void shouldReadAnEmptyStatePartitionMetadata() {
        byte[] value = ShareGroupRecords.statePartitionMetadataValue(ShareGroupRecords.StatePartitions.EMPTY, id -> "");
        assertThat(value).hasSize(2 + 1 + 1 + 1 + 1); // version, three empty compact arrays, no tagged fields
        assertThat(ShareGroupRecords.readStatePartitionMetadata(ByteBuffer.wrap(value)))
                .isEqualTo(ShareGroupRecords.StatePartitions.EMPTY);
    }

    @Test
    void shouldLeaveTheGroupCoordinatorsOwnRecordTypesAlone() {
        // DLog's offset commit (type 0) and group (type 1) keys: short type, then its own length-prefixed strings
        for (short type : new short[] {0, 1, 16, 17}) {
            ByteBuffer key = ByteBuffer.allocate(2 + 4 + 1).putShort(type).putInt(1).put((byte) 'g');
            key.flip();
            assertThat(ShareGroupRecords.readKey(key)).as("type " + type).isNull();
        }
    }
}
