package io.dlog.kafka.group;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.kafka.group.GroupTestSupport.ManualClock;
import io.dlog.kafka.group.GroupTestSupport.Topics;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor;
import org.apache.kafka.clients.consumer.internals.ConsumerProtocol;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.ConsumerGroupDescribeRequestData;
import org.apache.kafka.common.message.ConsumerGroupDescribeResponseData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatRequestData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatResponseData;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * KIP-848 online migration (Kafka's GroupMetadataManager: convertToConsumerGroup, classicGroup*ToConsumerGroup,
 * convertToClassicGroup): a KIP-848 member joining a classic group converts it; classic members go on with
 * JoinGroup/SyncGroup/Heartbeat inside the consumer group, the server assigning to them; the last KIP-848 member
 * leaving converts the group back. Simulated cooperative clients check that no partition is ever owned twice.
 */
class ConsumerGroupMigrationTest {
    private final ManualClock clock = new ManualClock();
    private final Topics topics = new Topics().with("orders", 4);
    private final InMemoryGroupStore store = new InMemoryGroupStore();
    private GroupCoordinator coordinator;

    @BeforeEach
    void setUp() throws Exception {
        coordinator = GroupTestSupport.loaded(GroupConfig.DEFAULTS.withInitialRebalanceDelayMs(0), topics, clock, store);
    }

    /** A cooperative classic consumer: rejoins when told, owning what it holds; takes what SyncGroup gives. */
    private final class ClassicClient {
        String memberId = "";
        int generation = -1;
        Set<Integer> owned = new TreeSet<>();

        JoinGroupResponseData join() {
            JoinGroupResponseData joined = coordinator.joinGroup((short) 3, "classic", "/127.0.0.1",
                    joinRequest(memberId, owned, generation)).join();
            if (joined.errorCode() == Errors.NONE.code()) {
                memberId = joined.memberId();
                generation = joined.generationId();
            }
            return joined;
        }

        SyncGroupResponseData sync(List<SyncGroupRequestData.SyncGroupRequestAssignment> assignments) {
            SyncGroupResponseData synced = coordinator.syncGroup(new SyncGroupRequestData().setGroupId("g")
                    .setMemberId(memberId).setGenerationId(generation).setProtocolType("consumer")
                    .setProtocolName("cooperative-sticky").setAssignments(assignments)).join();
            if (synced.errorCode() == Errors.NONE.code()) {
                owned = partitionsOf(synced.assignment());
            }
            return synced;
        }

        Errors heartbeat() {
            return Errors.forCode(coordinator.heartbeat(new HeartbeatRequestData().setGroupId("g").setMemberId(memberId)
                    .setGenerationId(generation)).errorCode());
        }

        /** One client poll: heartbeat, and rejoin and sync if told to. */
        void poll() {
            if (heartbeat() == Errors.REBALANCE_IN_PROGRESS) {
                assertThat(join().errorCode()).isEqualTo(Errors.NONE.code());
                sync(new ArrayList<>());
            }
        }
    }

    /** A KIP-848 consumer: heartbeats with what it owns, takes the assignment it is given. */
    private final class ConsumerClient {
        final String memberId;
        int epoch;
        Set<Integer> owned = new TreeSet<>();

        ConsumerClient(String memberId) {
            this.memberId = memberId;
        }

        ConsumerGroupHeartbeatResponseData poll() {
            ConsumerGroupHeartbeatRequestData request = new ConsumerGroupHeartbeatRequestData().setGroupId("g")
                    .setMemberId(memberId).setMemberEpoch(epoch).setRebalanceTimeoutMs(30_000)
                    .setTopicPartitions(new ArrayList<>());
            if (epoch == 0) {
                request.setSubscribedTopicNames(List.of("orders"));
            } else {
                request.setTopicPartitions(new ArrayList<>(List.of(new ConsumerGroupHeartbeatRequestData.TopicPartitions()
                        .setTopicId(topics.id("orders")).setPartitions(new ArrayList<>(owned)))));
            }
            ConsumerGroupHeartbeatResponseData response = coordinator.consumerGroupHeartbeat((short) 1, "kip848",
                    "/127.0.0.1", request).join();
            if (response.errorCode() == Errors.NONE.code()) {
                epoch = response.memberEpoch();
                Set<Integer> assigned = new TreeSet<>();
                response.assignment().topicPartitions().forEach(tp -> assigned.addAll(tp.partitions()));
                owned = assigned;
            }
            return response;
        }

        void leave() {
            coordinator.consumerGroupHeartbeat((short) 1, "kip848", "/127.0.0.1", new ConsumerGroupHeartbeatRequestData()
                    .setGroupId("g").setMemberId(memberId).setMemberEpoch(-1)).join();
            owned = new TreeSet<>();
        }
    }

