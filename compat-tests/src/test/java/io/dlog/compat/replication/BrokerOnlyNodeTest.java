package io.dlog.compat.replication;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.broker.DLogBroker;
import io.dlog.compat.cluster.InProcessCluster;
import io.dlog.kafka.config.BrokerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.QuorumInfo;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A broker-only node ({@code process.roles=broker}, not among {@code controller.quorum.voters}) joins a
 * three-voter cluster without a vote: Kafka's tools see four brokers and three voters, it leads and
 * replicates partitions like any node, and what it led survives its stop on the other replicas.
 */
class BrokerOnlyNodeTest {
    @TempDir
    Path dir;

    @Test
    void shouldServeAndReplicateWithoutVotingInTheMetadataGroup() throws Exception {
        try (InProcessCluster cluster = InProcessCluster.start(3, Map.of())) {
            Map<String, String> own = Map.of(
                    "node.id", "4",
                    "process.roles", "broker",
                    "controller.quorum.voters", cluster.nodeConfig(1).get("controller.quorum.voters"),
                    "controller.listener.names", "CONTROLLER",
                    "listeners", "PLAINTEXT://127.0.0.1:0",
                    "log.dirs", Files.createDirectories(dir.resolve("node-4")).toString());
            List<String> values = new ArrayList<>();
            try (DLogBroker brokerOnly = DLogBroker.start(BrokerConfig.parse(own))) {
                try (Admin admin = adminOf(brokerOnly.bootstrapServers())) {
                    // Then: four brokers, three voters
                    awaitBrokers(admin, 4);
                    QuorumInfo quorum = admin.describeMetadataQuorum().quorumInfo().get();
                    assertThat(quorum.voters()).extracting(QuorumInfo.ReplicaState::replicaId).containsExactlyInAnyOrder(1, 2, 3);
                    // and the broker-only node is the group's observer, as Kafka's leader lists one
                    QuorumInfo observed = awaitObserver(admin, 4);
                    assertThat(observed.observers()).extracting(QuorumInfo.ReplicaState::replicaId).containsExactly(4);
                    QuorumInfo.ReplicaState observer = observed.observers().get(0);
                    assertThat(observer.logEndOffset()).isPositive().isLessThanOrEqualTo(observed.highWatermark());
                    assertThat(observer.lastFetchTimestamp()).isPresent();

                    // When: a partition led by the broker-only node, written with acks=all
                    admin.createTopics(List.of(new NewTopic("on-4", Map.of(0, List.of(4, 1, 2))))).all().get();
                    TopicPartitionInfo partition = awaitIsr(admin, "on-4", 3);
                    assertThat(partition.leader().id()).isEqualTo(4);
                }
                try (KafkaProducer<String, String> producer = producer(brokerOnly.bootstrapServers())) {
                    for (int i = 0; i < 50; i++) {
                        producer.send(new ProducerRecord<>("on-4", "k", "v-" + i)).get();
                        values.add("v-" + i);
                    }
                }
            }

            // Then: its partition moved to an in-sync voter with every acknowledged record
            try (Admin admin = adminOf(cluster.bootstrapServers())) {
                assertThat(awaitIsr(admin, "on-4", 2).leader().id()).isIn(1, 2);
            }
            assertThat(PartitionReader.readToEnd(cluster.bootstrapServers(), "on-4")).containsExactlyElementsOf(values);
        }
    }

    private static Admin adminOf(String bootstrap) {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        return Admin.create(props);
    }

    private static void awaitBrokers(Admin admin, int count) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (admin.describeCluster().nodes().get().size() != count) {
            assertThat(System.nanoTime() - deadline).as("%d brokers", count).isNegative();
            Thread.sleep(100);
        }
        assertThat(admin.describeCluster().nodes().get()).extracting(Node::id).containsExactlyInAnyOrder(1, 2, 3, 4);
    }

    /** Partition 0 of {@code topic} once it has a leader and an ISR of {@code size}; fails after 60 s. */
    static TopicPartitionInfo awaitIsr(Admin admin, String topic, int size) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            try {
                TopicPartitionInfo p = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().get(0);
                if (p.leader() != null && p.isr().size() == size) {
                    return p;
                }
            } catch (java.util.concurrent.ExecutionException e) {
                // not known everywhere yet
            }
            assertThat(System.nanoTime() - deadline).as("ISR of %d", size).isNegative();
            Thread.sleep(100);
        }
    }

    private static KafkaProducer<String, String> producer(String bootstrap) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        return new KafkaProducer<>(props);
    }

    /** DescribeQuorum's answer once it lists observer {@code nodeId} as caught up (the leader heard it holding its image). */
    private static QuorumInfo awaitObserver(Admin admin, int nodeId) throws Exception {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
        QuorumInfo quorum;
        do {
            quorum = admin.describeMetadataQuorum().quorumInfo().get();
            for (QuorumInfo.ReplicaState observer : quorum.observers()) {
                if (observer.replicaId() == nodeId && observer.lastCaughtUpTimestamp().isPresent()) {
                    return quorum;
                }
            }
            Thread.sleep(100);
        } while (System.nanoTime() - deadline < 0);
        throw new AssertionError("node " + nodeId + " is not listed as a caught-up observer: " + quorum);
    }
}
