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
    }

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
        StreamsGroupHeartbeatRequestData request = new StreamsGroupHeartbeatRequestData().setGroupId("app")
                .setMemberId(memberId).setMemberEpoch(epoch).setEndpointInformationEpoch(-1);
        if (epoch == 0) {
            request.setTopology(topology(1)).setRebalanceTimeoutMs(30_000).setProcessId("process-" + memberId)
                    .setActiveTasks(new ArrayList<>()).setStandbyTasks(new ArrayList<>()).setWarmupTasks(new ArrayList<>());
        }
        if (owned != null) {
            List<StreamsGroupHeartbeatRequestData.TaskIds> ids = new ArrayList<>();
            for (String task : owned) {
                String[] parts = task.split("_");
                ids.add(new StreamsGroupHeartbeatRequestData.TaskIds().setSubtopologyId(parts[0])
                        .setPartitions(new ArrayList<>(List.of(Integer.parseInt(parts[1])))));
            }
            request.setActiveTasks(ids);
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
        assertThat(coordinator.streamsConfig("other")).isEqualTo(StreamsGroupConfig.DEFAULTS);
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

    private StreamsGroupDescribeResponseData.DescribedGroup describe() {
        return coordinator.streamsGroupDescribe(new StreamsGroupDescribeRequestData().setGroupIds(List.of("app")))
                .groups().get(0);
    }
}
