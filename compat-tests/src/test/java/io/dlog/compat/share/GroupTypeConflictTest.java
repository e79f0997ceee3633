package io.dlog.compat.share;

import static io.dlog.compat.share.ShareClients.awaitAssigned;
import static io.dlog.compat.share.ShareClients.shareConsumer;
import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.compat.DLogBrokerExtension;
import io.dlog.compat.groups.GroupClients;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.errors.InconsistentGroupProtocolException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A group id is one kind of group (issue 18, Kafka 4.x's GroupMetadataManager): with Kafka 4.3.1's clients, a
 * KafkaShareConsumer on an id a KIP-848 consumer group holds fails with GroupIdNotFoundException ("Group %s is not a
 * share group."), a KIP-848 KafkaConsumer on a share group's id with GroupIdNotFoundException ("Group %s is not a
 * consumer group."), a classic KafkaConsumer on it with InconsistentGroupProtocolException; the group that held the id
 * keeps it.
 */
@Timeout(120)
class GroupTypeConflictTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @RegisterExtension
    static final DLogBrokerExtension DLOG = new DLogBrokerExtension().with("group.share.heartbeat.interval.ms", "500");

    private static KafkaConsumer<String, String> consumer(String groupId, String protocol) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, DLOG.bootstrapServers());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        props.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, protocol);
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        return new KafkaConsumer<>(props);
    }


    @Test
    void shouldRefuseAShareConsumerOnAConsumerGroupsId() {
        // Given: a KIP-848 consumer group with an assigned member
        String topic = DLOG.newTopic(1);
        String group = "consumer-" + topic;
        try (KafkaConsumer<String, String> member = consumer(group, "consumer");
             KafkaShareConsumer<String, String> share = shareConsumer(DLOG.bootstrapServers(), group, Map.of())) {
            member.subscribe(List.of(topic));
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (member.assignment().isEmpty()) {
                assertThat(System.nanoTime()).as("consumer never assigned").isLessThan(deadline);
                member.poll(Duration.ofMillis(100));
            }

            // When: a share consumer subscribes with the same group id
            share.subscribe(List.of(topic));
            RuntimeException failure = GroupClients.pollUntilThrown(share::poll, WAIT);

            // Then: Kafka's answer, and the consumer group still has its member
            assertThat(failure).isInstanceOf(GroupIdNotFoundException.class)
                    .hasMessageContaining("Group " + group + " is not a share group.");
            member.poll(Duration.ofMillis(100));
            assertThat(member.assignment()).isNotEmpty();
        }
    }

    @Test
    void shouldRefuseConsumerAndClassicMembersOnAShareGroupsId() throws Exception {
        // Given: a share group with an assigned member
        String topic = DLOG.newTopic(1);
        String group = "share-" + topic;
        try (Admin admin = DLOG.admin();
             KafkaShareConsumer<String, String> share = shareConsumer(DLOG.bootstrapServers(), group, Map.of())) {
            share.subscribe(List.of(topic));
            awaitAssigned(admin, group, 1, List.of(share));

            // When / Then: a KIP-848 consumer is told the group is not a consumer group
            try (KafkaConsumer<String, String> consumer = consumer(group, "consumer")) {
                consumer.subscribe(List.of(topic));
                assertThat(GroupClients.pollUntilThrown(consumer::poll, WAIT)).isInstanceOf(GroupIdNotFoundException.class)
                        .hasMessageContaining("Group " + group + " is not a consumer group.");
            }
            // When / Then: a classic consumer gets INCONSISTENT_GROUP_PROTOCOL
            try (KafkaConsumer<String, String> classic = consumer(group, "classic")) {
                classic.subscribe(List.of(topic));
                assertThat(GroupClients.pollUntilThrown(classic::poll, WAIT)).isInstanceOf(InconsistentGroupProtocolException.class);
            }
            // And: the share group keeps its member
            awaitAssigned(admin, group, 1, List.of(share));
        }
    }
}
