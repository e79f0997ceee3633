package io.dlog.compat.groups;

import static io.dlog.compat.groups.GroupClients.consumer;
import static io.dlog.compat.groups.GroupClients.partitioned;
import static io.dlog.compat.groups.GroupClients.pollUntil;
import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.compat.DLogBrokerExtension;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Committed offsets (and their metadata) and groups survive a broker restart. */
@Timeout(120)
class GroupOffsetsRestartTest {
    @RegisterExtension
    static final DLogBrokerExtension DLOG = new DLogBrokerExtension();

    @Test
    void shouldKeepCommittedOffsetsAcrossBrokerRestart() throws Exception {
        String topic = DLOG.newTopic(2);
        GroupClients.produce(DLOG.bootstrapServers(), topic, 2, 5);
        TopicPartition p0 = new TopicPartition(topic, 0);
        TopicPartition p1 = new TopicPartition(topic, 1);
        try (KafkaConsumer<String, String> c = consumer(DLOG.bootstrapServers(), "restart-group", Map.of())) {
            c.subscribe(java.util.List.of(topic));
            pollUntil(() -> partitioned(2, 2, c), c);
            c.commitSync(Map.of(p0, new OffsetAndMetadata(3, "three"), p1, new OffsetAndMetadata(4, "four")));
        }

        DLOG.restart();

        try (KafkaConsumer<String, String> c = consumer(DLOG.bootstrapServers(), "restart-group", Map.of())) {
            Map<TopicPartition, OffsetAndMetadata> committed = c.committed(Set.of(p0, p1), GroupClients.WAIT);
            assertThat(committed.get(p0).offset()).isEqualTo(3);
            assertThat(committed.get(p0).metadata()).isEqualTo("three");
            assertThat(committed.get(p1).offset()).isEqualTo(4);
            c.subscribe(java.util.List.of(topic));
            var records = pollUntil(() -> partitioned(2, 2, c), c);
            records.addAll(pollUntil(() -> c.position(p0) == 5 && c.position(p1) == 5, c));
            // Resumed from the committed offsets: 2 + 1 records left, nothing before them.
            assertThat(records).hasSize(3).allMatch(r -> r.offset() >= (r.partition() == 0 ? 3 : 4));
        }
    }
}
