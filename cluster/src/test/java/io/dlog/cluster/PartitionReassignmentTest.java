package io.dlog.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.cluster.MetadataCommand.AlterPartition;
import io.dlog.cluster.MetadataCommand.AlterReassignment;
import io.dlog.cluster.MetadataCommand.CreateTopic;
import io.dlog.cluster.MetadataCommand.FenceBroker;
import io.dlog.cluster.MetadataCommand.RegisterBroker;
import io.dlog.cluster.internal.MetadataCodec;
import io.dlog.log.metadata.BrokerImage;
import io.dlog.log.metadata.MetadataException;
import io.dlog.log.metadata.MetadataException.Reason;
import io.dlog.log.metadata.MetadataImage;
import io.dlog.log.metadata.PartitionState;
import io.dlog.log.metadata.TopicImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Kafka's KRaft reassignment rules on the image: start, catch-up through AlterPartition, completion, cancel. */
class PartitionReassignmentTest {
    private static final List<BrokerImage.Endpoint> ENDPOINTS = List.of(new BrokerImage.Endpoint("PLAINTEXT", "127.0.0.1", 9092));
    private static final UUID ONE_ID = UUID.randomUUID();
    private static final UUID THREE_ID = UUID.randomUUID();

    private MetadataImage image = MetadataImage.EMPTY;
    private long index;

    private MetadataApplier.Applied apply(MetadataCommand command) {
        MetadataApplier.Applied applied = MetadataApplier.apply(image, command, ++index);
        image = applied.image();
        return applied;
    }

    private TopicImage topic(String name) {
        return image.topic(name).orElseThrow();
    }

    private Reason refusal(MetadataCommand command) {
        return apply(command).refusal().map(MetadataException::reason).orElse(null);
    }

    /** The leader's ISR change, at the state the image holds now. */
    private MetadataApplier.Applied isr(String name, Integer... members) {
        TopicImage t = topic(name);
        PartitionState s = t.state(0);
        return apply(new AlterPartition(name, t.topicId(), 0, s.leader(), s.leaderEpoch(), s.partitionEpoch(),
                Arrays.asList(members)));
    }

    @BeforeEach
    void fourBrokersAndTwoTopics() {
        for (int id = 1; id <= 4; id++) {
            apply(new RegisterBroker(id, 100 + id, ENDPOINTS, null));
        }
        assertThat(apply(new CreateTopic("one", ONE_ID, List.of(List.of(1)), Map.of())).refusal()).isEmpty();
        assertThat(apply(new CreateTopic("three", THREE_ID, List.of(List.of(1, 2, 3)), Map.of())).refusal()).isEmpty();
    }

    @Test
    void shouldGrowFromOneReplicaToThreeOnceTheAddedReplicasAreInSync() {
        assertThat(apply(new AlterReassignment("one", 0, List.of(1, 2, 3), true)).refusal()).isEmpty();
        assertThat(topic("one").replicas(0)).containsExactly(1, 2, 3);
        assertThat(topic("one").state(0).adding()).containsExactly(2, 3);
        assertThat(topic("one").state(0).isr()).containsExactly(1);

        isr("one", 1, 2);
        assertThat(topic("one").state(0).isReassigning()).isTrue();
        isr("one", 1, 2, 3);

        PartitionState done = topic("one").state(0);
        assertThat(done.isReassigning()).isFalse();
        assertThat(topic("one").replicas(0)).containsExactly(1, 2, 3);
        assertThat(done.leader()).isEqualTo(1);
        assertThat(done.leaderEpoch()).isZero();
    }

    @Test
    void shouldMoveTheLeaderToTheFirstTargetReplicaInSyncWhenItIsRemoved() {
        apply(new AlterReassignment("three", 0, List.of(2, 3, 4), true));
        assertThat(topic("three").replicas(0)).containsExactly(2, 3, 4, 1);
        assertThat(topic("three").state(0).adding()).containsExactly(4);
        assertThat(topic("three").state(0).removing()).containsExactly(1);
        assertThat(topic("three").state(0).leader()).isEqualTo(1); // leads until the move completes

        isr("three", 1, 2, 3, 4);

        PartitionState done = topic("three").state(0);
        assertThat(topic("three").replicas(0)).containsExactly(2, 3, 4);
        assertThat(done.isr()).containsExactly(2, 3, 4);
        assertThat(done.leader()).isEqualTo(2);
        assertThat(done.leaderEpoch()).isEqualTo(1);
        assertThat(done.isReassigning()).isFalse();
    }

    @Test
    void shouldCompleteAtOnceWhenTheTargetIsAlreadyInSync() {
        apply(new AlterReassignment("three", 0, List.of(3, 2, 1), true));
        assertThat(topic("three").replicas(0)).containsExactly(3, 2, 1);
        assertThat(topic("three").state(0).isReassigning()).isFalse();

        apply(new AlterReassignment("three", 0, List.of(2), true));
        assertThat(topic("three").replicas(0)).containsExactly(2);
        assertThat(topic("three").state(0).isr()).containsExactly(2);
        assertThat(topic("three").state(0).leader()).isEqualTo(2);
    }

    @Test
    void shouldNotCompleteWhileATargetReplicaIsFencedOutOfTheIsr() {
        apply(new AlterReassignment("three", 0, List.of(2, 3, 4), true));
        apply(new FenceBroker(4, 104));

        assertThat(isr("three", 1, 2, 3, 4).refusal().map(MetadataException::reason)).contains(Reason.INELIGIBLE_REPLICA);
        assertThat(topic("three").state(0).isReassigning()).isTrue();
        assertThat(topic("three").replicas(0)).containsExactly(2, 3, 4, 1);
    }

