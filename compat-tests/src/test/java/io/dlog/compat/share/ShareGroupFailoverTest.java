package io.dlog.compat.share;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.compat.cluster.DLogClusterExtension;
import io.dlog.compat.cluster.InProcessCluster;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ShareGroupDescription;
import org.apache.kafka.clients.admin.ShareMemberDescription;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A share group's members outlive their coordinator (Kafka 4.3.1 persists members and assignments in
 * {@code __consumer_offsets}): when the node coordinating the group stops, the next coordinator loads the
 * members with their ids, epochs and assignments, and the running share consumers go on heartbeating there
 * without joining again, so the group's epoch and every member's epoch stay as they were; every record is
 * delivered once, before and after. Three in-process nodes, real Kafka 4.3.1 share consumers and Admin.
 */
class ShareGroupFailoverTest {
    private static final int PARTITIONS = 6;

    @RegisterExtension
    static final DLogClusterExtension CLUSTER = DLogClusterExtension.inProcess(3)
            .with("share.coordinator.state.topic.num.partitions", "3");

    @Test
    void shouldKeepMembersTheirEpochsAndAssignmentsWhenTheGroupCoordinatorStops(InProcessCluster cluster) throws Exception {
        // Given: two share consumers of a topic on every node that accepted a first round of records, and the
        // group settled (each member at the group's epoch, with partitions)
        String topic = CLUSTER.newTopic(PARTITIONS, 3);
        String group = "share-failover-" + topic;
        try (Admin admin = cluster.admin()) {
            ShareClients.startAtTheEarliest(admin, group);
        }
        Map<String, Integer> deliveries = new HashMap<>();
        try (KafkaShareConsumer<String, String> c1 = consumer(cluster, group);
             KafkaShareConsumer<String, String> c2 = consumer(cluster, group)) {
            c1.subscribe(List.of(topic));
            c2.subscribe(List.of(topic));
            List<KafkaShareConsumer<String, String>> consumers = List.of(c1, c2);
            List<String> first = ShareClients.produce(cluster.bootstrapServers(), topic, PARTITIONS, "a", 60);
            ShareClients.until(() -> {
                acceptAll(consumers, deliveries);
                return deliveries.keySet().containsAll(first);
            });
            ShareGroupDescription before;
            int coordinator;
            try (Admin admin = cluster.admin()) {
                ShareClients.until(() -> {
                    acceptAll(consumers, deliveries);
                    ShareGroupDescription d = describe(admin, group);
                    return d.groupState() == GroupState.STABLE && d.members().size() == 2 && d.members().stream()
                            .allMatch(m -> m.memberEpoch() == d.groupEpoch() && !m.assignment().topicPartitions().isEmpty());
                });
                before = describe(admin, group);
                coordinator = before.coordinator().id();
            }

            // When: the group's coordinator stops, and a second round of records is produced
            cluster.stop(coordinator);
            List<String> second = ShareClients.produce(cluster.bootstrapServers(), topic, PARTITIONS, "b", 60);

            // Then: the consumers get every record of the second round, each once (the first round's too)
            ShareClients.until(() -> {
                acceptAll(consumers, deliveries);
                return deliveries.keySet().containsAll(second);
            });
            // a few heartbeat intervals (5 s) at the new coordinator, during which nothing accepted comes back
            long quiet = System.nanoTime() + Duration.ofSeconds(12).toNanos();
            while (System.nanoTime() < quiet) {
                acceptAll(consumers, deliveries);
            }
            assertThat(deliveries).hasSize(first.size() + second.size());
            deliveries.forEach((key, n) -> assertThat(n).as(key).isEqualTo(1));

            // And: another node describes the group with the same members, epochs and assignments: nobody joined again
            try (Admin admin = cluster.admin()) {
                ShareGroupDescription after = describe(admin, group);
                assertThat(after.coordinator().id()).isNotEqualTo(coordinator);
                assertThat(after.groupState()).isEqualTo(GroupState.STABLE);
                assertThat(after.groupEpoch()).as("group epoch").isEqualTo(before.groupEpoch());
                assertThat(members(after)).isEqualTo(members(before));
            }

            // The Java share consumer's close waits, up to its timeout (30 s by default), for the share session it
            // held with the stopped node to close, a node no longer in the metadata it can send to (as it would
            // with Kafka): a short close keeps the test from waiting that out twice.
            for (KafkaShareConsumer<String, String> c : consumers) {
                c.close(Duration.ofSeconds(3));
            }
        }
    }

    /** Polls each consumer once, accepting what it got, and waits for the acknowledgements. */
    private static void acceptAll(List<KafkaShareConsumer<String, String>> consumers, Map<String, Integer> deliveries) {
        for (KafkaShareConsumer<String, String> c : consumers) {
            for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(100))) {
                deliveries.merge(r.key(), 1, Integer::sum);
                c.acknowledge(r, AcknowledgeType.ACCEPT);
            }
            c.commitSync().forEach((tp, failure) -> assertThat(failure).as("acknowledgement of " + tp).isEmpty());
        }
    }

    /** Each member's id with its epoch and assigned partitions. */
    private static Map<String, String> members(ShareGroupDescription d) {
        Map<String, String> members = new TreeMap<>();
        for (ShareMemberDescription m : d.members()) {
            List<String> partitions = m.assignment().topicPartitions().stream().map(TopicPartition::toString).sorted().toList();
            members.put(m.consumerId(), m.memberEpoch() + " " + partitions);
        }
        return members;
    }

    private static ShareGroupDescription describe(Admin admin, String group) {
        try {
            return admin.describeShareGroups(List.of(group)).describedGroups().get(group).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("describing " + group, e);
        }
    }

    private static KafkaShareConsumer<String, String> consumer(InProcessCluster cluster, String group) {
        return ShareClients.shareConsumer(cluster.bootstrapServers(), group, Map.of("share.acknowledgement.mode", "explicit"));
    }
}
