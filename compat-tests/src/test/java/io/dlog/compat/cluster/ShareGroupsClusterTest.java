package io.dlog.compat.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.compat.share.ShareClients;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListGroupsOptions;
import org.apache.kafka.clients.admin.ShareGroupDescription;
import org.apache.kafka.clients.admin.SharePartitionOffsetInfo;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Share groups on three nodes whose topic partitions are led by other nodes than the share coordinators of
 * their share-partitions: the leaders read and write the delivery state over ReadShareGroupState /
 * WriteShareGroupState, every record is delivered once to two share consumers, and when a leader goes away
 * the new leader reads the state back (from the state's coordinator, which may have moved too): acknowledged
 * records are not delivered again, released and never delivered ones are. An empty share group outlives its
 * group coordinator (it is persisted in {@code __consumer_offsets}), and its lag is known on every node.
 */
class ShareGroupsClusterTest {
    private static final int STATE_PARTITIONS = 3;
    private static final int PARTITIONS = 6;

    @RegisterExtension
    static final DLogClusterExtension CLUSTER = DLogClusterExtension.inProcess(3)
            .with("share.coordinator.state.topic.num.partitions", Integer.toString(STATE_PARTITIONS));

    /** The class's tests share the cluster: a node a test stopped is started again for the next one. */
    @AfterEach
    void restartStoppedNodes(InProcessCluster cluster) throws Exception {
        for (int node : cluster.nodeIds()) {
            if (!cluster.isRunning(node)) {
                cluster.restart(node);
            }
        }
        try (Admin admin = cluster.admin()) {
            ShareClients.until(() -> {
                try {
                    return admin.describeCluster().nodes().get(30, TimeUnit.SECONDS).size() == cluster.size();
                } catch (Exception e) {
                    return false;
                }
            });
        }
    }

    @Test
    void shouldKeepAnEmptyGroupWithItsOffsetsAndLagWhenItsCoordinatorStops(InProcessCluster cluster) throws Exception {
        // Given: a topic on every node, and a share group whose one consumer accepted the first ten records of
        // each partition and left; then five more records a partition
        String topic = CLUSTER.newTopic(PARTITIONS, 3);
        String group = "cluster-share-idle-" + topic;
        startAtTheEarliest(cluster, group);
        List<String> first = ShareClients.produce(cluster.bootstrapServers(), topic, PARTITIONS, "a", 60);
        Set<String> accepted = new HashSet<>();
        try (KafkaShareConsumer<String, String> c = consumer(cluster, 1, group)) {
            c.subscribe(List.of(topic));
            ShareClients.until(() -> {
                for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(100))) {
                    accepted.add(r.key());
                    c.acknowledge(r, AcknowledgeType.ACCEPT);
                }
                c.commitSync().forEach((tp, failure) -> assertThat(failure).as("acknowledgement of " + tp).isEmpty());
                return accepted.containsAll(first);
            });
        }
        ShareClients.produce(cluster.bootstrapServers(), topic, PARTITIONS, "b", 30);

        // Then: the group is empty, and its coordinator reports start offset 10 and lag 5 for every partition,
        // also those another node leads (the lag is the leader's high watermark, asked with ListOffsets)
        int coordinator;
        int epoch;
        try (Admin admin = cluster.admin()) {
            ShareClients.until(() -> describe(admin, group).groupState() == GroupState.EMPTY);
            ShareGroupDescription before = describe(admin, group);
            coordinator = before.coordinator().id();
            epoch = before.groupEpoch();
            assertThat(epoch).as("the epoch of a group that had a member, kept once it is empty (as Kafka)").isPositive();
            assertThat(leaders(cluster, topic).values()).as("partitions led elsewhere than at the group coordinator")
                    .anyMatch(leader -> leader != coordinator);
            assertStartOffsetAndLag(ShareClients.offsets(admin, group), 10, 5);
        }

        // When: the group's coordinator stops
        cluster.stop(coordinator);

        // Then: the group is still listed and described, at its epoch, by the new coordinator, which knows its
        // share-partitions: its offsets and lag are as before
        try (Admin admin = cluster.admin()) {
            ShareClients.until(() -> {
                try {
                    return admin.listGroups(ListGroupsOptions.forShareGroups()).valid().get(30, TimeUnit.SECONDS).stream()
                            .anyMatch(g -> g.groupId().equals(group) && g.groupState().equals(Optional.of(GroupState.EMPTY)));
                } catch (Exception e) {
                    return false;
                }
            });
            ShareGroupDescription after = describe(admin, group);
            assertThat(after.groupState()).isEqualTo(GroupState.EMPTY);
            assertThat(after.groupEpoch()).isEqualTo(epoch);
            assertThat(after.coordinator().id()).isNotEqualTo(coordinator);
            ShareClients.until(() -> {
                try { // state coordinators moved too, and a new leader's high watermark trails until its followers fetch
                    Map<TopicPartition, SharePartitionOffsetInfo> offsets = ShareClients.offsets(admin, group);
                    return offsets.size() == PARTITIONS && offsets.values().stream().allMatch(i -> i.lag().equals(Optional.of(5L)));
                } catch (Exception e) {
                    return false;
                }
            });
            assertStartOffsetAndLag(ShareClients.offsets(admin, group), 10, 5);
        }
    }

    private static ShareGroupDescription describe(Admin admin, String group) {
        try {
            return admin.describeShareGroups(List.of(group)).describedGroups().get(group).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("describing " + group, e);
        }
    }

    private static void assertStartOffsetAndLag(Map<TopicPartition, SharePartitionOffsetInfo> offsets, long start, long lag) {
        assertThat(offsets).hasSize(PARTITIONS);
        offsets.forEach((tp, info) -> {
            assertThat(info.startOffset()).as("start offset of " + tp).isEqualTo(start);
            assertThat(info.lag()).as("lag of " + tp).contains(lag);
        });
    }

    @Test
    void shouldDeliverOnceThroughRemoteStateCoordinatorsAndKeepAcknowledgementsWhenTheLeaderMoves(
            InProcessCluster cluster) throws Exception {
        // Given: a topic on every node (three replicas each) and a share group that starts at the earliest offset
        String topic = CLUSTER.newTopic(PARTITIONS, 3);
        String group = "cluster-share-" + topic;
        startAtTheEarliest(cluster, group);
        List<String> first = ShareClients.produce(cluster.bootstrapServers(), topic, PARTITIONS, "a", 60);

        // When: two explicit-acknowledgement share consumers accept what they get
        Map<String, Integer> deliveries = new HashMap<>();
        try (KafkaShareConsumer<String, String> c1 = consumer(cluster, 1, group);
             KafkaShareConsumer<String, String> c2 = consumer(cluster, 2, group)) {
            c1.subscribe(List.of(topic));
            c2.subscribe(List.of(topic));
            ShareClients.until(() -> {
                for (KafkaShareConsumer<String, String> c : List.of(c1, c2)) {
                    for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(100))) {
                        deliveries.merge(r.key(), 1, Integer::sum);
                        c.acknowledge(r, AcknowledgeType.ACCEPT);
                    }
                    c.commitSync().forEach((tp, failure) -> assertThat(failure).as("acknowledgement of " + tp).isEmpty());
                }
                return deliveries.keySet().containsAll(first);
            });
        }

        // Then: every record came exactly once, and some share-partitions' state lives on another node than
        // their topic partition's leader
        assertThat(deliveries).hasSize(first.size());
        deliveries.forEach((key, n) -> assertThat(n).as(key).isEqualTo(1));
        Map<Integer, Integer> leaders = leaders(cluster, topic);
        Map<Integer, Integer> coordinators = stateCoordinators(cluster, topic, group);
        assertThat(leaders.keySet()).anyMatch(p -> !leaders.get(p).equals(coordinators.get(p)));
        // and the group's offsets (DescribeShareGroupOffsets at its coordinator, which asks each share
        // coordinator with ReadShareGroupStateSummary) show every share-partition past its ten records
        try (Admin admin = cluster.admin()) {
            Map<TopicPartition, SharePartitionOffsetInfo> offsets = ShareClients.offsets(admin, group);
            assertThat(offsets).hasSize(PARTITIONS);
            offsets.forEach((tp, info) -> assertThat(info.startOffset()).as(tp.toString()).isEqualTo(10));
        }

        // Given: more records; a consumer accepts the even ones it gets and leaves without acknowledging the
        // odd ones (its leaving releases them)
        List<String> second = ShareClients.produce(cluster.bootstrapServers(), topic, PARTITIONS, "b", 30);
        Set<String> accepted = new HashSet<>();
        Set<String> released = new HashSet<>();
        List<ConsumerRecord<String, String>> got = new ArrayList<>();
        try (KafkaShareConsumer<String, String> c3 = consumer(cluster, 3, group)) {
            c3.subscribe(List.of(topic));
            // Odd keys are on odd partitions: a first poll may bring only those (the first leaders to answer). In
            // explicit acknowledgement mode a poll needs the previous one's records acknowledged, so the odd ones
            // of an earlier poll are released explicitly; those of the last poll by the consumer's leaving.
            List<ConsumerRecord<String, String>> unacknowledged = new ArrayList<>();
            ShareClients.until(() -> {
                unacknowledged.forEach(r -> c3.acknowledge(r, AcknowledgeType.RELEASE));
                unacknowledged.clear();
                for (ConsumerRecord<String, String> r : c3.poll(Duration.ofMillis(200))) {
                    assertThat(r.key()).startsWith("b-");
                    got.add(r);
                    if (Integer.parseInt(r.key().substring(2)) % 2 == 0) {
                        c3.acknowledge(r, AcknowledgeType.ACCEPT);
                        accepted.add(r.key());
                    } else {
                        released.add(r.key());
                        unacknowledged.add(r);
                    }
                }
                return !accepted.isEmpty();
            });
            c3.commitSync().forEach((tp, failure) -> assertThat(failure).as("acknowledgement of " + tp).isEmpty());
        }
        assertThat(accepted).isNotEmpty();

        // When: the leader of a partition with accepted records stops (state coordinators on it move too)
        int stopped = leaders.get(got.stream().filter(r -> accepted.contains(r.key())).findFirst().orElseThrow().partition());
        cluster.stop(stopped);

        // Then: a new consumer gets every record of the second round but the accepted ones, each once
        Set<String> expected = new HashSet<>(second);
        expected.removeAll(accepted);
        int live = cluster.nodeIds().stream().filter(n -> n != stopped).findFirst().orElseThrow();
        Map<String, Integer> redelivered = new HashMap<>();
        try (KafkaShareConsumer<String, String> c4 = consumer(cluster, live, group)) {
            c4.subscribe(List.of(topic));
            ShareClients.until(() -> {
                for (ConsumerRecord<String, String> r : c4.poll(Duration.ofMillis(200))) {
                    redelivered.merge(r.key(), 1, Integer::sum);
                    c4.acknowledge(r, AcknowledgeType.ACCEPT);
                }
                c4.commitSync();
                return redelivered.keySet().containsAll(expected);
            });
            long quiet = System.nanoTime() + Duration.ofSeconds(2).toNanos();
            while (System.nanoTime() < quiet) { // nothing acknowledged before comes back late
                for (ConsumerRecord<String, String> r : c4.poll(Duration.ofMillis(200))) {
                    redelivered.merge(r.key(), 1, Integer::sum);
                    c4.acknowledge(r, AcknowledgeType.ACCEPT);
                }
                c4.commitSync();
            }
        }
        assertThat(redelivered.keySet()).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(redelivered.keySet()).containsAll(released).doesNotContainAnyElementsOf(accepted);
        assertThat(leaders(cluster, topic).values()).doesNotContain(stopped);

        // And: with the group empty, its offsets are reset and then deleted at their share coordinators
        // (InitializeShareGroupState and DeleteShareGroupState from the group's coordinator)
        try (Admin admin = cluster.admin()) {
            Map<TopicPartition, Long> reset = new HashMap<>();
            for (int p = 0; p < PARTITIONS; p++) {
                reset.put(new TopicPartition(topic, p), 0L);
            }
            ShareClients.until(() -> {
                try {
                    admin.alterShareGroupOffsets(group, reset).all().get(30, TimeUnit.SECONDS);
                    return true;
                } catch (Exception e) {
                    return false; // the last member's leaving may still be on its way (NON_EMPTY_GROUP)
                }
            });
            Map<TopicPartition, SharePartitionOffsetInfo> offsets = ShareClients.offsets(admin, group);
            assertThat(offsets).hasSize(PARTITIONS);
            offsets.forEach((tp, info) -> assertThat(info.startOffset()).as(tp.toString()).isZero());
            admin.deleteShareGroupOffsets(group, Set.of(topic)).all().get(30, TimeUnit.SECONDS);
            assertThat(ShareClients.offsets(admin, group)).isEmpty();
        }
    }

    private static void startAtTheEarliest(InProcessCluster cluster, String group) throws Exception {
        try (Admin admin = cluster.admin()) {
            ShareClients.startAtTheEarliest(admin, group);
        }
    }

    private static KafkaShareConsumer<String, String> consumer(InProcessCluster cluster, int node, String group) {
        return ShareClients.shareConsumer(cluster.bootstrapServers(node), group,
                Map.of("share.acknowledgement.mode", "explicit"));
    }

    private static Map<Integer, Integer> leaders(InProcessCluster cluster, String topic) throws Exception {
        try (Admin admin = cluster.admin()) {
            TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic);
            Map<Integer, Integer> leaders = new HashMap<>();
            d.partitions().forEach(p -> leaders.put(p.partition(), p.leader() == null ? -1 : p.leader().id()));
            return leaders;
        }
    }

    /** The leader of each share-partition's {@code __share_group_state} partition (Kafka's placement). */
    private static Map<Integer, Integer> stateCoordinators(InProcessCluster cluster, String topic, String group)
            throws Exception {
        try (Admin admin = cluster.admin()) {
            Map<String, TopicDescription> d = admin.describeTopics(List.of(topic, "__share_group_state")).allTopicNames()
                    .get(30, TimeUnit.SECONDS);
            TopicDescription state = d.get("__share_group_state");
            assertThat(state.partitions()).hasSize(STATE_PARTITIONS);
            Map<Integer, Integer> coordinators = new HashMap<>();
            for (int p = 0; p < PARTITIONS; p++) {
                int h = (group + ":" + d.get(topic).topicId() + ":" + p).hashCode();
                int statePartition = (h == Integer.MIN_VALUE ? 0 : Math.abs(h)) % STATE_PARTITIONS;
                coordinators.put(p, state.partitions().get(statePartition).leader().id());
            }
            return coordinators;
        }
    }
}