    @Test
    void shouldRevertToTheOriginalReplicasOnCancel() {
        apply(new AlterReassignment("three", 0, List.of(2, 3, 4), true));
        isr("three", 1, 2, 3); // 4 not yet in sync

        assertThat(apply(new AlterReassignment("three", 0, null, true)).refusal()).isEmpty();

        // Kafka's revert: the replica list minus the adding replicas, in its order during the move
        assertThat(topic("three").replicas(0)).containsExactly(2, 3, 1);
        assertThat(topic("three").state(0).isr()).containsExactly(1, 2, 3);
        assertThat(topic("three").state(0).isReassigning()).isFalse();
        assertThat(topic("three").state(0).leader()).isEqualTo(1);
        assertThat(refusal(new AlterReassignment("three", 0, null, true))).isEqualTo(Reason.NO_REASSIGNMENT_IN_PROGRESS);
    }

    @Test
    void shouldTakeTheCurrentReplicasAsTheStartOfANewReassignmentOverAnOngoingOne() {
        apply(new AlterReassignment("one", 0, List.of(1, 2), true));
        apply(new AlterReassignment("one", 0, List.of(1, 3), true));

        assertThat(topic("one").replicas(0)).containsExactly(1, 3, 2);
        assertThat(topic("one").state(0).adding()).containsExactly(3);
        assertThat(topic("one").state(0).removing()).containsExactly(2);
    }

    @Test
    void shouldRefuseBadTargetsWithKafkasErrors() {
        assertThat(refusal(new AlterReassignment("nope", 0, List.of(1), true))).isEqualTo(Reason.UNKNOWN_TOPIC);
        assertThat(refusal(new AlterReassignment("one", 1, List.of(1), true))).isEqualTo(Reason.UNKNOWN_TOPIC);
        assertThat(refusal(new AlterReassignment("one", 0, List.of(), true))).isEqualTo(Reason.INVALID_REPLICA_ASSIGNMENT);
        assertThat(refusal(new AlterReassignment("one", 0, List.of(1, 1), true))).isEqualTo(Reason.INVALID_REPLICA_ASSIGNMENT);
        assertThat(refusal(new AlterReassignment("one", 0, List.of(1, 9), true))).isEqualTo(Reason.INVALID_REPLICA_ASSIGNMENT);
        assertThat(refusal(new AlterReassignment("one", 0, List.of(1, 2), false))).isEqualTo(Reason.INVALID_REPLICATION_FACTOR);
        assertThat(refusal(new AlterReassignment("one", 0, List.of(2), false))).isNull();
        assertThat(topic("three").state(0).isReassigning()).isFalse();
    }

    @Test
    void shouldRoundTripAReassignmentInCommandsAndSnapshots() throws Exception {
        AlterReassignment start = new AlterReassignment("three", 0, List.of(2, 3, 4), false);
        AlterReassignment cancel = new AlterReassignment("three", 0, null, true);
        assertThat(MetadataCodec.decodeCommand(MetadataCodec.encode(start))).isEqualTo(start);
        assertThat(MetadataCodec.decodeCommand(MetadataCodec.encode(cancel))).isEqualTo(cancel);

        apply(start);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        MetadataCodec.writeImage(out, image);
        MetadataImage read = MetadataCodec.readImage(new ByteArrayInputStream(out.toByteArray()));

        assertThat(read).isEqualTo(image);
        assertThat(read.topic("three").orElseThrow().state(0).removing()).containsExactly(1);
    }

    @Test
    void shouldReadASnapshotOfTheFormatBeforeReassignmentsAsNoneInProgress() throws Exception {
        // Given a format-4 image whose one partition state ends with a recognisable partition epoch
        MetadataImage single = MetadataImage.EMPTY.withClusterId("c").withTopics(Map.of("old", new TopicImage("old",
                ONE_ID, 1, Map.of(), List.of(List.of(1)), List.of(new PartitionState(1, 3, List.of(1), 0x7A7A7A7A)))));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        MetadataCodec.writeImage(out, single);
        byte[] v4 = out.toByteArray();

        // When it is rewritten as format 3 wrote it: version byte 3, no adding/removing lists after the epoch
        int epochAt = indexOf(v4, new byte[] {0x7A, 0x7A, 0x7A, 0x7A, 0, 0, 0, 0, 0, 0, 0, 0});
        byte[] v3 = new byte[v4.length - 8];
        System.arraycopy(v4, 0, v3, 0, epochAt + 4);
        System.arraycopy(v4, epochAt + 12, v3, epochAt + 4, v4.length - epochAt - 12);
        v3[4] = 3; // after the 4-byte magic
        MetadataImage read = MetadataCodec.readImage(new ByteArrayInputStream(v3));

        // Then
        assertThat(read).isEqualTo(single);
        assertThat(read.topic("old").orElseThrow().state(0).isReassigning()).isFalse();
    }

    private static int indexOf(byte[] bytes, byte[] part) {
        for (int i = 0; i + part.length <= bytes.length; i++) {
            if (Arrays.equals(Arrays.copyOfRange(bytes, i, i + part.length), part)) {
                return i;
            }
        }
        throw new AssertionError("not found");
    }
}
