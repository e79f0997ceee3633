package io.dlog.kafka.group;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.kafka.coordinator.InternalTopicLog;
import io.dlog.kafka.group.GroupTestSupport.ManualClock;
import io.dlog.kafka.group.GroupTestSupport.Topics;
import io.dlog.log.AppendError;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ClassicGroupStateMachineTest {
    private static final short JOIN_V9 = 9;
    private static final int SESSION = 10_000;
    private static final int REBALANCE = 30_000;

    private final ManualClock clock = new ManualClock();
    private final Topics topics = new Topics().with("orders", 4);
    private final InMemoryGroupStore store = new InMemoryGroupStore();
    private GroupCoordinator coordinator;

    @BeforeEach
    void setUp() throws Exception {
        coordinator = GroupTestSupport.loaded(GroupConfig.DEFAULTS, topics, clock, store);
    }

    private static JoinGroupRequestData join(String memberId, String instanceId, byte[] metadata) {
        JoinGroupRequestData request = new JoinGroupRequestData().setGroupId("g").setMemberId(memberId)
                .setGroupInstanceId(instanceId).setProtocolType("consumer")
                .setSessionTimeoutMs(SESSION).setRebalanceTimeoutMs(REBALANCE);
        request.protocols().add(new JoinGroupRequestData.JoinGroupRequestProtocol().setName("range").setMetadata(metadata));
        return request;
    }

    private CompletableFuture<JoinGroupResponseData> join(JoinGroupRequestData request) {
        return coordinator.joinGroup(JOIN_V9, "client", "/127.0.0.1", request);
    }

    /** Two-phase join of one dynamic member; returns its member id once the generation is formed. */
    private JoinGroupResponseData joinDynamic() {
        JoinGroupResponseData first = join(join("", null, new byte[] {1})).join();
        assertThat(first.errorCode()).isEqualTo(Errors.MEMBER_ID_REQUIRED.code());
        CompletableFuture<JoinGroupResponseData> second = join(join(first.memberId(), null, new byte[] {1}));
        return second.getNow(null) != null ? second.join() : waitInitialDelay(second);
    }

    private JoinGroupResponseData waitInitialDelay(CompletableFuture<JoinGroupResponseData> pending) {
        assertThat(pending).isNotDone();
        clock.advance(GroupConfig.DEFAULTS.initialRebalanceDelayMs());
        coordinator.tick();
        return pending.join();
    }

    private SyncGroupResponseData sync(JoinGroupResponseData joined, List<SyncGroupRequestData.SyncGroupRequestAssignment> assignments) {
        return coordinator.syncGroup(new SyncGroupRequestData().setGroupId("g").setMemberId(joined.memberId())
                .setGenerationId(joined.generationId()).setAssignments(assignments)).join();
    }

    @Test
    void shouldRequireMemberIdThenFormGenerationAfterInitialDelay() {
        JoinGroupResponseData joined = joinDynamic();

        assertThat(joined.errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(joined.generationId()).isEqualTo(1);
        assertThat(joined.leader()).isEqualTo(joined.memberId());
        assertThat(joined.members()).hasSize(1);
        SyncGroupResponseData synced = sync(joined, List.of(new SyncGroupRequestData.SyncGroupRequestAssignment()
                .setMemberId(joined.memberId()).setAssignment(new byte[] {7})));
        assertThat(synced.errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(synced.assignment()).containsExactly(7);
        assertThat(coordinator.classicGroups.get("g").state).isEqualTo(ClassicGroup.State.STABLE);
    }

    @Test
    void shouldAnswerAParkedJoinNotCoordinatorWhenAnotherNodeTakesTheGroupsPartition() {
        JoinGroupResponseData first = join(join("", null, new byte[] {1})).join();
        CompletableFuture<JoinGroupResponseData> parked = join(join(first.memberId(), null, new byte[] {1}));
        assertThat(parked).as("waiting for the initial rebalance delay").isNotDone();

        topics.offsetsEpochs.put(coordinator.partitionFor("g"), -1);
        coordinator.tick();

        assertThat(parked.getNow(null)).as("answered at the unload").isNotNull();
        assertThat(parked.join().errorCode()).isEqualTo(Errors.NOT_COORDINATOR.code());
        assertThat(coordinator.classicGroups).doesNotContainKey("g");
    }

    @Test
    void shouldAnswerAParkedSyncNotCoordinatorWhenAnotherNodeTakesTheGroupsPartition() {
        JoinGroupResponseData first = joinDynamic();
        sync(first, List.of());
        JoinGroupResponseData pending = join(join("", null, new byte[] {2})).join();
        CompletableFuture<JoinGroupResponseData> second = join(join(pending.memberId(), null, new byte[] {2}));
        join(join(first.memberId(), null, new byte[] {1})).join();
        JoinGroupResponseData follower = second.join();
        assertThat(follower.leader()).isNotEqualTo(follower.memberId());
        CompletableFuture<SyncGroupResponseData> parked = coordinator.syncGroup(new SyncGroupRequestData()
                .setGroupId("g").setMemberId(follower.memberId()).setGenerationId(follower.generationId()));
        assertThat(parked).as("waiting for the leader's assignment").isNotDone();

        topics.offsetsEpochs.put(coordinator.partitionFor("g"), -1);
        coordinator.tick();

        assertThat(parked.getNow(null)).as("answered at the unload").isNotNull();
        assertThat(parked.join().errorCode()).isEqualTo(Errors.NOT_COORDINATOR.code());
    }

    @Test
    void shouldRebalanceWhenSecondMemberJoinsAndAnswerRebalanceInProgressToHeartbeats() {
        JoinGroupResponseData first = joinDynamic();
        sync(first, List.of());

        JoinGroupResponseData pending = join(join("", null, new byte[] {2})).join();
        CompletableFuture<JoinGroupResponseData> second = join(join(pending.memberId(), null, new byte[] {2}));
        assertThat(coordinator.heartbeat(new HeartbeatRequestData().setGroupId("g").setMemberId(first.memberId())
                .setGenerationId(1)).errorCode()).isEqualTo(Errors.REBALANCE_IN_PROGRESS.code());
        CompletableFuture<JoinGroupResponseData> firstAgain = join(join(first.memberId(), null, new byte[] {1}));

        assertThat(second.join().generationId()).isEqualTo(2);
        assertThat(firstAgain.join().members()).hasSize(2);
        assertThat(coordinator.heartbeat(new HeartbeatRequestData().setGroupId("g").setMemberId(first.memberId())
                .setGenerationId(1)).errorCode()).isEqualTo(Errors.ILLEGAL_GENERATION.code());
    }

    @Test
    void shouldExpireMemberAfterSessionTimeout() {
        JoinGroupResponseData joined = joinDynamic();
        sync(joined, List.of());

        clock.advance(SESSION - 1);
        coordinator.tick();
        assertThat(coordinator.classicGroups.get("g").members).containsKey(joined.memberId());
        clock.advance(1);
        coordinator.tick();

        ClassicGroup group = coordinator.classicGroups.get("g");
        assertThat(group.members).isEmpty();
        assertThat(group.state).isEqualTo(ClassicGroup.State.EMPTY);
        assertThat(coordinator.heartbeat(new HeartbeatRequestData().setGroupId("g").setMemberId(joined.memberId())
                .setGenerationId(joined.generationId())).errorCode()).isEqualTo(Errors.UNKNOWN_MEMBER_ID.code());
    }

    /** A stable group of one static member, instance-1, assigned {9}; returns its join. */
    private JoinGroupResponseData stableStaticMember() {
        JoinGroupResponseData joined = waitInitialDelay(join(join("", "instance-1", new byte[] {1})));
        sync(joined, List.of(new SyncGroupRequestData.SyncGroupRequestAssignment().setMemberId(joined.memberId())
                .setAssignment(new byte[] {9})));
        return joined;
    }

    @Test
    void shouldKeepStaticMemberAssignmentWithoutRebalanceOnRestartAndFenceOldInstance() {
        JoinGroupResponseData joined = stableStaticMember();

        JoinGroupResponseData restarted = join(join("", "instance-1", new byte[] {1})).join();

        assertThat(restarted.errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(restarted.generationId()).isEqualTo(joined.generationId());
        assertThat(restarted.memberId()).isNotEqualTo(joined.memberId());
        assertThat(restarted.skipAssignment()).isTrue();
        assertThat(coordinator.classicGroups.get("g").state).isEqualTo(ClassicGroup.State.STABLE);
        SyncGroupResponseData synced = sync(restarted, List.of());
        assertThat(synced.assignment()).containsExactly(9);
        assertThat(coordinator.heartbeat(new HeartbeatRequestData().setGroupId("g").setMemberId(joined.memberId())
                .setGroupInstanceId("instance-1").setGenerationId(joined.generationId())).errorCode())
                .isEqualTo(Errors.FENCED_INSTANCE_ID.code());
    }

    @Test
    void shouldKeepTheOldStaticMemberAndAnswerRetriablyWhenItsRejoinCannotBeWritten() {
        // Given: a stable group of one static member
        JoinGroupResponseData joined = stableStaticMember();

        // When: the instance restarts while the group's partition has too few replicas in sync to be written
        store.failWith = new InternalTopicLog.WriteRefused(AppendError.NOT_ENOUGH_REPLICAS, "too few in sync");
        JoinGroupResponseData refused = join(join("", "instance-1", new byte[] {1})).join();

        // Then: the new incarnation is told to retry (the Java consumer fails on UNKNOWN_SERVER_ERROR), and the old
        // member id keeps the place the group on disk gives it, as Kafka reverts the replacement
        assertThat(Errors.forCode(refused.errorCode())).isEqualTo(Errors.COORDINATOR_NOT_AVAILABLE);
        assertThat(Errors.forCode(coordinator.heartbeat(new HeartbeatRequestData().setGroupId("g")
                .setMemberId(joined.memberId()).setGroupInstanceId("instance-1").setGenerationId(joined.generationId()))
                .errorCode())).isEqualTo(Errors.NONE);

        // And: once the partition takes writes again, the retried join takes the place in the same generation
        store.failWith = null;
        JoinGroupResponseData restarted = join(join("", "instance-1", new byte[] {1})).join();
        assertThat(Errors.forCode(restarted.errorCode())).isEqualTo(Errors.NONE);
        assertThat(restarted.generationId()).isEqualTo(joined.generationId());
        assertThat(sync(restarted, List.of()).assignment()).containsExactly(9);
    }

    @Test
    void shouldRebalanceToEmptyWhenLastMemberLeaves() {
        JoinGroupResponseData joined = joinDynamic();
        sync(joined, List.of());

        var response = coordinator.leaveGroup((short) 5, new LeaveGroupRequestData().setGroupId("g")
                .setMembers(List.of(new LeaveGroupRequestData.MemberIdentity().setMemberId(joined.memberId()),
                        new LeaveGroupRequestData.MemberIdentity().setMemberId("nobody"))));

        assertThat(response.members()).extracting(m -> m.errorCode())
                .containsExactly(Errors.NONE.code(), Errors.UNKNOWN_MEMBER_ID.code());
        assertThat(coordinator.classicGroups.get("g").state).isEqualTo(ClassicGroup.State.EMPTY);
    }

    @Test
    void shouldDeleteAnEmptyGroupWithoutOffsetsAtTheNextRetentionCheck() throws Exception {
        // Given a group whose only member left without committing
        JoinGroupResponseData joined = joinDynamic();
        sync(joined, List.of());
        coordinator.leaveGroup((short) 5, new LeaveGroupRequestData().setGroupId("g")
                .setMembers(List.of(new LeaveGroupRequestData.MemberIdentity().setMemberId(joined.memberId()))));
        assertThat(coordinator.classicGroups.get("g").state).isEqualTo(ClassicGroup.State.EMPTY);
        // When the offsets retention check runs
        coordinator.checkOffsetRetentionOnNextTick();
        coordinator.tick();
        assertThat(coordinator.classicGroups).as("kept while empty for less than a check interval").containsKey("g");
        clock.advance(GroupConfig.DEFAULTS.offsetsRetentionCheckMs());
        coordinator.checkOffsetRetentionOnNextTick();
        coordinator.tick();
        // Then the group is gone, in memory and in the log (a reload does not bring it back)
        assertThat(coordinator.classicGroups).doesNotContainKey("g");
        assertThat(GroupTestSupport.loaded(GroupConfig.DEFAULTS, topics, clock, store).classicGroups).doesNotContainKey("g");
    }

    @Test
    void shouldKeepAnEmptyGroupWithOffsetsAndAGroupWithMembers() throws Exception {
        commit(coordinator, "orders", 0, 5);
        JoinGroupResponseData joined = joinDynamicIn("busy");
        coordinator.checkOffsetRetentionOnNextTick();
        coordinator.tick();
        assertThat(coordinator.classicGroups).containsKeys("g", "busy");
        assertThat(coordinator.classicGroups.get("busy").members).containsKey(joined.memberId());
    }

    @Test
    void shouldRetryAFailedLoadAndAnswerCoordinatorNotAvailableMeanwhile() {
        // Given a coordinator whose store fails to open twice
        GroupCoordinator fresh = new GroupCoordinator(GroupConfig.DEFAULTS, topics, clock);
        java.util.concurrent.atomic.AtomicInteger attempts = new java.util.concurrent.atomic.AtomicInteger();
        List<Short> errorsWhileFailing = new java.util.ArrayList<>();
        List<Long> backoffs = new java.util.ArrayList<>();
        assertThat(fresh.joinGroup(JOIN_V9, "client", "/127.0.0.1", join("", null, new byte[] {1})).join().errorCode())
                .isEqualTo(Errors.COORDINATOR_LOAD_IN_PROGRESS.code());
        // When it loads
        fresh.loadRetrying(() -> {
            if (attempts.incrementAndGet() <= 2) {
                throw new java.io.IOException("disk says no");
            }
            return store;
        }, () -> false, millis -> {
            backoffs.add(millis);
            errorsWhileFailing.add(fresh.joinGroup(JOIN_V9, "client", "/127.0.0.1", join("", null, new byte[] {1}))
                    .join().errorCode());
        });
        // Then it retried with a growing backoff, said COORDINATOR_NOT_AVAILABLE meanwhile, and serves now
        assertThat(attempts.get()).isEqualTo(3);
        assertThat(backoffs).containsExactly(GroupCoordinator.FIRST_LOAD_RETRY_MS, 2 * GroupCoordinator.FIRST_LOAD_RETRY_MS);
        assertThat(errorsWhileFailing).containsOnly(Errors.COORDINATOR_NOT_AVAILABLE.code());
        assertThat(fresh.isLoaded()).isTrue();
        assertThat(fresh.joinGroup(JOIN_V9, "client", "/127.0.0.1", join("", null, new byte[] {1})).join().errorCode())
                .isEqualTo(Errors.MEMBER_ID_REQUIRED.code());
    }

    private JoinGroupResponseData joinDynamicIn(String groupId) {
        JoinGroupResponseData first = join(join("", null, new byte[] {1}).setGroupId(groupId)).join();
        CompletableFuture<JoinGroupResponseData> second = join(join(first.memberId(), null, new byte[] {1}).setGroupId(groupId));
        if (second.getNow(null) == null) {
            clock.advance(GroupConfig.DEFAULTS.initialRebalanceDelayMs());
            coordinator.tick();
        }
        return second.join();
    }

    private OffsetCommitResponseData commit(GroupCoordinator target, String topic, int partition, long offset) {
        OffsetCommitRequestData request = new OffsetCommitRequestData().setGroupId("g").setGenerationIdOrMemberEpoch(-1)
                .setMemberId("");
        request.topics().add(new OffsetCommitRequestData.OffsetCommitRequestTopic().setName(topic).setPartitions(List.of(
                new OffsetCommitRequestData.OffsetCommitRequestPartition().setPartitionIndex(partition)
                        .setCommittedOffset(offset).setCommittedMetadata("meta-" + offset).setCommittedLeaderEpoch(3))));
        return target.offsetCommit((short) 9, request).join();
    }

    private OffsetFetchResponseData.OffsetFetchResponsePartitions fetch(GroupCoordinator target, int partition) {
        OffsetFetchRequestData request = new OffsetFetchRequestData().setGroups(List.of(
                new OffsetFetchRequestData.OffsetFetchRequestGroup().setGroupId("g").setTopics(List.of(
                        new OffsetFetchRequestData.OffsetFetchRequestTopics().setName("orders")
                                .setPartitionIndexes(List.of(partition))))));
        return target.offsetFetch((short) 9, request).groups().get(0).topics().get(0).partitions().get(0);
    }

    @Test
    void shouldKeepCommittedOffsetsAndMetadataAcrossReload() throws Exception {
        assertThat(commit(coordinator, "orders", 2, 42).topics().get(0).partitions().get(0).errorCode())
                .isEqualTo(Errors.NONE.code());

        GroupCoordinator reloaded = GroupTestSupport.loaded(GroupConfig.DEFAULTS, topics, clock, store);

        var fetched = fetch(reloaded, 2);
        assertThat(fetched.committedOffset()).isEqualTo(42);
        assertThat(fetched.metadata()).isEqualTo("meta-42");
        assertThat(fetched.committedLeaderEpoch()).isEqualTo(3);
        assertThat(fetch(reloaded, 1).committedOffset()).isEqualTo(-1);
    }

    @Test
    void shouldRejectCommitsForUnknownTopicsAndPartitions() {
        assertThat(commit(coordinator, "nope", 0, 1).topics().get(0).partitions().get(0).errorCode())
                .isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
        assertThat(commit(coordinator, "orders", 4, 1).topics().get(0).partitions().get(0).errorCode())
                .isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
    }

    @Test
    void shouldExpireOffsetsOfEmptyGroupAfterRetention() throws Exception {
        GroupConfig config = GroupConfig.DEFAULTS.withOffsetsRetentionMs(60_000);
        coordinator = GroupTestSupport.loaded(config, topics, clock, store);
        commit(coordinator, "orders", 0, 5);

        clock.advance(59_999);
        coordinator.checkOffsetRetentionOnNextTick();
        coordinator.tick();
        assertThat(fetch(coordinator, 0).committedOffset()).isEqualTo(5);
        clock.advance(1);
        coordinator.checkOffsetRetentionOnNextTick();
        coordinator.tick();

        assertThat(fetch(coordinator, 0).committedOffset()).isEqualTo(-1);
        assertThat(coordinator.classicGroups).doesNotContainKey("g");
        assertThat(fetch(GroupTestSupport.loaded(config, topics, clock, store), 0).committedOffset()).isEqualTo(-1);
    }

    @Test
    void shouldRefuseRequestsWhileLoading() {
        GroupCoordinator loading = new GroupCoordinator(GroupConfig.DEFAULTS, topics, clock);
        assertThat(loading.joinGroup(JOIN_V9, "c", "h", join("", null, new byte[0])).join().errorCode())
                .isEqualTo(Errors.COORDINATOR_LOAD_IN_PROGRESS.code());
    }
}
