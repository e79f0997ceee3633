package io.dlog.compat.replication;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.compat.cluster.InProcessCluster;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * An idempotent producer that writes the moment its topic is created, with five requests in flight per partition:
 * its first request can reach a leader that is not ready yet (NOT_LEADER_OR_FOLLOWER) and its second one the same
 * leader a moment later, ready. Every record must still be acknowledged: the second batch waits for the first
 * (ProducerStateManager refuses an unknown producer's first batch above sequence 0 on a partition that has forgotten
 * no producer), where on Kafka's rule the retried first batch would be out of sequence until delivery.timeout.ms.
 * The window is a matter of timing, so the test creates many topics; ProducerStateTest pins the rule itself.
 */
class NewTopicIdempotenceTest {
    private static InProcessCluster cluster;

    @BeforeAll
    static void start() throws Exception {
        cluster = InProcessCluster.start(3, Map.of());
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void shouldAcknowledgeEveryRecordSentTheMomentATopicIsCreated() throws Exception {
        for (int round = 0; round < 15; round++) {
            String topic = "fresh-" + round;
            try (Admin admin = cluster.admin()) {
                admin.createTopics(List.of(new NewTopic(topic, 3, (short) 3))).all().get();
            }
            Properties props = cluster.clientProps();
            props.put(ProducerConfig.ACKS_CONFIG, "all");
            props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
            props.put(ProducerConfig.LINGER_MS_CONFIG, "0");
            props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "30000");
            props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
            props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
            props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
            List<Future<RecordMetadata>> acks = new ArrayList<>();
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
                for (int i = 0; i < 600; i++) {
                    acks.add(producer.send(new ProducerRecord<>(topic, i % 3, "k", "v-" + i)));
                }
                for (Future<RecordMetadata> ack : acks) {
                    assertThat(ack.get(40, TimeUnit.SECONDS).offset()).as("round %d", round).isNotNegative();
                }
            }
        }
    }
}
