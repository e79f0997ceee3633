package io.dlog.compat.groups;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.compat.DLogBrokerExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.GroupType;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * KIP-848 online migration with Kafka 4.3.1's KafkaConsumer (group.consumer.migration.policy=bidirectional, Kafka's
 * default): an application rolled one instance at a time from group.protocol=classic to consumer (and back) keeps
 * consuming. Every record is read, and no partition is ever held by two consumers at once: each consumer's rebalance
 * listener checks that a partition it is given is held by no other, and gives it up when revoked or lost. Consumers
 * commit after each poll; all are polled from the test thread, so the listeners run there too.
 */
@Timeout(240)
class GroupProtocolMigrationTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final int PARTITIONS = 4;
    private static final int PER_BATCH = 25;

    @RegisterExtension
    static final DLogBrokerExtension DLOG = new DLogBrokerExtension()
            .with("group.initial.rebalance.delay.ms", "0")
            .with("group.consumer.heartbeat.interval.ms", "500");

    /** Who holds each partition now, and every offset each partition handed out. */
    private final Map<TopicPartition, String> holders = new HashMap<>();
    private final Map<TopicPartition, List<Long>> consumed = new HashMap<>();
    private final Map<String, KafkaConsumer<String, String>> live = new LinkedHashMap<>();
    private final List<String> overlaps = new ArrayList<>();
    /** Per consumer, the offsets read since its last successful commit. */
    private final Map<String, Map<TopicPartition, List<Long>>> uncommitted = new HashMap<>();
    /** Offsets whose commit failed: the only ones another read may repeat (at-least-once). */
    private final Map<TopicPartition, Set<Long>> mayRepeat = new HashMap<>();

    private KafkaConsumer<String, String> start(String name, String group, String topic, String protocol) {
        KafkaConsumer<String, String> consumer = "classic".equals(protocol)
                ? GroupClients.consumer(DLOG.bootstrapServers(), group, Map.of(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "classic"))
                : GroupClients.consumer848(DLOG.bootstrapServers(), group, Map.of(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "consumer"));
        consumer.subscribe(List.of(topic), new ConsumerRebalanceListener() {
            @Override
            public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                for (TopicPartition tp : partitions) {
                    String holder = holders.putIfAbsent(tp, name);
                    if (holder != null && !holder.equals(name)) {
                        overlaps.add(tp + " given to " + name + " while " + holder + " held it");
                    }
                }
            }

            @Override
            public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                partitions.forEach(tp -> holders.remove(tp, name));
            }

            @Override
            public void onPartitionsLost(Collection<TopicPartition> partitions) {
                partitions.forEach(tp -> holders.remove(tp, name));
            }
        });
        live.put(name, consumer);
        return consumer;
    }

    private void stop(String name) {
        live.remove(name).close(CloseOptions.timeout(Duration.ofSeconds(10))); // revokes and leaves, on this thread
    }

    private void pollAll() {
        for (Map.Entry<String, KafkaConsumer<String, String>> e : live.entrySet()) {
            KafkaConsumer<String, String> consumer = e.getValue();
            Map<TopicPartition, List<Long>> pending = uncommitted.computeIfAbsent(e.getKey(), name -> new HashMap<>());
            for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(50))) {
                TopicPartition tp = new TopicPartition(record.topic(), record.partition());
                consumed.computeIfAbsent(tp, p -> new ArrayList<>()).add(record.offset());
                pending.computeIfAbsent(tp, p -> new ArrayList<>()).add(record.offset());
            }
            try {
                consumer.commitSync(Duration.ofSeconds(5));
            } catch (CommitFailedException | RebalanceInProgressException failed) {
                // A commit during a rebalance may fail: the next owner reads those records again (at-least-once).
                pending.forEach((tp, offsets) -> mayRepeat.computeIfAbsent(tp, p -> new TreeSet<>()).addAll(offsets));
            }
            pending.clear();
        }
    }

    /** At-least-once and no more: a record is read twice only if the commit after its first read failed. */
    private void assertRepeatsOnlyWhereACommitFailed() {
        consumed.forEach((tp, offsets) -> {
            Set<Long> seen = new TreeSet<>();
            for (long offset : offsets) {
                if (!seen.add(offset)) {
                    assertThat(mayRepeat.getOrDefault(tp, Set.of())).as("%s offset %s read twice", tp, offset)
                            .contains(offset);
                }
            }
        });
    }

    private void pollUntil(String what, BooleanSupplier done) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!done.getAsBoolean()) {
            assertThat(System.nanoTime()).as("%s within %s; holders %s", what, WAIT, holders).isLessThan(deadline);
            pollAll();
        }
        assertThat(overlaps).as("partitions held by two consumers at once").isEmpty();
    }

    /** Every partition held, each live consumer holding at least one. */
    private boolean balanced() {
        pollAll();
        if (holders.size() != PARTITIONS) {
            return false;
        }
        for (KafkaConsumer<String, String> consumer : live.values()) {
            if (consumer.assignment().isEmpty()) {
                return false;
            }
        }
        return true;
    }

    private boolean allRead(String topic, int batches) {
        for (int p = 0; p < PARTITIONS; p++) {
            Set<Long> offsets = new TreeSet<>(consumed.getOrDefault(new TopicPartition(topic, p), List.of()));
            if (offsets.size() < batches * PER_BATCH) {
                return false;
            }
        }
        return true;
    }

    /** Nothing missed: every offset of every partition read, once or again after a handover. */
    private void assertEveryRecordRead(String topic, int batches) {
        for (int p = 0; p < PARTITIONS; p++) {
            Set<Long> offsets = new TreeSet<>(consumed.get(new TopicPartition(topic, p)));
            assertThat(offsets).as("offsets read of partition %s", p).hasSize(batches * PER_BATCH);
            assertThat(offsets).first().isEqualTo(0L);
        }
    }

    private static GroupType groupType(Admin admin, String group) throws Exception {
        ConsumerGroupDescription description = admin.describeConsumerGroups(List.of(group)).describedGroups().get(group).get();
        return description.type();
    }

    private static GroupType listedType(Admin admin, String group) throws Exception {
        return admin.listGroups().all().get().stream().filter(g -> g.groupId().equals(group)).findFirst()
                .flatMap(GroupListing::type).orElse(GroupType.UNKNOWN);
    }

    @Test
    void shouldKeepConsumingThroughARollingUpgradeFromClassicToConsumer() throws Exception {
        // Given: two classic consumers sharing a 4-partition topic
        String topic = DLOG.newTopic(PARTITIONS);
        String group = "upgrade-" + UUID.randomUUID().toString().substring(0, 8);
        GroupClients.produce(DLOG.bootstrapServers(), topic, PARTITIONS, PER_BATCH);
        start("classic-1", group, topic, "classic");
        start("classic-2", group, topic, "classic");
        pollUntil("two classic consumers share the topic", this::balanced);
        try (Admin admin = DLOG.admin()) {
            assertThat(groupType(admin, group)).isEqualTo(GroupType.CLASSIC);

            // When: classic-1 is replaced by a KIP-848 consumer
            start("consumer-1", group, topic, "consumer");
            stop("classic-1");
            GroupClients.produce(DLOG.bootstrapServers(), topic, PARTITIONS, PER_BATCH);
            pollUntil("a classic and a KIP-848 consumer share the topic", this::balanced);

            // Then: the group is a consumer group holding a classic member (KIP-1099: upgraded false)
            assertThat(groupType(admin, group)).isEqualTo(GroupType.CONSUMER);
            assertThat(admin.describeConsumerGroups(List.of(group)).describedGroups().get(group).get().members())
                    .extracting(m -> m.upgraded().orElse(null)).containsExactlyInAnyOrder(true, false);
            assertThat(listedType(admin, group)).isEqualTo(GroupType.CONSUMER);

            // When: classic-2 is replaced too
            start("consumer-2", group, topic, "consumer");
            stop("classic-2");
            GroupClients.produce(DLOG.bootstrapServers(), topic, PARTITIONS, PER_BATCH);
            pollUntil("two KIP-848 consumers share the topic", this::balanced);
            pollUntil("every record read", () -> allRead(topic, 3));

            // Then: everything was read, and the group is a consumer group of KIP-848 members
            assertEveryRecordRead(topic, 3);
            assertRepeatsOnlyWhereACommitFailed();
            assertThat(groupType(admin, group)).isEqualTo(GroupType.CONSUMER);
            assertThat(admin.describeConsumerGroups(List.of(group)).describedGroups().get(group).get().members())
                    .hasSize(2);
        } finally {
            new ArrayList<>(live.keySet()).forEach(this::stop);
        }
    }

    @Test
    void shouldKeepConsumingThroughARollingDowngradeFromConsumerToClassic() throws Exception {
        // Given: two KIP-848 consumers sharing a 4-partition topic
        String topic = DLOG.newTopic(PARTITIONS);
        String group = "downgrade-" + UUID.randomUUID().toString().substring(0, 8);
        GroupClients.produce(DLOG.bootstrapServers(), topic, PARTITIONS, PER_BATCH);
        start("consumer-1", group, topic, "consumer");
        start("consumer-2", group, topic, "consumer");
        pollUntil("two KIP-848 consumers share the topic", this::balanced);
        try (Admin admin = DLOG.admin()) {
            // When: consumer-1 is replaced by a classic consumer, which joins the consumer group as a classic member
            start("classic-1", group, topic, "classic");
            stop("consumer-1");
            GroupClients.produce(DLOG.bootstrapServers(), topic, PARTITIONS, PER_BATCH);
            pollUntil("a KIP-848 and a classic consumer share the topic", this::balanced);
            assertThat(groupType(admin, group)).isEqualTo(GroupType.CONSUMER);

            // When: consumer-2 is replaced too: the last KIP-848 member leaving converts the group back
            start("classic-2", group, topic, "classic");
            stop("consumer-2");
            GroupClients.produce(DLOG.bootstrapServers(), topic, PARTITIONS, PER_BATCH);
            pollUntil("two classic consumers share the topic", this::balanced);
            pollUntil("every record read", () -> allRead(topic, 3));

            // Then: everything was read and the group is classic
            assertEveryRecordRead(topic, 3);
            assertRepeatsOnlyWhereACommitFailed();
            assertThat(groupType(admin, group)).isEqualTo(GroupType.CLASSIC);
            assertThat(listedType(admin, group)).isEqualTo(GroupType.CLASSIC);
        } finally {
            new ArrayList<>(live.keySet()).forEach(this::stop);
        }
    }

    @Test
    void shouldKeepAMixedGroupAcrossABrokerRestart() throws Exception {
        // Given: a consumer group holding a classic and a KIP-848 member, settled
        String topic = DLOG.newTopic(PARTITIONS);
        String group = "restart-" + UUID.randomUUID().toString().substring(0, 8);
        GroupClients.produce(DLOG.bootstrapServers(), topic, PARTITIONS, PER_BATCH);
        start("classic-1", group, topic, "classic");
        pollUntil("the classic consumer holds the topic", this::balanced);
        start("consumer-1", group, topic, "consumer");
        pollUntil("a classic and a KIP-848 consumer share the topic", this::balanced);
        try {
            // When: the broker restarts (the coordinator reloads the group from __consumer_offsets)
            DLOG.restart();
            GroupClients.produce(DLOG.bootstrapServers(), topic, PARTITIONS, PER_BATCH);

            // Then: both keep consuming from where they committed, and the group is still a consumer group
            pollUntil("every record read", () -> allRead(topic, 2));
            pollUntil("a classic and a KIP-848 consumer share the topic", this::balanced);
            assertEveryRecordRead(topic, 2);
            assertRepeatsOnlyWhereACommitFailed();
            try (Admin admin = DLOG.admin()) {
                assertThat(groupType(admin, group)).isEqualTo(GroupType.CONSUMER);
                assertThat(admin.describeConsumerGroups(List.of(group)).describedGroups().get(group).get().members())
                        .hasSize(2);
            }
        } finally {
            new ArrayList<>(live.keySet()).forEach(this::stop);
        }
    }
}
