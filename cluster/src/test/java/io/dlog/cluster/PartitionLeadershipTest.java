package io.dlog.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.cluster.MetadataCommand.AlterPartition;
import io.dlog.cluster.MetadataCommand.BrokerHeartbeat;
import io.dlog.cluster.MetadataCommand.CreateTopic;
import io.dlog.cluster.MetadataCommand.ElectLeader;
import io.dlog.cluster.MetadataCommand.FenceBroker;
import io.dlog.cluster.MetadataCommand.RegisterBroker;
import io.dlog.log.metadata.BrokerImage;
import io.dlog.log.metadata.MetadataException.Reason;
import io.dlog.log.metadata.MetadataImage;
import io.dlog.log.metadata.PartitionState;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class PartitionLeadershipTest {
    private static final List<BrokerImage.Endpoint> ENDPOINTS = List.of(new BrokerImage.Endpoint("PLAINTEXT", "127.0.0.1", 9092));
    private static final UUID TOPIC_ID = UUID.randomUUID();

    private MetadataImage image = MetadataImage.EMPTY;
    private long index;

    private MetadataApplier.Applied apply(MetadataCommand command) {
        MetadataApplier.Applied applied = MetadataApplier.apply(image, command, ++index);
        image = applied.image();
        return applied;
    }

    private PartitionState state() {
        return image.topic("t").orElseThrow().state(0);
    }

    @BeforeEach
    void threeBrokersAndATopic() {
        for (int id = 1; id <= 3; id++) {
            apply(new RegisterBroker(id, 100 + id, ENDPOINTS, null));
        }
        assertThat(apply(new CreateTopic("t", TOPIC_ID, List.of(List.of(1, 2, 3)), Map.of())).refusal()).isEmpty();
    }

    @Test
    void shouldStartWithThePreferredReplicaLeadingAndAllLiveReplicasInSync() {
        assertThat(state()).isEqualTo(new PartitionState(1, 0, List.of(1, 2, 3), 0));
    }

    @Test
    void shouldMoveLeadershipWithinTheIsrWhenTheLeaderIsFencedAndBumpTheEpoch() {
        apply(new FenceBroker(1, 101));

        assertThat(state()).isEqualTo(new PartitionState(2, 1, List.of(2, 3), 1));
    }

    @Test
    void shouldKeepTheLastIsrMemberAndGoOfflineThenLetItLeadWhenItReturns() {
        apply(new FenceBroker(1, 101));
        apply(new FenceBroker(2, 102));
        apply(new FenceBroker(3, 103));
        assertThat(state().leader()).isEqualTo(PartitionState.NO_LEADER);
        assertThat(state().isr()).containsExactly(3);

        apply(new BrokerHeartbeat(1, 101)); // not in sync: may not lead
        assertThat(state().leader()).isEqualTo(PartitionState.NO_LEADER);
        apply(new BrokerHeartbeat(3, 103));
        assertThat(state().leader()).isEqualTo(3);
    }

    @Test
    void shouldTreatARestartedIncarnationAsGoneThenBack() {
        apply(new RegisterBroker(1, 999, ENDPOINTS, null));

        assertThat(state().leader()).isEqualTo(2);
        assertThat(state().isr()).containsExactly(2, 3);
    }

    @Test
    void shouldAcceptIsrChangesOnlyFromTheCurrentLeaderAtTheCurrentPartitionEpoch() {
        PartitionState s = state();
        assertThat(apply(new AlterPartition("t", TOPIC_ID, 0, 2, s.leaderEpoch(), s.partitionEpoch(), List.of(2))).refusal())
                .hasValueSatisfying(e -> assertThat(e.reason()).isEqualTo(Reason.FENCED_LEADER_EPOCH));
        assertThat(apply(new AlterPartition("t", TOPIC_ID, 0, 1, s.leaderEpoch(), s.partitionEpoch() + 5, List.of(1))).refusal())
                .hasValueSatisfying(e -> assertThat(e.reason()).isEqualTo(Reason.INVALID_UPDATE_VERSION));

        assertThat(apply(new AlterPartition("t", TOPIC_ID, 0, 1, s.leaderEpoch(), s.partitionEpoch(), List.of(1, 3))).refusal()).isEmpty();
        assertThat(state().isr()).containsExactly(1, 3);
        assertThat(state().partitionEpoch()).isEqualTo(s.partitionEpoch() + 1);
    }

    @Test
    void shouldRefuseAddingAFencedReplicaToTheIsr() {
        PartitionState s = state();
        apply(new AlterPartition("t", TOPIC_ID, 0, 1, s.leaderEpoch(), s.partitionEpoch(), List.of(1, 3)));
        apply(new FenceBroker(2, 102));
        PartitionState now = state();

        assertThat(apply(new AlterPartition("t", TOPIC_ID, 0, 1, now.leaderEpoch(), now.partitionEpoch(), List.of(1, 2, 3)))
                .refusal()).hasValueSatisfying(e -> assertThat(e.reason()).isEqualTo(Reason.INELIGIBLE_REPLICA));
    }

    @Test
    void shouldElectThePreferredReplicaBackOnlyWhenLiveAndInSync() {
        apply(new FenceBroker(1, 101));
        assertThat(apply(new ElectLeader("t", 0, 1, false)).refusal())
                .hasValueSatisfying(e -> assertThat(e.reason()).isEqualTo(Reason.PREFERRED_LEADER_NOT_AVAILABLE));
        apply(new BrokerHeartbeat(1, 101));
        PartitionState s = state();
        apply(new AlterPartition("t", TOPIC_ID, 0, s.leader(), s.leaderEpoch(), s.partitionEpoch(), List.of(2, 3, 1)));

        assertThat(apply(new ElectLeader("t", 0, 1, false)).refusal()).isEmpty();
        assertThat(state().leader()).isEqualTo(1);
        assertThat(apply(new ElectLeader("t", 0, 1, false)).refusal())
                .hasValueSatisfying(e -> assertThat(e.reason()).isEqualTo(Reason.ELECTION_NOT_NEEDED));
    }

    @Test
    void shouldRaiseTheLeaderEpochOnlyForTheCurrentLeaderAndNeverLowerIt() {
        PartitionState s = state();
        assertThat(apply(new MetadataCommand.RaiseLeaderEpoch("t", 0, 2, s.leaderEpoch(), 10)).refusal())
                .hasValueSatisfying(e -> assertThat(e.reason()).isEqualTo(Reason.FENCED_LEADER_EPOCH));

        assertThat(apply(new MetadataCommand.RaiseLeaderEpoch("t", 0, 1, s.leaderEpoch(), 10)).refusal()).isEmpty();
        assertThat(state().leaderEpoch()).isEqualTo(10);
        assertThat(state().leader()).isEqualTo(1);
        apply(new MetadataCommand.RaiseLeaderEpoch("t", 0, 1, 10, 5));
        assertThat(state().leaderEpoch()).isEqualTo(10);
    }

    @Test
    void shouldElectAnyLiveReplicaOnlyUncleanly() {
        apply(new FenceBroker(1, 101));
        apply(new FenceBroker(2, 102));
        apply(new FenceBroker(3, 103));
        apply(new BrokerHeartbeat(1, 101));
        assertThat(state().leader()).isEqualTo(PartitionState.NO_LEADER);

        assertThat(apply(new ElectLeader("t", 0, -1, true)).refusal()).isEmpty();
        assertThat(state().leader()).isEqualTo(1);
        assertThat(state().isr()).containsExactly(1);
    }

    @Test
    void shouldElectALiveInSyncReplicaCleanlyEvenWhenAnUncleanElectionIsAsked() {
        apply(new FenceBroker(1, 101));
        apply(new FenceBroker(2, 102));
        apply(new FenceBroker(3, 103));
        apply(new BrokerHeartbeat(1, 101));
        // Given: 3, the last in-sync replica, live again but not leading yet: only a race reaches this, so built directly
        java.util.Map<Integer, BrokerImage> brokers = new java.util.HashMap<>(image.brokers());
        brokers.put(3, brokers.get(3).withFenced(false));
        image = image.withBrokers(brokers);

        assertThat(apply(new ElectLeader("t", 0, -1, true)).refusal()).isEmpty();
        assertThat(state().leader()).isEqualTo(3);
        assertThat(state().isr()).containsExactly(3);
    }

    @Test
    void shouldTakeANodeBackWithANewDataFolderOutOfEvenTheIsrsItWasTheLastMemberOf() {
        withDirectoryIds();
        apply(new FenceBroker(1, 101));
        apply(new FenceBroker(2, 102));
        apply(new FenceBroker(3, 103));
        assertThat(state().isr()).containsExactly(3);

        // When: node 3 starts again on a replaced (empty) data folder
        apply(new RegisterBroker(3, 303, ENDPOINTS, null, "d3-replaced"));

        // Then: it may not lead with an empty log: offline, no in-sync replica left, until an unclean election
        assertThat(state().leader()).isEqualTo(PartitionState.NO_LEADER);
        assertThat(state().isr()).isEmpty();
        assertThat(image.brokers().get(3).directoryId()).isEqualTo("d3-replaced");
        assertThat(apply(new ElectLeader("t", 0, -1, true)).refusal()).isEmpty();
        assertThat(state().leader()).isEqualTo(3);
        assertThat(state().isr()).containsExactly(3);
    }

    @Test
    void shouldLetANodeBackWithItsOwnFolderLeadWhatItWasTheLastInSyncReplicaOf() {
        withDirectoryIds();
        apply(new FenceBroker(1, 101));
        apply(new FenceBroker(2, 102));
        apply(new FenceBroker(3, 103));

        apply(new RegisterBroker(3, 303, ENDPOINTS, null, "d3"));

        assertThat(state().leader()).isEqualTo(3);
        assertThat(state().isr()).containsExactly(3);
    }

    @Test
    void shouldTreatARegistrationWithoutAFolderIdAsTheSameFolder() {
        withDirectoryIds();
        apply(new FenceBroker(1, 101));
        apply(new FenceBroker(2, 102));
        apply(new FenceBroker(3, 103));

        apply(new RegisterBroker(3, 303, ENDPOINTS, null)); // a node of a release that sends none

        assertThat(state().leader()).isEqualTo(3);
        assertThat(image.brokers().get(3).directoryId()).isEqualTo("d3");
    }

    @Test
    void shouldPreferAReplicaThatKeptItsFolderInAnUncleanElection() {
        withDirectoryIds();
        apply(new FenceBroker(2, 102));
        apply(new FenceBroker(3, 103));
        PartitionState s = state();
        assertThat(s.isr()).containsExactly(1);
        apply(new FenceBroker(1, 101)); // the last in-sync replica gone: offline, ISR [1]

        // When: node 2 (out of sync, its folder intact) and node 1 on a replaced folder come back; 1 is first in order
        apply(new RegisterBroker(1, 301, ENDPOINTS, null, "d1-replaced"));
        assertThat(state().emptied()).containsExactly(1);
        apply(new RegisterBroker(2, 302, ENDPOINTS, null, "d2"));
        assertThat(state().leader()).isEqualTo(PartitionState.NO_LEADER);
        assertThat(apply(new ElectLeader("t", 0, -1, true)).refusal()).isEmpty();

        // Then: 2 leads (it holds the records it had; 1 holds none), and 1 stays marked until it is in sync again
        assertThat(state().leader()).isEqualTo(2);
        assertThat(state().isr()).containsExactly(2);
        assertThat(state().emptied()).containsExactly(1);
        PartitionState now = state();
        apply(new AlterPartition("t", TOPIC_ID, 0, 2, now.leaderEpoch(), now.partitionEpoch(), List.of(2, 1)));
        assertThat(state().isr()).containsExactly(2, 1);
        assertThat(state().emptied()).isEmpty();
    }

    @Test
    void shouldStillElectAnEmptiedReplicaUncleanlyWhenNoOtherIsLive() {
        withDirectoryIds();
        apply(new FenceBroker(1, 101));
        apply(new FenceBroker(2, 102));
        apply(new FenceBroker(3, 103));
        apply(new RegisterBroker(3, 303, ENDPOINTS, null, "d3-replaced"));
        assertThat(state().emptied()).containsExactly(3);

        assertThat(apply(new ElectLeader("t", 0, -1, true)).refusal()).isEmpty();

        assertThat(state().leader()).isEqualTo(3);
        assertThat(state().emptied()).isEmpty(); // its log is the partition's now
    }

    @Test
    void shouldRefuseAnIsrChangeProposedBeforeTheAddedReplicaRestarted() {
        PartitionState s = state();
        apply(new AlterPartition("t", TOPIC_ID, 0, 1, s.leaderEpoch(), s.partitionEpoch(), List.of(1, 2)));
        PartitionState before = state(); // 3 out of sync; the leader then sees 3 caught up and proposes it back...

        // ...but 3 restarts (its unflushed tail maybe gone) and registers before that proposal commits
        apply(new RegisterBroker(3, 303, ENDPOINTS, null));

        assertThat(apply(new AlterPartition("t", TOPIC_ID, 0, 1, before.leaderEpoch(), before.partitionEpoch(),
                List.of(1, 2, 3))).refusal())
                .hasValueSatisfying(e -> assertThat(e.reason()).isEqualTo(Reason.INVALID_UPDATE_VERSION));
        assertThat(state().isr()).containsExactly(1, 2);
    }

    @Test
    void shouldKeepAReassignmentWhenTheLeaderEpochIsRaised() {
        apply(new RegisterBroker(4, 104, ENDPOINTS, null));
        assertThat(apply(new MetadataCommand.AlterReassignment("t", 0, List.of(1, 2, 4), true)).refusal()).isEmpty();
        PartitionState moving = state(); // 4 catching up: the move holds until it is in sync
        assertThat(moving.adding()).containsExactly(4);
        assertThat(moving.removing()).containsExactly(3);

        assertThat(apply(new MetadataCommand.RaiseLeaderEpoch("t", 0, 1, moving.leaderEpoch(), 10)).refusal()).isEmpty();

        assertThat(state().leaderEpoch()).isEqualTo(10);
        assertThat(state().adding()).containsExactly(4);
        assertThat(state().removing()).containsExactly(3);
        assertThat(state().isr()).isEqualTo(moving.isr());
    }

    /** The brokers of the set-up as if they had registered with folders d1, d2 and d3. */
    private void withDirectoryIds() {
        java.util.Map<Integer, BrokerImage> brokers = new java.util.HashMap<>(image.brokers());
        brokers.replaceAll((id, broker) -> broker.withDirectoryId("d" + id));
        image = image.withBrokers(brokers);
    }
}