    private JoinGroupRequestData joinRequest(String memberId, Set<Integer> owned, int generation) {
        List<TopicPartition> ownedPartitions = owned.stream().map(p -> new TopicPartition("orders", p)).toList();
        ByteBuffer metadata = ConsumerProtocol.serializeSubscription(new ConsumerPartitionAssignor.Subscription(
                List.of("orders"), null, ownedPartitions, generation, Optional.empty()));
        byte[] bytes = new byte[metadata.remaining()];
        metadata.get(bytes);
        JoinGroupRequestData request = new JoinGroupRequestData().setGroupId("g").setMemberId(memberId)
                .setProtocolType("consumer").setSessionTimeoutMs(10_000).setRebalanceTimeoutMs(30_000);
        request.protocols().add(new JoinGroupRequestData.JoinGroupRequestProtocol().setName("cooperative-sticky")
                .setMetadata(bytes));
        return request;
    }

    private static Set<Integer> partitionsOf(byte[] assignment) {
        Set<Integer> set = new TreeSet<>();
        if (assignment.length > 0) {
            ConsumerProtocol.deserializeAssignment(ByteBuffer.wrap(assignment)).partitions().forEach(tp -> set.add(tp.partition()));
        }
        return set;
    }

    private static byte[] assignment(Integer... partitions) {
        ByteBuffer buffer = ConsumerProtocol.serializeAssignment(new ConsumerPartitionAssignor.Assignment(
                java.util.Arrays.stream(partitions).map(p -> new TopicPartition("orders", p)).toList()));
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        return bytes;
    }

    /** Two classic members, Stable at generation 2: c1 holds 0 and 1, c2 holds 2 and 3. */
    private List<ClassicClient> stableClassicGroup() {
        ClassicClient c1 = new ClassicClient();
        assertThat(c1.join().generationId()).isEqualTo(1);
        c1.sync(List.of(new SyncGroupRequestData.SyncGroupRequestAssignment().setMemberId(c1.memberId)
                .setAssignment(assignment(0, 1, 2, 3))));
        ClassicClient c2 = new ClassicClient();
        var c2Join = coordinator.joinGroup((short) 3, "classic", "/127.0.0.1", joinRequest("", Set.of(), -1));
        assertThat(c1.heartbeat()).isEqualTo(Errors.REBALANCE_IN_PROGRESS);
        c1.join();
        JoinGroupResponseData c2Joined = c2Join.join();
        c2.memberId = c2Joined.memberId();
        c2.generation = c2Joined.generationId();
        assertThat(c2.generation).isEqualTo(2);
        c1.sync(List.of(new SyncGroupRequestData.SyncGroupRequestAssignment().setMemberId(c1.memberId)
                        .setAssignment(assignment(0, 1)),
                new SyncGroupRequestData.SyncGroupRequestAssignment().setMemberId(c2.memberId).setAssignment(assignment(2, 3))));
        c2.sync(new ArrayList<>());
        assertThat(c1.owned).containsExactly(0, 1);
        assertThat(c2.owned).containsExactly(2, 3);
        return List.of(c1, c2);
    }

    private ConsumerGroupDescribeResponseData.DescribedGroup describe() {
        return coordinator.consumerGroupDescribe(new ConsumerGroupDescribeRequestData().setGroupIds(List.of("g")))
                .groups().get(0);
    }

    private String groupType() {
        return coordinator.listGroups(new ListGroupsRequestData()).groups().stream()
                .filter(g -> g.groupId().equals("g")).findFirst().orElseThrow().groupType();
    }

    /** Polls every client in turn until the owned partitions stop changing; no partition is ever owned twice. */
    private void pollUntilSettled(List<ClassicClient> classic, List<ConsumerClient> consumers) {
        for (int round = 0; round < 20; round++) {
            for (ClassicClient c : classic) {
                c.poll();
                assertDisjoint(classic, consumers);
            }
            for (ConsumerClient c : consumers) {
                c.poll();
                assertDisjoint(classic, consumers);
            }
        }
    }

    private static void assertDisjoint(List<ClassicClient> classic, List<ConsumerClient> consumers) {
        Set<Integer> seen = new HashSet<>();
        for (ClassicClient c : classic) {
            for (int p : c.owned) {
                assertThat(seen.add(p)).as("partition %s owned twice", p).isTrue();
            }
        }
        for (ConsumerClient c : consumers) {
            for (int p : c.owned) {
                assertThat(seen.add(p)).as("partition %s owned twice", p).isTrue();
            }
        }
    }

