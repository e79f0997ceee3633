package io.dlog.compat.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dlog.compat.cluster.InProcessCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Replicated partitions on three in-process nodes with Kafka's clients: acks=all writes reach the ISR,
 * the leader's loss moves leadership within the ISR with nothing acknowledged lost, min.insync.replicas
 * refuses writes the ISR cannot hold.
 */
class ReplicatedPartitionsTest {
    private InProcessCluster cluster;

    @BeforeEach
    void start() throws Exception {
        cluster = InProcessCluster.start(3, Map.of("broker.session.timeout.ms", "6000",
                "broker.heartbeat.interval.ms", "1000"));
    }

    @AfterEach
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void shouldKeepEveryAcknowledgedRecordWhenTheLeaderStops() throws Exception {
        // Given
        String topic = "replicated";
        createTopic(topic, "2");
        int leader = awaitFullIsr(topic).leader().id();
        List<String> acked = new ArrayList<>();
        try (KafkaProducer<String, String> producer = producer()) {
            for (int i = 0; i < 200; i++) {
                producer.send(new ProducerRecord<>(topic, "k", "before-" + i)).get();
                acked.add("before-" + i);
            }

            // When
            cluster.stop(leader);
            List<Future<RecordMetadata>> after = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                after.add(producer.send(new ProducerRecord<>(topic, "k", "after-" + i)));
            }
            for (int i = 0; i < after.size(); i++) {
                after.get(i).get();
                acked.add("after-" + i);
            }
        }

        // Then
        TopicDescription now = describe(topic);
        assertThat(now.partitions().get(0).leader().id()).isNotEqualTo(leader);
        assertThat(PartitionReader.readToEnd(cluster.bootstrapServers(), topic)).containsExactlyElementsOf(acked);
    }

    @Test
    void shouldRefuseAcksAllWritesWhenTheIsrIsSmallerThanMinInsyncReplicas() throws Exception {
        // Given
        String topic = "strict";
        createTopic(topic, "3");
        TopicPartitionInfo partition = awaitFullIsr(topic);
        int follower = partition.replicas().stream().map(Node::id).filter(id -> id != partition.leader().id())
                .findFirst().orElseThrow();

        // When
        cluster.stop(follower);
        awaitIsrSize(topic, 2);

        // Then
        Properties props = producerProps();
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "3000");
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "2000");
        props.put(ProducerConfig.RETRIES_CONFIG, "0");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "false");
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
            assertThatThrownBy(() -> producer.send(new ProducerRecord<>(topic, "k", "v")).get())
                    .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(NotEnoughReplicasException.class);
        }
    }

    private void createTopic(String topic, String minInsync) throws Exception {
        cluster.createTopic(new NewTopic(topic, 1, (short) 3).configs(Map.of("min.insync.replicas", minInsync)));
    }

    private TopicDescription describe(String topic) throws Exception {
        try (Admin admin = cluster.admin()) {
            return admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
        }
    }

    private TopicPartitionInfo awaitFullIsr(String topic) throws Exception {
        return awaitIsrSize(topic, 3);
    }

    private TopicPartitionInfo awaitIsrSize(String topic, int size) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            try {
                TopicPartitionInfo p = describe(topic).partitions().get(0);
                if (p.leader() != null && p.isr().size() == size) {
                    return p;
                }
            } catch (ExecutionException e) {
                // not yet known everywhere
            }
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("ISR of " + topic + " never reached " + size + ": " + describe(topic));
            }
            Thread.sleep(100);
        }
    }

    private Properties producerProps() {
        Properties props = cluster.clientProps();
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        return props;
    }

    private KafkaProducer<String, String> producer() {
        return new KafkaProducer<>(producerProps());
    }


}
