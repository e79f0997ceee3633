package io.dlog.compat.groups;

import static io.dlog.compat.groups.GroupClients.consumer;
import static io.dlog.compat.groups.GroupClients.partitioned;
import static io.dlog.compat.groups.GroupClients.pollUntil;
import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.compat.DLogBrokerExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Classic-protocol groups with real kafka-clients 4.x consumers. */
@Timeout(120)
class ClassicConsumerGroupTest {
    @RegisterExtension
    static final DLogBrokerExtension DLOG = new DLogBrokerExtension();

    private static String group() {
        return "g-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @Test
    void shouldShareAndRebalancePartitionsWhenMembersJoinLeaveAndDie() {
        String topic = DLOG.newTopic(6);
        String group = group();
        try (KafkaConsumer<String, String> c1 = consumer(DLOG.bootstrapServers(), group, Map.of());
             KafkaConsumer<String, String> c2 = consumer(DLOG.bootstrapServers(), group, Map.of())) {
            c1.subscribe(List.of(topic));
            c2.subscribe(List.of(topic));
            pollUntil(() -> partitioned(6, 3, c1, c2), c1, c2);

            // A third member joins: 2 partitions each.
            KafkaConsumer<String, String> c3 = consumer(DLOG.bootstrapServers(), group, Map.of());
            c3.subscribe(List.of(topic));
            pollUntil(() -> partitioned(6, 2, c1, c2, c3), c1, c2, c3);

            // It leaves cleanly (LeaveGroup): the other two take its partitions.
            c3.close();
            pollUntil(() -> partitioned(6, 3, c1, c2), c1, c2);

            // c2 dies without leaving: the session timeout (6 s) removes it; c1 gets everything.
            c2.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.REMAIN_IN_GROUP));
            long start = System.nanoTime();
            pollUntil(() -> partitioned(6, 6, c1), c1);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThan(Duration.ofSeconds(3));
        }
    }

    @Test
    void shouldConsumeEveryRecordOnceAcrossCleanRebalanceWithCommittedOffsets() throws Exception {
        String topic = DLOG.newTopic(3);
        String group = group();
        GroupClients.produce(DLOG.bootstrapServers(), topic, 3, 10);
        List<String> consumed = new ArrayList<>();
        try (KafkaConsumer<String, String> c1 = consumer(DLOG.bootstrapServers(), group,
                Map.of(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "2"))) {
            c1.subscribe(List.of(topic));
            // Read a few records alone, committing after each batch.
            while (consumed.size() < 6) {
                for (ConsumerRecord<String, String> r : c1.poll(Duration.ofMillis(100))) {
                    consumed.add(r.partition() + ":" + r.offset());
                }
                c1.commitSync();
            }
            try (KafkaConsumer<String, String> c2 = consumer(DLOG.bootstrapServers(), group,
                    Map.of(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "2"))) {
                c2.subscribe(List.of(topic));
                long deadline = System.nanoTime() + GroupClients.WAIT.toNanos();
                while (consumed.size() < 30 && System.nanoTime() < deadline) {
                    for (KafkaConsumer<String, String> c : List.of(c1, c2)) {
                        for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(100))) {
                            consumed.add(r.partition() + ":" + r.offset());
                        }
                        c.commitSync();
                    }
                }
                assertThat(c2.assignment()).isNotEmpty();
            }
        }
        assertThat(consumed).hasSize(30).doesNotHaveDuplicates();
    }

    @Test
    void shouldNotRebalanceWhenStaticMemberRestartsWithinSessionTimeout() {
        String topic = DLOG.newTopic(4);
        String group = group();
        Map<String, Object> s1 = Map.of(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, "static-1",
                ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "15000");
        Map<String, Object> s2 = Map.of(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, "static-2",
                ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "15000");
        try (KafkaConsumer<String, String> c2 = consumer(DLOG.bootstrapServers(), group, s2)) {
            KafkaConsumer<String, String> c1 = consumer(DLOG.bootstrapServers(), group, s1);
            c1.subscribe(List.of(topic));
            c2.subscribe(List.of(topic));
            pollUntil(() -> partitioned(4, 2, c1, c2), c1, c2);
            Set<TopicPartition> before1 = new HashSet<>(c1.assignment());
            Set<TopicPartition> before2 = new HashSet<>(c2.assignment());
            int generation = c2.groupMetadata().generationId();

            c1.close(); // a static member sends no LeaveGroup
            KafkaConsumer<String, String> restarted = consumer(DLOG.bootstrapServers(), group, s1);
            try (restarted) {
                restarted.subscribe(List.of(topic));
                pollUntil(() -> !restarted.assignment().isEmpty(), restarted, c2);
                pollUntil(() -> true, restarted, c2);
                assertThat(restarted.assignment()).isEqualTo(before1);
                assertThat(c2.assignment()).isEqualTo(before2);
                assertThat(restarted.groupMetadata().generationId()).isEqualTo(generation);
                assertThat(c2.groupMetadata().generationId()).isEqualTo(generation);
            }
        }
    }

    @Test
    void shouldRebalanceIncrementallyWithCooperativeSticky() {
        String topic = DLOG.newTopic(6);
        String group = group();
        Map<String, Object> cooperative = Map.of(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG,
                CooperativeStickyAssignor.class.getName());
        List<Collection<TopicPartition>> revokedFromFirst = new ArrayList<>();
        try (KafkaConsumer<String, String> c1 = consumer(DLOG.bootstrapServers(), group, cooperative);
             KafkaConsumer<String, String> c2 = consumer(DLOG.bootstrapServers(), group, cooperative)) {
            c1.subscribe(List.of(topic), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    if (!partitions.isEmpty()) {
                        revokedFromFirst.add(new ArrayList<>(partitions));
                    }
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                }
            });
            pollUntil(() -> partitioned(6, 6, c1), c1);
            Set<TopicPartition> all = new HashSet<>(c1.assignment());

            c2.subscribe(List.of(topic));
            pollUntil(() -> partitioned(6, 3, c1, c2), c1, c2);

            // Cooperative: c1 gave up only the three partitions that moved, and kept the others throughout.
            assertThat(revokedFromFirst).hasSize(1);
            assertThat(revokedFromFirst.get(0)).hasSize(3).containsExactlyInAnyOrderElementsOf(c2.assignment());
            assertThat(all).containsAll(c1.assignment());
        }
    }

    @Test
    void shouldHideConsumerOffsetsTopicUnlessInternalTopicsAreListed() throws Exception {
        try (Admin admin = DLOG.admin()) {
            assertThat(admin.listTopics().names().get()).doesNotContain("__consumer_offsets");
            assertThat(admin.listTopics(new ListTopicsOptions().listInternal(true)).names().get())
                    .contains("__consumer_offsets");
            Map<String, String> configs = new HashMap<>();
            admin.describeConfigs(List.of(new org.apache.kafka.common.config.ConfigResource(
                            org.apache.kafka.common.config.ConfigResource.Type.TOPIC, "__consumer_offsets")))
                    .all().get().values().forEach(c -> c.entries().forEach(e -> configs.put(e.name(), e.value())));
            assertThat(configs).containsEntry("cleanup.policy", "compact");
            // offsets.topic.num.partitions: DLog's default is 16
            assertThat(admin.describeTopics(List.of("__consumer_offsets")).allTopicNames().get()
                    .get("__consumer_offsets").partitions()).hasSize(16);
        }
    }
}
