package io.dlog.compat.replication;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.compat.DLogBrokerExtension;
import io.dlog.compat.cluster.InProcessCluster;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ReplicaInfo;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * docs/operations.md, "Recover a node": a node whose data folder is lost (disk replaced) is started again with
 * the same node.id and an empty folder. It takes the cluster's id from the metadata quorum, gets the metadata
 * back from the other voters, and its replicas catch up from the leaders until it is in every ISR again.
 */
class LostDataFolderTest {

    @Test
    void shouldRejoinWithAnEmptyDataFolderAndCatchUpEveryReplica() throws Exception {
        try (InProcessCluster cluster = InProcessCluster.start(3, Map.of("broker.session.timeout.ms", "6000",
                "broker.heartbeat.interval.ms", "1000"))) {
            // Given: a topic on all three nodes, with records
            String topic = "survives";
            try (Admin admin = cluster.admin()) {
                admin.createTopics(List.of(new NewTopic(topic, 2, (short) 3)
                        .configs(Map.of("min.insync.replicas", "2")))).all().get();
            }
            awaitIsr(cluster, topic, 3);
            String clusterId = cluster.broker(1).clusterId();
            List<String> partition0 = new ArrayList<>(produce(cluster, topic, "before-", 100));

            // When: node 3 loses its whole folder while the cluster carries on, then starts empty
            cluster.stop(3);
            DLogBrokerExtension.deleteRecursively(cluster.dataDir(3));
            partition0.addAll(produce(cluster, topic, "while-down-", 100));
            cluster.restart(3);

            // Then: same cluster, metadata back, every replica in sync again and as long as the leader's
            cluster.awaitFormed();
            assertThat(cluster.broker(3).clusterId()).isEqualTo(clusterId);
            assertThat(Files.readString(cluster.dataDir(3).resolve("meta.properties"))).contains("cluster.id=" + clusterId);
            assertThat(cluster.broker(3).metadataImage().topic(topic)).isPresent();
            awaitIsr(cluster, topic, 3);
            try (Admin admin = cluster.admin()) {
                Map<Integer, Map<String, org.apache.kafka.clients.admin.LogDirDescription>> dirs =
                        admin.describeLogDirs(List.of(1, 2, 3)).allDescriptions().get();
                for (int partition = 0; partition < 2; partition++) {
                    TopicPartition tp = new TopicPartition(topic, partition);
                    long restored = size(dirs.get(3), tp);
                    assertThat(restored).as(tp + " on node 3").isPositive();
                    assertThat(restored).as(tp + " on node 3 vs node 1").isEqualTo(size(dirs.get(1), tp));
                }
            }
            // every record acknowledged to partition 0, once, in order (PartitionReader reads partition 0 only)
            assertThat(partition0).hasSizeBetween(1, 199);
            assertThat(PartitionReader.readToEnd(cluster.bootstrapServers(), topic)).containsExactlyElementsOf(partition0);
        }
    }

    private static long size(Map<String, org.apache.kafka.clients.admin.LogDirDescription> dirs, TopicPartition tp) {
        return dirs.values().stream().map(dir -> dir.replicaInfos().get(tp)).filter(java.util.Objects::nonNull)
                .mapToLong(ReplicaInfo::size).findFirst().orElse(-1L);
    }

    /** Sends {@code count} keyed records with acks=all; returns the values acknowledged to partition 0, in order. */
    private static List<String> produce(InProcessCluster cluster, String topic, String prefix, int count) throws Exception {
        Properties props = cluster.clientProps();
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
            List<java.util.concurrent.Future<org.apache.kafka.clients.producer.RecordMetadata>> sent = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                sent.add(producer.send(new ProducerRecord<>(topic, Integer.toString(i), prefix + i)));
            }
            List<String> partition0 = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                if (sent.get(i).get().partition() == 0) {
                    partition0.add(prefix + i);
                }
            }
            return partition0;
        }
    }

    private static void awaitIsr(InProcessCluster cluster, String topic, int size) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        TopicDescription last = null;
        while (System.nanoTime() - deadline < 0) {
            try (Admin admin = cluster.admin()) {
                last = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
                if (last.partitions().stream().allMatch(p -> p.leader() != null && p.isr().size() == size)) {
                    return;
                }
            } catch (ExecutionException e) {
                // a node still joining: ask again
            }
            Thread.sleep(200);
        }
        throw new AssertionError("ISR of " + topic + " never reached " + size + ": "
                + (last == null ? "no answer" : last.partitions().stream().map(TopicPartitionInfo::toString).toList()));
    }
}
