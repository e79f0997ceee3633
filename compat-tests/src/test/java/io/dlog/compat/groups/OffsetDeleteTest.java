package io.dlog.compat.groups;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.compat.DLogBrokerExtension;
import io.dlog.compat.clients.Clients;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** OffsetDelete (Admin.deleteConsumerGroupOffsets): removes one partition's committed offset, keeps the rest. */
class OffsetDeleteTest {
    @RegisterExtension
    static final DLogBrokerExtension DLOG = new DLogBrokerExtension().with("group.initial.rebalance.delay.ms", "0");

    @Test
    void shouldDeleteTheCommittedOffsetOfOnePartitionOfAnEmptyGroup() throws Exception {
        // Given: an empty group with offsets committed on two partitions
        String topic = DLOG.newTopic(2);
        String group = "offset-delete-" + System.nanoTime();
        TopicPartition p0 = new TopicPartition(topic, 0);
        TopicPartition p1 = new TopicPartition(topic, 1);
        try (KafkaConsumer<String, String> consumer = Clients.stringConsumer(DLOG.bootstrapServers(),
                Map.of(ConsumerConfig.GROUP_ID_CONFIG, group))) {
            consumer.assign(List.of(p0, p1));
            consumer.commitSync(Map.of(p0, new OffsetAndMetadata(0, "m0"), p1, new OffsetAndMetadata(0, "m1")));
        }
        try (Admin admin = DLOG.admin()) {
            // When
            admin.deleteConsumerGroupOffsets(group, Set.of(p0)).all().get();

            // Then
            Map<TopicPartition, OffsetAndMetadata> left = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
            assertThat(left).containsOnlyKeys(p1);
            assertThat(left.get(p1).metadata()).isEqualTo("m1");
        }
    }
}
