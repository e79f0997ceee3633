package io.dlog.compat.groups;

import static io.dlog.compat.groups.GroupClients.partitioned;
import static io.dlog.compat.groups.GroupClients.pollUntil;
import static io.dlog.compat.groups.GroupClients.pollUntilThrown;
import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.compat.DLogBrokerExtension;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.errors.InconsistentGroupProtocolException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * group.consumer.migration.policy=disabled, with Kafka 4.3.1's KafkaConsumer: no online migration. A KIP-848 consumer
 * on a classic group with members fails with GroupIdNotFoundException ("Cannot upgrade classic group ... because online
 * upgrade is disabled."), a classic consumer on a consumer group with members with InconsistentGroupProtocolException;
 * the group keeps its members and its type.
 */
@Timeout(120)
class GroupProtocolMigrationDisabledTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @RegisterExtension
    static final DLogBrokerExtension DLOG = new DLogBrokerExtension()
            .with("group.initial.rebalance.delay.ms", "0")
            .with("group.consumer.migration.policy", "disabled");


    private static KafkaConsumer<String, String> consumer(String group, String protocol) {
        return "classic".equals(protocol)
                ? GroupClients.consumer(DLOG.bootstrapServers(), group, Map.of(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "classic"))
                : GroupClients.consumer848(DLOG.bootstrapServers(), group, Map.of(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "consumer"));
    }

    @Test
    void shouldRefuseAConsumerMemberOnAClassicGroup() {
        String topic = DLOG.newTopic(2);
        String group = "classic-" + UUID.randomUUID().toString().substring(0, 8);
        try (KafkaConsumer<String, String> classic = consumer(group, "classic");
             KafkaConsumer<String, String> upgrading = consumer(group, "consumer")) {
            classic.subscribe(List.of(topic));
            pollUntil(() -> partitioned(2, 2, classic), classic);

            upgrading.subscribe(List.of(topic));
            assertThat(pollUntilThrown(upgrading::poll, WAIT)).isInstanceOf(GroupIdNotFoundException.class)
                    .hasMessageContaining("Cannot upgrade classic group " + group
                            + " to consumer group because online upgrade is disabled.");
            pollUntil(() -> partitioned(2, 2, classic), classic);
        }
    }

    @Test
    void shouldRefuseAClassicMemberOnAConsumerGroup() {
        String topic = DLOG.newTopic(2);
        String group = "consumer-" + UUID.randomUUID().toString().substring(0, 8);
        try (KafkaConsumer<String, String> member = consumer(group, "consumer");
             KafkaConsumer<String, String> downgrading = consumer(group, "classic")) {
            member.subscribe(List.of(topic));
            pollUntil(() -> partitioned(2, 2, member), member);

            downgrading.subscribe(List.of(topic));
            assertThat(pollUntilThrown(downgrading::poll, WAIT)).isInstanceOf(InconsistentGroupProtocolException.class);
            pollUntil(() -> partitioned(2, 2, member), member);
        }
    }
}
