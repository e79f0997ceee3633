package io.dlog.kafka.group;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.kafka.group.GroupTestSupport.ManualClock;
import io.dlog.kafka.group.GroupTestSupport.Topics;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatRequestData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatResponseData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.StreamsGroupHeartbeatRequestData;
import org.apache.kafka.common.message.StreamsGroupHeartbeatResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A group id is one kind of group (Kafka 4.x, GroupMetadataManager): a consumer, streams or classic member may not
 * take an id a group of another type holds. ConsumerGroupHeartbeat answers GROUP_ID_NOT_FOUND "Group %s is not a
 * consumer group.", StreamsGroupHeartbeat GROUP_ID_NOT_FOUND "Group %s is not a streams group." (only a join converts
 * an empty classic group), JoinGroup INCONSISTENT_GROUP_PROTOCOL with no member id. Share groups are the share
 * coordinator's: the group coordinator learns of them through its {@link GroupRecordsListener}.
 */
class GroupIdTypeTest {
    private final ManualClock clock = new ManualClock();
    private final Topics topics = new Topics().with("input", 2);
    private final InMemoryGroupStore store = new InMemoryGroupStore();
    private final Set<String> shareGroups = new HashSet<>();
    private GroupCoordinator coordinator;

    @BeforeEach
    void setUp() throws Exception {
        coordinator = new GroupCoordinator(GroupConfig.DEFAULTS, topics, clock);
        coordinator.streamsConfig(new StreamsGroupConfig(StreamsGroupConfig.DEFAULTS.sessionTimeoutMs(),
                StreamsGroupConfig.DEFAULTS.heartbeatIntervalMs(), StreamsGroupConfig.DEFAULTS.maxSize(), 0, 0));
        coordinator.setRecordsListener(new GroupRecordsListener() {
            @Override
            public void onLoad(Predicate<String> inPartitions, List<Record> records) {
            }

            @Override
            public void onUnload(Predicate<String> inPartitions) {
            }

            @Override
            public boolean holdsGroup(String groupId) {
                return shareGroups.contains(groupId);
            }
        });
        coordinator.load(store);
    }

    private ConsumerGroupHeartbeatResponseData consumerJoin(String groupId) {
        return coordinator.consumerGroupHeartbeat((short) 1, "client", "/127.0.0.1", new ConsumerGroupHeartbeatRequestData()
                .setGroupId(groupId).setMemberId("c1").setMemberEpoch(0).setRebalanceTimeoutMs(30_000)
                .setSubscribedTopicNames(List.of("input")).setTopicPartitions(new ArrayList<>())).join();
    }

    private StreamsGroupHeartbeatResponseData streamsHeartbeat(String groupId, int epoch) {
        StreamsGroupHeartbeatRequestData request = new StreamsGroupHeartbeatRequestData().setGroupId(groupId)
                .setMemberId("s1").setMemberEpoch(epoch).setEndpointInformationEpoch(-1);
        if (epoch == 0) {
            request.setRebalanceTimeoutMs(30_000).setProcessId("p1").setActiveTasks(new ArrayList<>())
                    .setStandbyTasks(new ArrayList<>()).setWarmupTasks(new ArrayList<>())
                    .setTopology(new StreamsGroupHeartbeatRequestData.Topology().setEpoch(1).setSubtopologies(
                            new ArrayList<>(List.of(new StreamsGroupHeartbeatRequestData.Subtopology().setSubtopologyId("0")
                                    .setSourceTopics(new ArrayList<>(List.of("input")))))));
        }
        return coordinator.streamsGroupHeartbeat("client", "/127.0.0.1", request).join().response();
    }

    private JoinGroupResponseData classicJoin(String groupId, String memberId) {
        JoinGroupRequestData request = new JoinGroupRequestData().setGroupId(groupId).setMemberId(memberId)
                .setProtocolType("consumer").setSessionTimeoutMs(10_000).setRebalanceTimeoutMs(30_000);
        request.protocols().add(new JoinGroupRequestData.JoinGroupRequestProtocol().setName("range").setMetadata(new byte[0]));
        return coordinator.joinGroup((short) 9, "client", "/127.0.0.1", request).join();
    }

    @Test
    void shouldLetAnotherCoordinatorMakeAGroupOnlyWhileNoGroupHereHoldsTheId() {
        // Given: a consumer group holds "taken"; "free" is nobody's
        consumerJoin("taken");
        List<String> made = new ArrayList<>();

        // When: the share coordinator asks to make its groups
        boolean takenMade = coordinator.createUnlessTaken("taken", () -> made.add("taken"));
        boolean freeMade = coordinator.createUnlessTaken("free", () -> made.add("free"));

        // Then: only the free id's creation ran
        assertThat(takenMade).isFalse();
        assertThat(freeMade).isTrue();
        assertThat(made).containsExactly("free");
    }

    @Test
    void shouldRefuseEveryOtherProtocolOnAShareGroupsId() {
        // Given: a share group holds the id
        shareGroups.add("queue");

        // When / Then: a consumer, a streams and a classic member each get Kafka's answer, and no group is made
        ConsumerGroupHeartbeatResponseData consumer = consumerJoin("queue");
        assertThat(consumer.errorCode()).isEqualTo(Errors.GROUP_ID_NOT_FOUND.code());
        assertThat(consumer.errorMessage()).isEqualTo("Group queue is not a consumer group.");
        StreamsGroupHeartbeatResponseData streams = streamsHeartbeat("queue", 0);
        assertThat(streams.errorCode()).isEqualTo(Errors.GROUP_ID_NOT_FOUND.code());
        assertThat(streams.errorMessage()).isEqualTo("Group queue is not a streams group.");
        JoinGroupResponseData classic = classicJoin("queue", "");
        assertThat(classic.errorCode()).isEqualTo(Errors.INCONSISTENT_GROUP_PROTOCOL.code());
        assertThat(classic.memberId()).isEmpty();
        assertThat(coordinator.hasGroup("queue")).isFalse();
    }

    @Test
    void shouldKeepAStreamsGroupsIdFromConsumerAndClassicMembersEvenWhenItIsEmpty() {
        // Given: a streams group whose only member left (Kafka keeps the empty group and its type)
        assertThat(streamsHeartbeat("app", 0).errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(streamsHeartbeat("app", -1).errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(coordinator.hasGroup("app")).isTrue();

        // When / Then
        ConsumerGroupHeartbeatResponseData consumer = consumerJoin("app");
        assertThat(consumer.errorCode()).isEqualTo(Errors.GROUP_ID_NOT_FOUND.code());
        assertThat(consumer.errorMessage()).isEqualTo("Group app is not a consumer group.");
        JoinGroupResponseData classic = classicJoin("app", "some-member");
        assertThat(classic.errorCode()).isEqualTo(Errors.INCONSISTENT_GROUP_PROTOCOL.code());
        assertThat(classic.memberId()).isEmpty();
    }

    @Test
    void shouldKeepAConsumerGroupsIdFromStreamsMembersAtAnyEpoch() {
        // Given: a consumer group with a member
        assertThat(consumerJoin("orders-app").errorCode()).isEqualTo(Errors.NONE.code());

        // When / Then: a joining streams member and one that believes it is in the group are both refused
        for (int epoch : new int[] {0, 3}) {
            StreamsGroupHeartbeatResponseData streams = streamsHeartbeat("orders-app", epoch);
            assertThat(streams.errorCode()).isEqualTo(Errors.GROUP_ID_NOT_FOUND.code());
            assertThat(streams.errorMessage()).isEqualTo("Group orders-app is not a streams group.");
        }
    }
}
