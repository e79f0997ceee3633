package io.dlog.kafka.group;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.kafka.group.GroupTestSupport.ManualClock;
import io.dlog.kafka.group.GroupTestSupport.Topics;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.StreamsGroupDescribeRequestData;
import org.apache.kafka.common.message.StreamsGroupDescribeResponseData;
import org.apache.kafka.common.message.StreamsGroupHeartbeatRequestData;
import org.apache.kafka.common.message.StreamsGroupHeartbeatResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class StreamsGroupStateMachineTest {
    private final ManualClock clock = new ManualClock();
    private final Topics topics = new Topics().with("input", 2);
    private final InMemoryGroupStore store = new InMemoryGroupStore();
    private GroupCoordinator coordinator;

    @BeforeEach
    void setUp() throws Exception {
        coordinator = GroupTestSupport.loaded(GroupConfig.DEFAULTS, topics, clock, store);
        coordinator.streamsConfig(NO_DELAY);
    }

    /** Kafka's defaults but no initial rebalance delay, so that most tests see assignments at once. */
    private static final StreamsGroupConfig NO_DELAY = new StreamsGroupConfig(StreamsGroupConfig.DEFAULTS.sessionTimeoutMs(),
            StreamsGroupConfig.DEFAULTS.heartbeatIntervalMs(), StreamsGroupConfig.DEFAULTS.maxSize(), 0, 0);

    /** Word count: 0 reads input and writes rep; 1 reads rep into a store logged to log. */
    private static StreamsGroupHeartbeatRequestData.Topology topology(int epoch) {
        return new StreamsGroupHeartbeatRequestData.Topology().setEpoch(epoch).setSubtopologies(new ArrayList<>(List.of(
                new StreamsGroupHeartbeatRequestData.Subtopology().setSubtopologyId("0")
                        .setSourceTopics(new ArrayList<>(List.of("input"))).setRepartitionSinkTopics(new ArrayList<>(List.of("rep"))),
                new StreamsGroupHeartbeatRequestData.Subtopology().setSubtopologyId("1")
                        .setRepartitionSourceTopics(new ArrayList<>(List.of(new StreamsGroupHeartbeatRequestData.TopicInfo()
                                .setName("rep"))))
                        .setStateChangelogTopics(new ArrayList<>(List.of(new StreamsGroupHeartbeatRequestData.TopicInfo()
                                .setName("log")))))));
    }

    private StreamsGroupHeartbeatResult heartbeat(String memberId, int epoch, Set<String> owned) {
        return heartbeat(memberId, null, "process-" + memberId, epoch, owned);
    }

    /** A heartbeat as the Streams client sends it: the topology on joining, all three task lists or none. */
    private StreamsGroupHeartbeatResult heartbeat(String memberId, String instanceId, String processId, int epoch,
                                                  Set<String> owned) {
        StreamsGroupHeartbeatRequestData request = new StreamsGroupHeartbeatRequestData().setGroupId("app")
                .setMemberId(memberId).setMemberEpoch(epoch).setInstanceId(instanceId).setEndpointInformationEpoch(-1);
        if (epoch == 0) {
            request.setTopology(topology(1)).setRebalanceTimeoutMs(30_000).setProcessId(processId)
                    .setActiveTasks(new ArrayList<>()).setStandbyTasks(new ArrayList<>()).setWarmupTasks(new ArrayList<>());
        }
        if (owned != null) {
            List<StreamsGroupHeartbeatRequestData.TaskIds> ids = new ArrayList<>();
            for (String task : owned) {
                String[] parts = task.split("_");
                ids.add(new StreamsGroupHeartbeatRequestData.TaskIds().setSubtopologyId(parts[0])
                        .setPartitions(new ArrayList<>(List.of(Integer.parseInt(parts[1])))));
            }
            request.setActiveTasks(ids).setStandbyTasks(new ArrayList<>()).setWarmupTasks(new ArrayList<>());
        }
        return coordinator.streamsGroupHeartbeat("client", "/127.0.0.1", request).join();
    }

    private static Set<String> active(StreamsGroupHeartbeatResponseData response) {
        Set<String> tasks = new TreeSet<>();
        response.activeTasks().forEach(t -> t.partitions().forEach(p -> tasks.add(t.subtopologyId() + "_" + p)));
        return tasks;
    }

    @Test
    void shouldAskForInternalTopicsThenAssignEveryTask() {
        // When the first member joins before the internal topics exist
        StreamsGroupHeartbeatResult joined = heartbeat("a", 0, null);

        // Then it is told they are missing, gets no tasks, and the caller is asked to create them
        assertThat(joined.response().errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(joined.response().status()).extracting(StreamsGroupHeartbeatResponseData.Status::statusCode)
                .containsExactly((byte) 3);
        assertThat(active(joined.response())).isEmpty();
        assertThat(joined.topicsToCreate()).extracting(t -> t.name() + ":" + t.partitions())
                .containsExactlyInAnyOrder("rep:2", "log:2");

        // When they exist
        topics.with("rep", 2).with("log", 2);
        StreamsGroupHeartbeatResult next = heartbeat("a", joined.response().memberEpoch(), Set.of());

        // Then all four tasks, no status
        assertThat(next.response().status()).isEmpty();
        assertThat(active(next.response())).containsExactly("0_0", "0_1", "1_0", "1_1");
        assertThat(next.topicsToCreate()).isEmpty();
        assertThat(next.response().memberEpoch()).isGreaterThan(joined.response().memberEpoch());
    }

    @Test
    void shouldGiveAGroupItsOwnHeartbeatIntervalAndStandbyReplicas() {
        // Given streams group configs over the broker's defaults (5 s, no standby)
        topics.with("rep", 2).with("log", 2);
        topics.groupConfigs.put("app", Map.of("streams.heartbeat.interval.ms", "7000", "streams.num.standby.replicas", "1"));

        // When a member joins, then it is told the group's interval; the assignor works with the group's standbys
        assertThat(heartbeat("a", 0, null).response().heartbeatIntervalMs()).isEqualTo(7000);
        assertThat(coordinator.streamsConfig("app").numStandbyReplicas()).isEqualTo(1);
        assertThat(coordinator.streamsConfig("other")).isEqualTo(NO_DELAY);
    }

    @Test
    void shouldRevokeBeforeAssigningToAJoiningMember() {
        topics.with("rep", 2).with("log", 2);
        StreamsGroupHeartbeatResponseData a = heartbeat("a", 0, null).response();
        assertThat(active(a)).hasSize(4);

        // When b joins
        StreamsGroupHeartbeatResponseData b = heartbeat("b", 0, null).response();

        // Then b waits for a to release: nothing yet
        assertThat(active(b)).isEmpty();
        StreamsGroupHeartbeatResponseData aRevoking = heartbeat("a", a.memberEpoch(), active(a)).response();
        assertThat(active(aRevoking)).hasSize(2);
        assertThat(aRevoking.memberEpoch()).isEqualTo(a.memberEpoch()); // keeps its epoch until it has revoked
        assertThat(active(heartbeat("b", b.memberEpoch(), Set.of()).response())).isEmpty();

        // When a reports the two tasks gone
        StreamsGroupHeartbeatResponseData aDone = heartbeat("a", a.memberEpoch(), active(aRevoking)).response();
        assertThat(aDone.memberEpoch()).isGreaterThan(a.memberEpoch());

        // Then b gets them: every task active exactly once
        StreamsGroupHeartbeatResponseData bNow = heartbeat("b", b.memberEpoch(), Set.of()).response();
        Set<String> all = new TreeSet<>(active(aDone));
        assertThat(active(bNow)).hasSize(2).doesNotContainAnyElementsOf(all);
        all.addAll(active(bNow));
        assertThat(all).containsExactly("0_0", "0_1", "1_0", "1_1");
        assertThat(describe().groupState()).isEqualTo("Stable");
    }

    @Test
    void shouldFenceStaleEpochsAndExpireSilentMembers() {
        topics.with("rep", 2).with("log", 2);
        StreamsGroupHeartbeatResponseData a = heartbeat("a", 0, null).response();
        assertThat(heartbeat("a", a.memberEpoch() + 5, Set.of()).response().errorCode())
                .isEqualTo(Errors.FENCED_MEMBER_EPOCH.code());
        assertThat(heartbeat("nobody", 3, Set.of()).response().errorCode()).isEqualTo(Errors.UNKNOWN_MEMBER_ID.code());

        // When a's session runs out
        clock.advance(StreamsGroupConfig.DEFAULTS.sessionTimeoutMs() + 1);
        coordinator.tick();

        // Then the group is empty
        assertThat(describe().groupState()).isEqualTo("Empty");
        assertThat(describe().members()).isEmpty();
    }

    @Test
    void shouldCheckMemberEpochsOnOffsetCommitsAndListAsStreams() {
        topics.with("rep", 2).with("log", 2);
        StreamsGroupHeartbeatResponseData a = heartbeat("a", 0, null).response();
        OffsetCommitRequestData commit = new OffsetCommitRequestData().setGroupId("app").setMemberId("a")
                .setGenerationIdOrMemberEpoch(a.memberEpoch() - 1).setTopics(new ArrayList<>(List.of(
                        new OffsetCommitRequestData.OffsetCommitRequestTopic().setName("input").setPartitions(
                                new ArrayList<>(List.of(new OffsetCommitRequestData.OffsetCommitRequestPartition()
                                        .setPartitionIndex(0).setCommittedOffset(7)))))));
        assertThat(coordinator.offsetCommit((short) 9, commit).join().topics().get(0).partitions().get(0).errorCode())
                .isEqualTo(Errors.STALE_MEMBER_EPOCH.code());
        commit.setGenerationIdOrMemberEpoch(a.memberEpoch());
        assertThat(coordinator.offsetCommit((short) 9, commit).join().topics().get(0).partitions().get(0).errorCode())
                .isEqualTo(Errors.NONE.code());

        var listed = coordinator.listGroups(new ListGroupsRequestData().setTypesFilter(new ArrayList<>(List.of("streams"))));
        assertThat(listed.groups()).singleElement().satisfies(g -> {
            assertThat(g.groupId()).isEqualTo("app");
            assertThat(g.groupType()).isEqualTo("streams");
        });
    }

    @Test
    void shouldRefuseAnInvalidTopologyAndAGroupOfAnotherType() {
        StreamsGroupHeartbeatRequestData bad = new StreamsGroupHeartbeatRequestData().setGroupId("app").setMemberId("a")
                .setMemberEpoch(0).setRebalanceTimeoutMs(1000).setProcessId("p").setActiveTasks(new ArrayList<>())
                .setStandbyTasks(new ArrayList<>()).setWarmupTasks(new ArrayList<>())
                .setTopology(new StreamsGroupHeartbeatRequestData.Topology().setEpoch(1).setSubtopologies(new ArrayList<>(
                        List.of(new StreamsGroupHeartbeatRequestData.Subtopology().setSubtopologyId("0")
                                .setSourceTopics(new ArrayList<>(List.of("__consumer_offsets")))))));
        assertThat(coordinator.streamsGroupHeartbeat("c", "h", bad).join().response().errorCode())
                .isEqualTo(Errors.STREAMS_INVALID_TOPOLOGY.code());
        assertThat(coordinator.streamsGroupHeartbeat("c", "h", bad.setTopology(null)).join().response().errorCode())
                .isEqualTo(Errors.INVALID_REQUEST.code());
    }

    @Test
    void shouldKeepTheGroupAcrossARestart() throws Exception {
        topics.with("rep", 2).with("log", 2);
        StreamsGroupHeartbeatResponseData a = heartbeat("a", 0, null).response();

        // When the coordinator reloads from its log
        GroupCoordinator reloaded = GroupTestSupport.loaded(GroupConfig.DEFAULTS, topics, clock, store);
        reloaded.streamsConfig(NO_DELAY);
        coordinator = reloaded;

        // Then the member, its epoch, its tasks and the topology are back
        StreamsGroupDescribeResponseData.DescribedGroup group = describe();
        assertThat(group.members()).singleElement().satisfies(m -> {
            assertThat(m.memberEpoch()).isEqualTo(a.memberEpoch());
            assertThat(m.assignment().activeTasks()).isNotEmpty();
        });
        assertThat(group.topology().subtopologies()).hasSize(2);
        assertThat(active(heartbeat("a", a.memberEpoch(), active(a)).response())).isEqualTo(active(a));
    }

    @Test
    void shouldRefuseRegexSourceTopicsAsKafkaDoes() {
        // Given a topology whose subtopology reads a Pattern
        StreamsGroupHeartbeatRequestData.Topology regex = topology(1);
        regex.subtopologies().get(0).setSourceTopics(new ArrayList<>()).setSourceTopicRegex(new ArrayList<>(List.of("in.*")));
        StreamsGroupHeartbeatRequestData join = new StreamsGroupHeartbeatRequestData().setGroupId("app").setMemberId("a")
                .setMemberEpoch(0).setRebalanceTimeoutMs(1000).setProcessId("p").setActiveTasks(new ArrayList<>())
                .setStandbyTasks(new ArrayList<>()).setWarmupTasks(new ArrayList<>()).setTopology(regex);

        // When it joins, then INVALID_REQUEST with Kafka's message, and no group is made
        StreamsGroupHeartbeatResponseData response = coordinator.streamsGroupHeartbeat("c", "h", join).join().response();
        assertThat(response.errorCode()).isEqualTo(Errors.INVALID_REQUEST.code());
        assertThat(response.errorMessage()).isEqualTo("Regular expressions for source topics are not supported yet.");
        assertThat(describe().errorCode()).isEqualTo(Errors.GROUP_ID_NOT_FOUND.code());
    }

    @Test
    void shouldValidateHeartbeatsWithKafkasMessages() {
        StreamsGroupHeartbeatRequestData leave = new StreamsGroupHeartbeatRequestData().setGroupId("app").setMemberId("a")
                .setMemberEpoch(-2);
        assertThat(coordinator.streamsGroupHeartbeat("c", "h", leave).join().response().errorMessage())
                .isEqualTo("InstanceId can't be null.");
        assertThat(coordinator.streamsGroupHeartbeat("c", "h", leave.setMemberEpoch(-3)).join().response().errorMessage())
                .isEqualTo("MemberEpoch is -3, but must be greater than or equal to -2.");
        assertThat(coordinator.streamsGroupHeartbeat("c", "h", leave.setMemberEpoch(1).setInstanceId(" ")).join().response()
                .errorMessage()).isEqualTo("InstanceId can't be empty.");
        assertThat(coordinator.streamsGroupHeartbeat("c", "h", leave.setInstanceId(null).setActiveTasks(new ArrayList<>()))
                .join().response().errorMessage()).isEqualTo("If one task-type is non-null, all must be non-null.");
    }

    private StreamsGroupHeartbeatResponseData staticHeartbeat(String memberId, String instanceId, int epoch, Set<String> owned) {
        return heartbeat(memberId, instanceId, "process-" + instanceId, epoch, epoch == 0 ? null : owned).response();
    }

    /** Settles two static members (i1, i2) on two tasks each; returns their last responses. */
    private List<StreamsGroupHeartbeatResponseData> twoStaticMembers() {
        topics.with("rep", 2).with("log", 2);
        StreamsGroupHeartbeatResponseData a = staticHeartbeat("a", "i1", 0, null);
        StreamsGroupHeartbeatResponseData b = staticHeartbeat("b", "i2", 0, null);
        for (int i = 0; i < 4; i++) {
            a = staticHeartbeat("a", "i1", a.memberEpoch(), active(a));
            b = staticHeartbeat("b", "i2", b.memberEpoch(), active(b));
        }
        lastActive.put("a", active(a));
        lastActive.put("b", active(b));
        assertThat(describe().groupState()).isEqualTo("Stable");
        return List.of(a, b);
    }

    private final Map<String, Set<String>> lastActive = new java.util.HashMap<>();

    @Test
    void shouldKeepAStaticMembersTasksWhileItRestartsAndHandThemBack() {
        // Given two static members with two tasks each
        List<StreamsGroupHeartbeatResponseData> settled = twoStaticMembers();
        Set<String> aTasks = lastActive.get("a");
        Set<String> bTasks = lastActive.get("b");
        assertThat(aTasks).hasSize(2);
        int groupEpoch = describe().groupEpoch();

        // When i1 leaves with epoch -2 (a restart)
        StreamsGroupHeartbeatResponseData left = staticHeartbeat("a", "i1", -2, null);

        // Then it stays in the group at epoch -2 holding its tasks; b gets none of them; no rebalance
        assertThat(left.errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(left.memberEpoch()).isEqualTo(-2);
        StreamsGroupDescribeResponseData.DescribedGroup away = describe();
        assertThat(away.groupEpoch()).isEqualTo(groupEpoch);
        assertThat(away.members()).extracting(StreamsGroupDescribeResponseData.Member::memberEpoch).contains(-2);
        assertThat(active(staticHeartbeat("b", "i2", settled.get(1).memberEpoch(), bTasks))).isEqualTo(bTasks);

        // When another member id claims i2, which is still in use, then UNRELEASED_INSTANCE_ID
        assertThat(staticHeartbeat("c", "i2", 0, null).errorCode()).isEqualTo(Errors.UNRELEASED_INSTANCE_ID.code());

        // When i1 comes back under a new member id
        StreamsGroupHeartbeatResponseData back = staticHeartbeat("a2", "i1", 0, null);

        // Then it gets its old tasks at once, the old member id is gone, and the group epoch did not move
        assertThat(back.errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(active(back)).isEqualTo(aTasks);
        assertThat(back.memberEpoch()).isEqualTo(describe().assignmentEpoch());
        assertThat(describe().groupEpoch()).isEqualTo(groupEpoch);
        assertThat(describe().members()).extracting(StreamsGroupDescribeResponseData.Member::memberId)
                .containsExactlyInAnyOrder("a2", "b");
        assertThat(staticHeartbeat("a", "i1", settled.get(0).memberEpoch(), aTasks).errorCode())
                .isEqualTo(Errors.UNKNOWN_MEMBER_ID.code());
        assertThat(staticHeartbeat("a2", "other", back.memberEpoch(), aTasks).errorCode())
                .isEqualTo(Errors.FENCED_INSTANCE_ID.code());
        assertThat(describe().groupState()).isEqualTo("Stable");
    }

    @Test
    void shouldRebalanceAStaticMembersTasksWhenItDoesNotComeBackInItsSession() {
        twoStaticMembers();
        assertThat(staticHeartbeat("a", "i1", -2, null).memberEpoch()).isEqualTo(-2);
        // A -2 leave by another member id for that instance is fenced; an unknown instance is unknown
        assertThat(staticHeartbeat("x", "i1", -2, null).errorCode()).isEqualTo(Errors.FENCED_INSTANCE_ID.code());
        assertThat(staticHeartbeat("x", "nope", -2, null).errorCode()).isEqualTo(Errors.UNKNOWN_MEMBER_ID.code());

        // When its session runs out while b keeps heartbeating
        clock.advance(StreamsGroupConfig.DEFAULTS.sessionTimeoutMs() / 2);
        StreamsGroupHeartbeatResponseData b = staticHeartbeat("b", "i2", describe().assignmentEpoch(), lastActive.get("b"));
        clock.advance(StreamsGroupConfig.DEFAULTS.sessionTimeoutMs() / 2 + 1);
        coordinator.tick();

        // Then it is removed and b gets every task
        assertThat(describe().members()).extracting(StreamsGroupDescribeResponseData.Member::memberId).containsExactly("b");
        b = staticHeartbeat("b", "i2", b.memberEpoch(), lastActive.get("b"));
        assertThat(active(b)).containsExactly("0_0", "0_1", "1_0", "1_1");
    }

    @Test
    void shouldHoldTheFirstAssignmentForTheInitialRebalanceDelay() throws Exception {
        // Given Kafka's default delay (3 s) and a group config of 2 s for this group
        topics.with("rep", 2).with("log", 2);
        coordinator.streamsConfig(StreamsGroupConfig.DEFAULTS);
        topics.groupConfigs.put("app", Map.of("streams.initial.rebalance.delay.ms", "2000"));

        // When two members join an empty group within the delay
        StreamsGroupHeartbeatResponseData a = heartbeat("a", 0, null).response();
        clock.advance(1000);
        StreamsGroupHeartbeatResponseData b = heartbeat("b", 0, null).response();

        // Then neither has tasks yet; they are told the assignment is delayed; the group is Assigning
        assertThat(active(a)).isEmpty();
        assertThat(active(b)).isEmpty();
        assertThat(b.status()).extracting(StreamsGroupHeartbeatResponseData.Status::statusDetail)
                .containsExactly("Assignment delayed due to the configured initial rebalance delay.");
        assertThat(b.status().get(0).statusCode()).isEqualTo((byte) 5);
        assertThat(describe().groupState()).isEqualTo("Assigning");
        assertThat(coordinator.counts().streamsByState()).containsEntry("Assigning", 1).containsEntry("Stable", 0);

        // And a coordinator loading the group meanwhile keeps the delay
        GroupCoordinator reloaded = GroupTestSupport.loaded(GroupConfig.DEFAULTS, topics, clock, store);
        coordinator = reloaded;
        assertThat(describe().groupState()).isEqualTo("Assigning");

        // When the delay is over, then the first assignment shares the tasks, two each, nothing to revoke
        clock.advance(1000);
        coordinator.tick();
        a = heartbeat("a", a.memberEpoch(), active(a)).response();
        b = heartbeat("b", b.memberEpoch(), active(b)).response();
        assertThat(active(a)).hasSize(2);
        assertThat(active(b)).hasSize(2).doesNotContainAnyElementsOf(active(a));
        assertThat(b.status()).isEmpty();
        assertThat(describe().groupState()).isEqualTo("Stable");
        assertThat(coordinator.counts().streamsByState()).containsEntry("Assigning", 0).containsEntry("Stable", 1);

        // And a member joining the group that is not empty is not delayed
        StreamsGroupHeartbeatResponseData c = heartbeat("c", 0, null).response();
        assertThat(c.status()).isEmpty();
    }

    private StreamsGroupDescribeResponseData.DescribedGroup describe() {
        return coordinator.streamsGroupDescribe(new StreamsGroupDescribeRequestData().setGroupIds(List.of("app")))
                .groups().get(0);
    }
}
