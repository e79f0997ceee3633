package io.dlog.compat.replication;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.compat.cluster.InProcessCluster;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.LogDirDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ReplicaInfo;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * DescribeLogDirs lists every replica a node holds, followed as well as led, as Kafka's does
 * (kafka-log-dirs, dlog status's log sizes): each of three nodes reports the partition, same size.
 */
class FollowerLogDirsTest {

    @Test
    void shouldListFollowerReplicasWithTheLeadersSize() throws Exception {
        try (InProcessCluster cluster = InProcessCluster.start(3, Map.of())) {
            // Given
            try (Admin admin = cluster.admin()) {
                admin.createTopics(List.of(new NewTopic("everywhere", 1, (short) 3))).all().get();
            }
            Properties props = cluster.clientProps();
            props.put(ProducerConfig.ACKS_CONFIG, "all");
            props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
            props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
                for (int i = 0; i < 50; i++) {
                    producer.send(new ProducerRecord<>("everywhere", "k", "v" + i)).get();
                }
            }
            TopicPartition tp = new TopicPartition("everywhere", 0);

            // When / Then: acks=all left the batches on every in-sync replica; followers flush what they fetched
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            Map<Integer, Long> sizes;
            do {
                try (Admin admin = cluster.admin()) {
                    Map<Integer, Map<String, LogDirDescription>> dirs = admin.describeLogDirs(List.of(1, 2, 3)).allDescriptions().get();
                    sizes = new java.util.TreeMap<>();
                    for (int node = 1; node <= 3; node++) {
                        ReplicaInfo replica = dirs.get(node).values().iterator().next().replicaInfos().get(tp);
                        sizes.put(node, replica == null ? -1L : replica.size());
                    }
                }
                if (sizes.values().stream().distinct().count() == 1 && sizes.get(1) > 0) {
                    break;
                }
                Thread.sleep(200);
            } while (System.nanoTime() - deadline < 0);
            assertThat(sizes.values()).as("size of %s on nodes 1-3", tp).doesNotContain(-1L).containsOnly(sizes.get(1));
            assertThat(sizes.get(1)).isPositive();
        }
    }
}
