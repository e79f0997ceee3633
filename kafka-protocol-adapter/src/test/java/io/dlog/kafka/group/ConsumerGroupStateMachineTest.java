package io.dlog.kafka.group;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.kafka.group.GroupTestSupport.ManualClock;
import io.dlog.kafka.group.GroupTestSupport.Topics;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.ConsumerGroupDescribeRequestData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatRequestData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ConsumerGroupStateMachineTest {
    private final ManualClock clock = new ManualClock();
    private final Topics topics = new Topics().with("orders", 4);
    private final InMemoryGroupStore store = new InMemoryGroupStore();
    private GroupCoordinator coordinator;
    private Uuid orders;

    @BeforeEach
    void setUp() throws Exception {
        coordinator = GroupTestSupport.loaded(GroupConfig.DEFAULTS, topics, clock, store);
        orders = topics.id("orders");
    }

    private ConsumerGroupHeartbeatResponseData heartbeat(String memberId, int epoch, List<Integer> owned) {
        return staticHeartbeat(memberId, null, epoch, owned);
    }

    private static Set<Integer> partitions(ConsumerGroupHeartbeatResponseData response) {
        Set<Integer> set = new TreeSet<>();
        response.assignment().topicPartitions().forEach(tp -> set.addAll(tp.partitions()));
        return set;
    }

    @Test
    void shouldRevokeBeforeReassigningWhenSecondMemberJoins() {
        ConsumerGroupHeartbeatResponseData m1 = heartbeat("m1", 0, null);
        assertThat(m1.errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(m1.memberEpoch()).isEqualTo(1);
        assertThat(partitions(m1)).containsExactly(0, 1, 2, 3);

        ConsumerGroupHeartbeatResponseData m2 = heartbeat("m2", 0, null);
        assertThat(m2.memberEpoch()).isEqualTo(2);
        assertThat(partitions(m2)).isEmpty(); // its target is still owned by m1

        ConsumerGroupHeartbeatResponseData revoke = heartbeat("m1", 1, List.of(0, 1, 2, 3));
        assertThat(revoke.memberEpoch()).isEqualTo(1);
        Set<Integer> kept = partitions(revoke);
        assertThat(kept).hasSize(2);

        ConsumerGroupHeartbeatResponseData acked = heartbeat("m1", 1, new ArrayList<>(kept));
        assertThat(acked.memberEpoch()).isEqualTo(2);
        assertThat(partitions(acked)).isEqualTo(kept);

        ConsumerGroupHeartbeatResponseData m2Later = heartbeat("m2", 2, List.of());
        assertThat(partitions(m2Later)).hasSize(2).doesNotContainAnyElementsOf(kept);
        var described = coordinator.consumerGroupDescribe(new ConsumerGroupDescribeRequestData().setGroupIds(List.of("g")));
        assertThat(described.groups().get(0).groupState()).isEqualTo("Stable");
    }

    @Test
    void shouldRevokeFirstEvenWhenAHeartbeatSentBeforeTheAssignmentWasTakenListsNothingOwned() {
        // Given: m1 was given all four partitions, and m2 joins before m1 has said it owns them
        heartbeat("m1", 0, null);
        heartbeat("m2", 0, null);

        // When: m1's next heartbeat lists nothing owned (a full heartbeat sent while its client still takes on
        // the first assignment, whose callbacks have not run yet)
        ConsumerGroupHeartbeatResponseData stale = heartbeat("m1", 1, List.of());

        // Then: m1 still gets a revocation round; m2 gets nothing until m1 has said it gave the partitions up
        assertThat(stale.memberEpoch()).isEqualTo(1);
        Set<Integer> kept = partitions(stale);
        assertThat(kept).hasSize(2);
        assertThat(partitions(heartbeat("m2", 2, List.of()))).isEmpty();
        assertThat(heartbeat("m1", 1, new ArrayList<>(kept)).memberEpoch()).isEqualTo(2);
        assertThat(partitions(heartbeat("m2", 2, List.of()))).hasSize(2).doesNotContainAnyElementsOf(kept);
    }

    @Test
    void shouldDeleteAnEmptyConsumerGroupWithoutOffsetsAtTheNextRetentionCheck() throws Exception {
        heartbeat("m1", 0, null);
        assertThat(heartbeat("m1", -1, null).errorCode()).isEqualTo(Errors.NONE.code()); // leaves
        assertThat(coordinator.consumerGroups.get("g").members).isEmpty();

        coordinator.checkOffsetRetentionOnNextTick();
        coordinator.tick();
        assertThat(coordinator.consumerGroups).as("kept while empty for less than a check interval").containsKey("g");
        clock.advance(GroupConfig.DEFAULTS.offsetsRetentionCheckMs());
        coordinator.checkOffsetRetentionOnNextTick();
        coordinator.tick();

        assertThat(coordinator.consumerGroups).doesNotContainKey("g");
        assertThat(GroupTestSupport.loaded(GroupConfig.DEFAULTS, topics, clock, store).consumerGroups).doesNotContainKey("g");
    }

    @Test
    void shouldGiveAGroupItsOwnHeartbeatIntervalAndSessionTimeout() {
        // Given group configs (kafka-configs --entity-type groups) over the broker's 5 s / 45 s
        topics.groupConfigs.put("g", Map.of("consumer.heartbeat.interval.ms", "6000", "consumer.session.timeout.ms", "50000"));

        // When a member joins, then it is told the group's interval
        assertThat(heartbeat("m1", 0, null).heartbeatIntervalMs()).isEqualTo(6000);

        // Then it outlives the broker's session timeout and expires at the group's
        clock.advance(46_000);
        coordinator.tick();
        assertThat(coordinator.consumerGroups.get("g").members).containsKey("m1");
        clock.advance(5_000);
        coordinator.tick();
        assertThat(coordinator.consumerGroups.get("g").members).doesNotContainKey("m1");
    }

    @Test
    void shouldFenceStaleEpochsAndUnknownMembers() {
        heartbeat("m1", 0, null);
        assertThat(heartbeat("m1", 7, List.of()).errorCode()).isEqualTo(Errors.FENCED_MEMBER_EPOCH.code());
        assertThat(heartbeat("ghost", 1, List.of()).errorCode()).isEqualTo(Errors.UNKNOWN_MEMBER_ID.code());
    }

    @Test
    void shouldRemoveMemberAfterSessionTimeoutAndReassignItsPartitions() {
        heartbeat("m1", 0, null);
        heartbeat("m2", 0, null);
        Set<Integer> kept = partitions(heartbeat("m1", 1, List.of(0, 1, 2, 3)));
        heartbeat("m1", 1, new ArrayList<>(kept));
        heartbeat("m2", 2, List.of());

        clock.advance(GroupConfig.DEFAULTS.consumerSessionTimeoutMs() - 1000);
        heartbeat("m1", 2, null);
        clock.advance(1000);
        coordinator.tick();

        assertThat(coordinator.consumerGroups.get("g").members).containsOnlyKeys("m1");
        ConsumerGroupHeartbeatResponseData m1 = heartbeat("m1", 2, null);
        assertThat(m1.memberEpoch()).isEqualTo(3);
        assertThat(partitions(m1)).containsExactly(0, 1, 2, 3);
    }

    @Test
    void shouldRejectUnknownAssignorAndBadRegex() {
        ConsumerGroupHeartbeatRequestData request = new ConsumerGroupHeartbeatRequestData().setGroupId("g")
                .setMemberId("m").setMemberEpoch(0).setRebalanceTimeoutMs(1000).setSubscribedTopicRegex("(")
                .setTopicPartitions(new ArrayList<>());
        assertThat(coordinator.consumerGroupHeartbeat((short) 1, "c", "h", request).join().errorCode())
                .isEqualTo(Errors.INVALID_REGULAR_EXPRESSION.code());
        request.setSubscribedTopicRegex("or.*").setServerAssignor("sticky");
        assertThat(coordinator.consumerGroupHeartbeat((short) 1, "c", "h", request).join().errorCode())
                .isEqualTo(Errors.UNSUPPORTED_ASSIGNOR.code());
    }

    @Test
    void shouldKeepGroupAcrossReload() throws Exception {
        heartbeat("m1", 0, null);

        GroupCoordinator reloaded = GroupTestSupport.loaded(GroupConfig.DEFAULTS, topics, clock, store);

        ConsumerGroup group = reloaded.consumerGroups.get("g");
        assertThat(group.members).containsOnlyKeys("m1");
        assertThat(group.members.get("m1").memberEpoch).isEqualTo(1);
        assertThat(group.members.get("m1").assigned).hasSize(4);
    }

    @Test
    void shouldBalanceUniformlyAndStickily() {
        Uuid t = Uuid.randomUuid();
        Map<String, ServerAssignors.MemberSpec> specs = new java.util.LinkedHashMap<>();
        TreeSet<ConsumerGroup.Tp> all = new TreeSet<>();
        for (int p = 0; p < 6; p++) {
            all.add(new ConsumerGroup.Tp(t, p));
        }
        specs.put("a", new ServerAssignors.MemberSpec(Set.of(t), all));
        specs.put("b", new ServerAssignors.MemberSpec(Set.of(t), Set.of()));
        specs.put("c", new ServerAssignors.MemberSpec(Set.of(t), Set.of()));

        var uniform = ServerAssignors.uniform(specs, Map.of(t, 6));
        var range = ServerAssignors.range(specs, Map.of(t, 6));

        assertThat(uniform.values()).allMatch(s -> s.size() == 2);
        assertThat(all).containsAll(uniform.get("a"));
        assertThat(range.get("a")).containsExactly(new ConsumerGroup.Tp(t, 0), new ConsumerGroup.Tp(t, 1));
        assertThat(range.get("c")).containsExactly(new ConsumerGroup.Tp(t, 4), new ConsumerGroup.Tp(t, 5));
    }

    private ConsumerGroupHeartbeatResponseData staticHeartbeat(String memberId, String instanceId, int epoch,
                                                               List<Integer> owned) {
        ConsumerGroupHeartbeatRequestData request = new ConsumerGroupHeartbeatRequestData().setGroupId("g")
                .setMemberId(memberId).setInstanceId(instanceId).setMemberEpoch(epoch).setRebalanceTimeoutMs(30_000);
        if (epoch == 0) {
            request.setSubscribedTopicNames(List.of("orders")).setTopicPartitions(new ArrayList<>());
        }
        if (owned != null) {
            request.setTopicPartitions(new ArrayList<>(List.of(new ConsumerGroupHeartbeatRequestData.TopicPartitions()
                    .setTopicId(orders).setPartitions(owned))));
        }
        return coordinator.consumerGroupHeartbeat((short) 1, "client", "/127.0.0.1", request).join();
    }

    @Test
    void shouldKeepAStaticMembersPartitionsWhileItRestarts() {
        // Given: a static member and a dynamic one, two partitions each
        ConsumerGroupHeartbeatResponseData s1 = staticHeartbeat("s1", "app-1", 0, null);
        heartbeat("m2", 0, null);
        s1 = staticHeartbeat("s1", "app-1", s1.memberEpoch(), List.of(0, 1, 2, 3));
        Set<Integer> kept = partitions(s1);
        s1 = staticHeartbeat("s1", "app-1", 1, new ArrayList<>(kept));
        ConsumerGroupHeartbeatResponseData m2 = heartbeat("m2", 2, List.of());
        assertThat(partitions(m2)).hasSize(2).doesNotContainAnyElementsOf(kept);

        // When: the static member leaves with epoch -2 (a restart), the dynamic one keeps heartbeating
        assertThat(staticHeartbeat("s1", "app-1", -2, null).errorCode()).isEqualTo(Errors.NONE.code());
        m2 = heartbeat("m2", m2.memberEpoch(), new ArrayList<>(partitions(m2)));

        // Then: its partitions wait for it, and its new incarnation takes them back
        assertThat(partitions(m2)).hasSize(2).doesNotContainAnyElementsOf(kept);
        ConsumerGroupHeartbeatResponseData back = staticHeartbeat("s1-restarted", "app-1", 0, null);
        assertThat(back.errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(partitions(back)).isEqualTo(kept);
    }
}
