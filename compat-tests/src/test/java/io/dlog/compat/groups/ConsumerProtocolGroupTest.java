package io.dlog.compat.groups;

import static io.dlog.compat.groups.GroupClients.partitioned;
import static io.dlog.compat.groups.GroupClients.pollUntil;
import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.compat.DLogBrokerExtension;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.GroupType;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** KIP-848 groups (group.protocol=consumer) with real kafka-clients 4.x consumers. */
@Timeout(120)
class ConsumerProtocolGroupTest {
    @RegisterExtension
    static final DLogBrokerExtension DLOG = new DLogBrokerExtension();

    private static Map<String, Object> kip848(String assignor) {
        return Map.of(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "consumer",
                ConsumerConfig.GROUP_REMOTE_ASSIGNOR_CONFIG, assignor);
    }

    private static KafkaConsumer<String, String> newConsumer(String group, String assignor) {
        return GroupClients.consumer848(DLOG.bootstrapServers(), group, kip848(assignor));
    }

    @Test
    void shouldSplitPartitionsWithServerSideUniformAssignorAndCommitOffsets() throws Exception {
        String topic = DLOG.newTopic(4);
        String group = "g848-" + UUID.randomUUID().toString().substring(0, 8);
        GroupClients.produce(DLOG.bootstrapServers(), topic, 4, 3);
        KafkaConsumer<String, String> c2 = newConsumer(group, "uniform");
        try (KafkaConsumer<String, String> c1 = newConsumer(group, "uniform")) {
            c1.subscribe(List.of(topic));
            pollUntil(() -> partitioned(4, 4, c1), c1);
            c2.subscribe(List.of(topic));
            pollUntil(() -> partitioned(4, 2, c1, c2), c1, c2);
            c1.commitSync(Map.of(new TopicPartition(topic, c1.assignment().iterator().next().partition()),
                    new OffsetAndMetadata(1, "m")));

            try (Admin admin = DLOG.admin()) {
                ConsumerGroupDescription description = admin.describeConsumerGroups(List.of(group))
                        .describedGroups().get(group).get();
                assertThat(description.type()).isEqualTo(GroupType.CONSUMER);
                assertThat(description.members()).hasSize(2);
                assertThat(description.partitionAssignor()).isEqualTo("uniform");
            }

            c2.close();
            pollUntil(() -> partitioned(4, 4, c1), c1);
        } finally {
            c2.close();
        }
    }

    @Test
    void shouldSubscribeByRegexWithRangeAssignor() {
        String topic = DLOG.newTopic(2);
        String group = "g848-" + UUID.randomUUID().toString().substring(0, 8);
        try (KafkaConsumer<String, String> c1 = newConsumer(group, "range")) {
            c1.subscribe(Pattern.compile(Pattern.quote(topic) + ".*"));
            pollUntil(() -> partitioned(2, 2, c1), c1);
            assertThat(c1.assignment()).extracting(TopicPartition::topic).containsOnly(topic);
        }
    }
}
