package io.dlog.compat.streams;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.compat.DLogBrokerExtension;
import io.dlog.compat.badinput.RawConnection;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.StreamsGroupDescription;
import org.apache.kafka.clients.admin.StreamsGroupMemberDescription;
import org.apache.kafka.common.message.StreamsGroupHeartbeatRequestData;
import org.apache.kafka.common.message.StreamsGroupHeartbeatResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What the Streams 4.3.1 client cannot send but other KIP-1071 clients may, so these members speak the wire with
 * kafka-clients' own StreamsGroupHeartbeat messages and the Admin client checks the group:
 * <ul>
 * <li>static membership as Kafka's streams group heartbeat serves it on trunk (4.3.1 refuses an instance id, and
 * Streams 4.3.1 refuses group.instance.id on this protocol): a static member that leaves with epoch -2 stays in the
 * group holding its task, nothing is rebalanced, its instance id cannot be taken while it is held, and the instance
 * coming back under a new member id (same process) gets its task at once;</li>
 * <li>task offsets and end offsets a member reports (Kafka trunk; 4.3.1 refuses them and its client sends none):
 * kept in memory and shown by StreamsGroupDescribe, a duplicate task refused;</li>
 * <li>source topic regexes (Streams 4.3.1 refuses Pattern sources on this protocol before it sends anything):
 * INVALID_REQUEST with Kafka's message, and no group.</li>
 * </ul>
 */
@Timeout(120)
class StreamsGroupHeartbeatWireTest {
    private static final short VERSION = 0;

    /** No initial rebalance delay: these members take their tasks within a few heartbeats sent back to back. */
    @RegisterExtension
    static final DLogBrokerExtension DLOG = new DLogBrokerExtension().with("group.streams.initial.rebalance.delay.ms", "0");