    private static Set<Integer> union(List<ClassicClient> classic, List<ConsumerClient> consumers) {
        Set<Integer> all = new TreeSet<>();
        classic.forEach(c -> all.addAll(c.owned));
        consumers.forEach(c -> all.addAll(c.owned));
        return all;
    }

    @Test
    void shouldUpgradeAClassicGroupWhenAConsumerMemberJoinsAndMovePartitionsOnlyAfterRevocation() {
        // Given: a Stable classic group at generation 2
        List<ClassicClient> classic = stableClassicGroup();

        // When: a KIP-848 consumer joins
        ConsumerClient k1 = new ConsumerClient("k1");
        ConsumerGroupHeartbeatResponseData joined = k1.poll();

        // Then: the group is a consumer group at epoch 3 holding the classic members with their partitions
        assertThat(joined.errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(joined.memberEpoch()).isEqualTo(3);
        assertThat(k1.owned).isEmpty(); // everything is still held by the classic members
        assertThat(groupType()).isEqualTo("consumer");
        ConsumerGroupDescribeResponseData.DescribedGroup described = describe();
        assertThat(described.members()).extracting(m -> (int) m.memberType()).containsExactlyInAnyOrder(0, 0, 1);

        // And: classic members are told to rejoin, revoke by rejoining, and k1 gets its share without overlap
        pollUntilSettled(classic, List.of(k1));
        assertThat(union(classic, List.of(k1))).containsExactly(0, 1, 2, 3);
        assertThat(k1.owned).isNotEmpty();
        assertThat(classic.get(0).owned).isNotEmpty();
        assertThat(classic.get(1).owned).isNotEmpty();
        assertThat(describe().groupState()).isEqualTo("Stable");
        assertThat(classic.get(0).heartbeat()).isEqualTo(Errors.NONE);
    }

    @Test
    void shouldDowngradeWhenTheLastConsumerMemberLeavesAndRebalanceAsAClassicGroup() {
        // Given: a mixed group, settled
        List<ClassicClient> classic = stableClassicGroup();
        ConsumerClient k1 = new ConsumerClient("k1");
        k1.poll();
        pollUntilSettled(classic, List.of(k1));

        // When: the KIP-848 member leaves
        k1.leave();

        // Then: the group is classic again, rebalancing; the classic members rejoin and the leader assigns
        assertThat(groupType()).isEqualTo("classic");
        ClassicClient c1 = classic.get(0);
        ClassicClient c2 = classic.get(1);
        assertThat(c1.heartbeat()).isIn(Errors.REBALANCE_IN_PROGRESS, Errors.ILLEGAL_GENERATION);
        var c1Join = coordinator.joinGroup((short) 3, "classic", "/127.0.0.1", joinRequest(c1.memberId, c1.owned, c1.generation));
        JoinGroupResponseData c2Joined = c2.join();
        JoinGroupResponseData c1Joined = c1Join.join();
        assertThat(c1Joined.errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(c2Joined.errorCode()).isEqualTo(Errors.NONE.code());
        c1.generation = c1Joined.generationId();
        JoinGroupResponseData leader = c1Joined.leader().equals(c1.memberId) ? c1Joined : c2Joined;
        assertThat(leader.members()).hasSize(2); // the leader sees both members' subscriptions, as in any classic group
        assertThat(coordinator.listGroups(new ListGroupsRequestData()).groups().get(0).protocolType()).isEqualTo("consumer");
    }

    @Test
    void shouldLetAClassicMemberJoinAConsumerGroupAndDowngradeWhenTheConsumerMemberLeaves() {
        // Given: a KIP-848 group with one member holding everything
        ConsumerClient k1 = new ConsumerClient("k1");
        k1.poll();
        assertThat(k1.owned).containsExactly(0, 1, 2, 3);

        // When: a classic consumer joins (JoinGroup v3: no member id round trip)
        ClassicClient c1 = new ClassicClient();
        JoinGroupResponseData joined = c1.join();

        // Then: it is a classic member of the consumer group, answered with the epoch as generation, and no leader
        assertThat(joined.errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(joined.generationId()).isEqualTo(2);
        assertThat(joined.leader()).isEmpty();
        assertThat(joined.protocolName()).isEqualTo("cooperative-sticky");
        assertThat(c1.sync(new ArrayList<>()).errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(c1.owned).isEmpty(); // k1 has not revoked yet
        pollUntilSettled(List.of(c1), List.of(k1));
        assertThat(c1.owned).hasSize(2);
        assertThat(k1.owned).hasSize(2);

        // When: k1 leaves, the group goes back to classic
        k1.leave();
        assertThat(groupType()).isEqualTo("classic");
    }

    @Test
    void shouldKeepClassicMembersAcrossACoordinatorRestart() throws Exception {
        // Given: a mixed group
        List<ClassicClient> classic = stableClassicGroup();
        ConsumerClient k1 = new ConsumerClient("k1");
        k1.poll();
        pollUntilSettled(classic, List.of(k1));

        // When: the coordinator reloads from its log
        coordinator = GroupTestSupport.loaded(GroupConfig.DEFAULTS.withInitialRebalanceDelayMs(0), topics, clock, store);

        // Then: the classic members are still classic members, at the same generation
        assertThat(describe().members()).extracting(m -> (int) m.memberType()).containsExactlyInAnyOrder(0, 0, 1);
        assertThat(classic.get(0).heartbeat()).isEqualTo(Errors.NONE);
        SyncGroupResponseData synced = classic.get(1).sync(new ArrayList<>());
        assertThat(synced.errorCode()).isEqualTo(Errors.NONE.code());

        // And: the last KIP-848 member leaving still converts back
        k1.leave();
        assertThat(groupType()).isEqualTo("classic");
    }

    @Test
    void shouldFenceAClassicMemberThatDoesNotRejoinWithinItsRebalanceTimeout() {
        // Given: a mixed group where c1 is told to rejoin
        List<ClassicClient> classic = stableClassicGroup();
        ConsumerClient k1 = new ConsumerClient("k1");
        k1.poll();
        assertThat(classic.get(0).heartbeat()).isEqualTo(Errors.REBALANCE_IN_PROGRESS);

        // When: it does not rejoin within its rebalance timeout (keeping its session alive)
        for (int i = 0; i < 4; i++) {
            clock.advance(8_000);
            assertThat(classic.get(0).heartbeat()).isEqualTo(Errors.REBALANCE_IN_PROGRESS);
            classic.get(1).poll();
            k1.poll();
            coordinator.tick();
        }

        // Then: it is gone and its partitions are reassigned
        assertThat(classic.get(0).heartbeat()).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
        assertThat(describe().members()).hasSize(2);
    }

    @Test
    void shouldAnswerClassicMembersWithLeaveGroupAndGenerationChecks() {
        List<ClassicClient> classic = stableClassicGroup();
        ConsumerClient k1 = new ConsumerClient("k1");
        k1.poll();
        ClassicClient c1 = classic.get(0);

        // A stale generation is ILLEGAL_GENERATION; an unknown member UNKNOWN_MEMBER_ID
        assertThat(Errors.forCode(coordinator.heartbeat(new HeartbeatRequestData().setGroupId("g").setMemberId(c1.memberId)
                .setGenerationId(1)).errorCode())).isEqualTo(Errors.ILLEGAL_GENERATION);
        assertThat(Errors.forCode(coordinator.heartbeat(new HeartbeatRequestData().setGroupId("g").setMemberId("nobody")
                .setGenerationId(2)).errorCode())).isEqualTo(Errors.UNKNOWN_MEMBER_ID);

        // LeaveGroup removes a classic member; the group stays a consumer group while k1 is in it
        var left = coordinator.leaveGroup((short) 3, new LeaveGroupRequestData().setGroupId("g").setMembers(List.of(
                new LeaveGroupRequestData.MemberIdentity().setMemberId(c1.memberId))));
        assertThat(left.members().get(0).errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(describe().members()).hasSize(2);
        assertThat(groupType()).isEqualTo("consumer");
    }

    @Test
    void shouldKeepTheOldRefusalsWhenTheMigrationPolicyIsDisabled() throws Exception {
        coordinator = GroupTestSupport.loaded(GroupConfig.DEFAULTS.withInitialRebalanceDelayMs(0)
                .withMigrationPolicy(GroupConfig.MigrationPolicy.DISABLED), topics, clock, new InMemoryGroupStore());
        stableClassicGroup();

        ConsumerGroupHeartbeatResponseData refused = new ConsumerClient("k1").poll();
        assertThat(refused.errorCode()).isEqualTo(Errors.GROUP_ID_NOT_FOUND.code());
        assertThat(refused.errorMessage())
                .isEqualTo("Cannot upgrade classic group g to consumer group because online upgrade is disabled.");
        assertThat(groupType()).isEqualTo("classic");
    }

    @Test
    void shouldRefuseAClassicMemberInAConsumerGroupWhenTheMigrationPolicyIsDisabled() throws Exception {
        coordinator = GroupTestSupport.loaded(GroupConfig.DEFAULTS.withInitialRebalanceDelayMs(0)
                .withMigrationPolicy(GroupConfig.MigrationPolicy.DISABLED), topics, clock, new InMemoryGroupStore());
        new ConsumerClient("k1").poll();

        JoinGroupResponseData refused = new ClassicClient().join();
        assertThat(refused.errorCode()).isEqualTo(Errors.INCONSISTENT_GROUP_PROTOCOL.code());
    }

    @Test
    void shouldRefuseToUpgradeAClassicGroupThatIsNotAConsumerGroupOrForAMemberThatIsNotJoining() {
        // Given: a classic group of another protocol type (Kafka Connect's, say) with a member
        JoinGroupRequestData connect = new JoinGroupRequestData().setGroupId("g").setMemberId("")
                .setProtocolType("connect").setSessionTimeoutMs(10_000).setRebalanceTimeoutMs(30_000);
        connect.protocols().add(new JoinGroupRequestData.JoinGroupRequestProtocol().setName("sessioned")
                .setMetadata(new byte[] {1}));
        assertThat(coordinator.joinGroup((short) 3, "worker", "/127.0.0.1", connect).join().errorCode())
                .isEqualTo(Errors.NONE.code());

        // When / Then: a KIP-848 member joining gets Kafka's reason, and one at a non-zero epoch the type refusal
        ConsumerGroupHeartbeatResponseData refused = new ConsumerClient("k1").poll();
        assertThat(refused.errorCode()).isEqualTo(Errors.GROUP_ID_NOT_FOUND.code());
        assertThat(refused.errorMessage()).isEqualTo("Cannot upgrade classic group g to consumer group because the group"
                + " does not use the consumer embedded protocol.");
        ConsumerClient stale = new ConsumerClient("k2");
        stale.epoch = 5;
        assertThat(stale.poll().errorMessage()).isEqualTo("Group g is not a consumer group.");
        assertThat(groupType()).isEqualTo("classic");
    }

    @Test
    void shouldAnswerAnEagerClassicMemberThatRevokedEverythingBeforeRejoining() {
        // Given: a mixed group; c1 must give up some of its partitions to k1
        List<ClassicClient> classic = stableClassicGroup();
        ConsumerClient k1 = new ConsumerClient("k1");
        k1.poll();
        ClassicClient c1 = classic.get(0);
        assertThat(c1.heartbeat()).isEqualTo(Errors.REBALANCE_IN_PROGRESS);

        // When: it rejoins as an eager (range) consumer does, owning nothing
        c1.owned = new TreeSet<>();
        JoinGroupResponseData joined = c1.join();

        // Then: nothing is left to revoke, so it is at the new epoch at once, holding only partitions nobody else holds
        assertThat(joined.errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(joined.generationId()).isEqualTo(3);
        assertThat(c1.sync(new ArrayList<>()).errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(c1.owned).doesNotContainAnyElementsOf(classic.get(1).owned);
        pollUntilSettled(classic, List.of(k1));
        assertThat(union(classic, List.of(k1))).containsExactly(0, 1, 2, 3);
    }

    @Test
    void shouldDowngradeWhenAClassicStaticMemberReplacesTheLastConsumerStaticMember() {
        // Given: a mixed group: a classic member and a KIP-848 static member "app-1"
        List<ClassicClient> classic = stableClassicGroup();
        coordinator.consumerGroupHeartbeat((short) 1, "kip848", "/127.0.0.1", new ConsumerGroupHeartbeatRequestData()
                .setGroupId("g").setMemberId("k1").setInstanceId("app-1").setMemberEpoch(0).setRebalanceTimeoutMs(30_000)
                .setSubscribedTopicNames(List.of("orders")).setTopicPartitions(new ArrayList<>())).join();
        coordinator.leaveGroup((short) 3, new LeaveGroupRequestData().setGroupId("g").setMembers(List.of(
                new LeaveGroupRequestData.MemberIdentity().setMemberId(classic.get(1).memberId))));
        assertThat(groupType()).isEqualTo("consumer");

        // When: "app-1" restarts as a classic consumer (same instance id, no member id)
        JoinGroupRequestData restart = joinRequest("", Set.of(), -1).setGroupInstanceId("app-1");
        JoinGroupResponseData joined = coordinator.joinGroup((short) 9, "classic", "/127.0.0.1", restart).join();

        // Then: it took the place of the KIP-848 member, and the group is classic again, rebalancing
        assertThat(joined.errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(groupType()).isEqualTo("classic");
        assertThat(classic.get(0).heartbeat()).isIn(Errors.REBALANCE_IN_PROGRESS, Errors.ILLEGAL_GENERATION);
    }
}
