package io.dlog.testcontainers;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** EmbeddedDLog as a test would use it: a real Kafka producer and consumer against the in-process broker(s). */
class EmbeddedDLogTest {

    @Nested
    class SingleNodePerClass {
        @RegisterExtension
        static final EmbeddedDLog DLOG = new EmbeddedDLog().withConfig("num.partitions", "2");

        @Test
        void shouldServeAProducerAndAConsumerGroup() throws Exception {
            // Given
            String topic = "t-" + UUID.randomUUID();

            // When
            produce(DLOG.getBootstrapServers(), topic, 5);
            List<String> values = consume(DLOG.getBootstrapServers(), topic, 5);

            // Then: an auto-created topic with the configured partition count, every record read back
            assertThat(values).containsExactlyInAnyOrder("v0", "v1", "v2", "v3", "v4");
            try (Admin admin = admin(DLOG.getBootstrapServers())) {
                assertThat(admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions()).hasSize(2);
            }
            assertThat(DLOG.getBootstrapServers()).matches("127\\.0\\.0\\.1:\\d+");
            assertThat(DLOG.getBrokers()).singleElement().satisfies(broker -> assertThat(broker.port()).isPositive());
        }
    }

    @Nested
    class SingleNodePerTest {
        @RegisterExtension
        final EmbeddedDLog dlog = new EmbeddedDLog();

        @Test
        void shouldStartAFreshNodeForEachTest() throws Exception {
            // Then: nothing but what this test makes
            try (Admin admin = admin(dlog.getBootstrapServers())) {
                assertThat(admin.listTopics().names().get()).isEmpty();
            }
            produce(dlog.getBootstrapServers(), "only-mine", 1);
            assertThat(consume(dlog.getBootstrapServers(), "only-mine", 1)).containsExactly("v0");
        }
    }

    @Nested
    class ThreeNodeCluster {
        @RegisterExtension
        static final EmbeddedDLog CLUSTER = EmbeddedDLog.cluster(3);

        @Test
        void shouldReplicateATopicOverEveryNode() throws Exception {
            // Given
            try (Admin admin = admin(CLUSTER.getBootstrapServers())) {
                admin.createTopics(List.of(new NewTopic("replicated", 1, (short) 3))).all().get();

                // When
                produce(CLUSTER.getBootstrapServers(), "replicated", 10);

                // Then: three replicas, read back through the cluster
                TopicDescription topic = admin.describeTopics(List.of("replicated")).allTopicNames().get().get("replicated");
                assertThat(topic.partitions().get(0).replicas()).hasSize(3);
                assertThat(admin.describeCluster().nodes().get()).hasSize(3);
            }
            assertThat(consume(CLUSTER.getBootstrapServers(), "replicated", 10)).hasSize(10);
            assertThat(CLUSTER.getBootstrapServers().split(",")).hasSize(3);
            assertThat(CLUSTER.getBrokers()).allSatisfy(broker -> assertThat(broker.clusterId()).isEqualTo(CLUSTER.getClusterId()));
        }
    }

    static Admin admin(String bootstrap) {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        return Admin.create(props);
    }

    static void produce(String bootstrap, String topic, int count) throws Exception {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
            for (int i = 0; i < count; i++) {
                producer.send(new ProducerRecord<>(topic, "k" + i, "v" + i)).get();
            }
        }
    }

    static List<String> consume(String bootstrap, String topic, int count) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "g-" + UUID.randomUUID());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (values.size() < count && System.nanoTime() - deadline < 0) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    values.add(record.value());
                }
            }
            consumer.commitSync(Map.of());
        }
        return values;
    }
}