    /**
     * One heartbeat, sent again (as a client would) while the coordinator is still loading its partition or not yet
     * known: a fresh broker answers COORDINATOR_LOAD_IN_PROGRESS for a moment.
     */
    private static StreamsGroupHeartbeatResponseData heartbeat(RawConnection connection, StreamsGroupHeartbeatRequestData request)
            throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            int correlationId = connection.send(ApiKeys.STREAMS_GROUP_HEARTBEAT, VERSION, request);
            StreamsGroupHeartbeatResponseData response = new StreamsGroupHeartbeatResponseData(
                    connection.receive(correlationId, ApiKeys.STREAMS_GROUP_HEARTBEAT, VERSION), VERSION);
            Errors error = Errors.forCode(response.errorCode());
            boolean notReady = error == Errors.COORDINATOR_LOAD_IN_PROGRESS || error == Errors.COORDINATOR_NOT_AVAILABLE
                    || error == Errors.NOT_COORDINATOR;
            if (!notReady || System.nanoTime() > deadline) {
                return response;
            }
            Thread.sleep(100);
        }
    }

    private static StreamsGroupHeartbeatRequestData join(String groupId, String input, String memberId, String instanceId) {
        return new StreamsGroupHeartbeatRequestData().setGroupId(groupId).setMemberId(memberId).setMemberEpoch(0)
                .setInstanceId(instanceId).setRebalanceTimeoutMs(30_000).setProcessId("process-" + instanceId)
                .setEndpointInformationEpoch(-1).setActiveTasks(new ArrayList<>()).setStandbyTasks(new ArrayList<>())
                .setWarmupTasks(new ArrayList<>())
                .setTopology(new StreamsGroupHeartbeatRequestData.Topology().setEpoch(1).setSubtopologies(new ArrayList<>(
                        List.of(new StreamsGroupHeartbeatRequestData.Subtopology().setSubtopologyId("0")
                                .setSourceTopics(new ArrayList<>(List.of(input)))))));
    }

    private static StreamsGroupHeartbeatRequestData beat(String groupId, String memberId, String instanceId,
                                                         StreamsGroupHeartbeatResponseData last) {
        List<StreamsGroupHeartbeatRequestData.TaskIds> owned = new ArrayList<>();
        last.activeTasks().forEach(t -> owned.add(new StreamsGroupHeartbeatRequestData.TaskIds()
                .setSubtopologyId(t.subtopologyId()).setPartitions(new ArrayList<>(t.partitions()))));
        return new StreamsGroupHeartbeatRequestData().setGroupId(groupId).setMemberId(memberId)
                .setMemberEpoch(last.memberEpoch()).setInstanceId(instanceId).setEndpointInformationEpoch(-1)
                .setActiveTasks(owned).setStandbyTasks(new ArrayList<>()).setWarmupTasks(new ArrayList<>());
    }

    private static Set<String> tasks(StreamsGroupHeartbeatResponseData response) {
        Set<String> tasks = new TreeSet<>();
        response.activeTasks().forEach(t -> t.partitions().forEach(p -> tasks.add(t.subtopologyId() + "_" + p)));
        return tasks;
    }

    private static StreamsGroupDescription describe(Admin admin, String groupId) throws Exception {
        return admin.describeStreamsGroups(List.of(groupId)).describedGroups().get(groupId).get(30, TimeUnit.SECONDS);
    }

    @Test
    void shouldDescribeTheTaskOffsetsAMemberReports() throws Exception {
        // Given a member with a task
        String input = DLOG.newTopic(1);
        String groupId = "streams-offsets-" + input;
        try (RawConnection wire = RawConnection.open(DLOG.broker().port()); Admin admin = DLOG.admin()) {
            StreamsGroupHeartbeatResponseData m = heartbeat(wire, join(groupId, input, "m-1", null));
            m = heartbeat(wire, beat(groupId, "m-1", null, m));
            assertThat(tasks(m)).containsExactly("0_0");

            // When it reports its changelog offsets and end offsets (KIP-1071 TaskOffsets, TaskEndOffsets)
            StreamsGroupHeartbeatRequestData report = beat(groupId, "m-1", null, m)
                    .setTaskOffsets(new ArrayList<>(List.of(new StreamsGroupHeartbeatRequestData.TaskOffset()
                            .setSubtopologyId("0").setPartition(0).setOffset(40))))
                    .setTaskEndOffsets(new ArrayList<>(List.of(new StreamsGroupHeartbeatRequestData.TaskOffset()
                            .setSubtopologyId("0").setPartition(0).setOffset(42))));
            assertThat(heartbeat(wire, report).errorCode()).isEqualTo(Errors.NONE.code());

            // Then the Admin client's description shows them, and a heartbeat without them keeps them
            heartbeat(wire, beat(groupId, "m-1", null, m));
            StreamsGroupMemberDescription member = describe(admin, groupId).members().iterator().next();
            assertThat(member.taskOffsets()).singleElement().satisfies(o -> {
                assertThat(o.subtopologyId()).isEqualTo("0");
                assertThat(o.partition()).isZero();
                assertThat(o.offset()).isEqualTo(40);
            });
            assertThat(member.taskEndOffsets()).singleElement().satisfies(o -> assertThat(o.offset()).isEqualTo(42));

            // And a task reported twice is refused with Kafka's message
            report.setTaskEndOffsets(null).taskOffsets().add(new StreamsGroupHeartbeatRequestData.TaskOffset()
                    .setSubtopologyId("0").setPartition(0).setOffset(41));
            StreamsGroupHeartbeatResponseData duplicate = heartbeat(wire, report);
            assertThat(duplicate.errorCode()).isEqualTo(Errors.INVALID_REQUEST.code());
            assertThat(duplicate.errorMessage())
                    .isEqualTo("Task offsets contain a duplicate entry for subtopology 0 and partition 0.");
        }
    }

    @Test
    void shouldRefuseRegexSourceTopicsWithKafkasError() throws Exception {
        // Given a join whose subtopology reads a pattern, as KIP-1071 lets a client send
        String input = DLOG.newTopic(1);
        String groupId = "streams-regex-" + input;
        StreamsGroupHeartbeatRequestData request = join(groupId, input, "m-1", null);
        request.topology().subtopologies().get(0).setSourceTopics(new ArrayList<>())
                .setSourceTopicRegex(new ArrayList<>(List.of(input + ".*")));
        try (RawConnection wire = RawConnection.open(DLOG.broker().port()); Admin admin = DLOG.admin()) {
            // When it is sent
            StreamsGroupHeartbeatResponseData response = heartbeat(wire, request);

            // Then Kafka's answer, and no group was made
            assertThat(response.errorCode()).isEqualTo(Errors.INVALID_REQUEST.code());
            assertThat(response.errorMessage()).isEqualTo("Regular expressions for source topics are not supported yet.");
            assertThat(admin.listGroups().all().get(30, TimeUnit.SECONDS)).noneMatch(g -> g.groupId().equals(groupId));
        }
    }

    @Test
    void shouldKeepALeavingStaticMembersTaskForItAndHandItBackWithoutARebalance() throws Exception {
        String input = DLOG.newTopic(2);
        String groupId = "streams-static-" + input;
        try (RawConnection wire = RawConnection.open(DLOG.broker().port()); Admin admin = DLOG.admin()) {
            // Given two static members, i1 and i2, with one task each
            StreamsGroupHeartbeatResponseData a = heartbeat(wire, join(groupId, input, "a-1", "i1"));
            StreamsGroupHeartbeatResponseData b = heartbeat(wire, join(groupId, input, "b-1", "i2"));
            assertThat(a.errorCode()).as("%s", a).isEqualTo(Errors.NONE.code());
            assertThat(b.errorCode()).as("%s", b).isEqualTo(Errors.NONE.code());
            for (int i = 0; i < 5; i++) {
                a = heartbeat(wire, beat(groupId, "a-1", "i1", a));
                b = heartbeat(wire, beat(groupId, "b-1", "i2", b));
            }
            Set<String> aTasks = tasks(a);
            Set<String> bTasks = tasks(b);
            assertThat(aTasks).hasSize(1);
            assertThat(bTasks).hasSize(1).doesNotContainAnyElementsOf(aTasks);
            StreamsGroupDescription before = describe(admin, groupId);
            assertThat(before.groupState().name()).isEqualTo("STABLE");

            // When i1 leaves with epoch -2
            StreamsGroupHeartbeatResponseData left = heartbeat(wire, new StreamsGroupHeartbeatRequestData()
                    .setGroupId(groupId).setMemberId("a-1").setMemberEpoch(-2).setInstanceId("i1"));

            // Then it is still a member, at epoch -2, with its task; no new group epoch; b keeps only its own task
            assertThat(left.errorCode()).isEqualTo(Errors.NONE.code());
            assertThat(left.memberEpoch()).isEqualTo(-2);
            StreamsGroupDescription away = describe(admin, groupId);
            assertThat(away.groupEpoch()).isEqualTo(before.groupEpoch());
            assertThat(away.members()).filteredOn(m -> m.memberId().equals("a-1")).singleElement().satisfies(m -> {
                assertThat(m.memberEpoch()).isEqualTo(-2);
                assertThat(m.instanceId()).contains("i1");
                assertThat(m.assignment().activeTasks()).isNotEmpty();
            });
            b = heartbeat(wire, beat(groupId, "b-1", "i2", b));
            assertThat(tasks(b)).isEqualTo(bTasks);

            // And i2, still held by b, cannot be taken
            assertThat(heartbeat(wire, join(groupId, input, "c-1", "i2")).errorCode())
                    .isEqualTo(Errors.UNRELEASED_INSTANCE_ID.code());

            // When i1 comes back under a new member id
            StreamsGroupHeartbeatResponseData back = heartbeat(wire, join(groupId, input, "a-2", "i1"));

            // Then it has its task back at once, a-1 is gone, and still no rebalance
            assertThat(back.errorCode()).as("%s", back).isEqualTo(Errors.NONE.code());
            assertThat(tasks(back)).isEqualTo(aTasks);
            StreamsGroupDescription after = describe(admin, groupId);
            assertThat(after.groupEpoch()).isEqualTo(before.groupEpoch());
            assertThat(after.members()).extracting(StreamsGroupMemberDescription::memberId)
                    .containsExactlyInAnyOrder("a-2", "b-1");
            assertThat(heartbeat(wire, beat(groupId, "a-1", "i1", a)).errorCode()).isEqualTo(Errors.UNKNOWN_MEMBER_ID.code());
            back = heartbeat(wire, beat(groupId, "a-2", "i1", back));
            assertThat(tasks(back)).isEqualTo(aTasks);
            assertThat(describe(admin, groupId).groupState().name()).isEqualTo("STABLE");

            // When the static members leave for good (epoch -1), the group is empty
            heartbeat(wire, new StreamsGroupHeartbeatRequestData().setGroupId(groupId).setMemberId("a-2").setMemberEpoch(-1)
                    .setInstanceId("i1"));
            heartbeat(wire, new StreamsGroupHeartbeatRequestData().setGroupId(groupId).setMemberId("b-1").setMemberEpoch(-1)
                    .setInstanceId("i2"));
            assertThat(describe(admin, groupId).members()).isEmpty();
        }
    }
}
