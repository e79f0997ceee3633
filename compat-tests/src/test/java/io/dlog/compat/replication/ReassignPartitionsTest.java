package io.dlog.compat.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dlog.compat.cluster.InProcessCluster;
import io.dlog.compat.tools.ChildJvm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.LogDirDescription;
import org.apache.kafka.clients.admin.NewPartitionReassignment;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.PartitionReassignment;
import org.apache.kafka.clients.admin.ReplicaInfo;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.InvalidReplicaAssignmentException;
import org.apache.kafka.common.errors.NoReassignmentInProgressException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Partition reassignment (AlterPartitionReassignments / ListPartitionReassignments) on four in-process nodes with
 * Kafka's Admin client and Kafka's own {@code kafka-reassign-partitions}: a single replica grows to three and then
 * moves off its leader while an acks=all idempotent producer writes (every acknowledged record readable afterwards,
 * the new replicas as large as the leader, the removed one's log gone); a move to a stopped node stays in progress
 * until cancelled; bad targets get Kafka's errors.
 */
class ReassignPartitionsTest {
    private static final Duration MOVE_TIMEOUT = Duration.ofSeconds(60);
    private static InProcessCluster cluster;

    @BeforeAll
    static void start() throws Exception {
        cluster = InProcessCluster.start(4, Map.of("broker.session.timeout.ms", "6000",
                "broker.heartbeat.interval.ms", "1000"));
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void shouldGrowToThreeReplicasThenMoveOffTheLeaderKeepingEveryAcknowledgedRecord() throws Exception {
        // Given a single replica on node 1 and an acks=all idempotent producer writing all along
        String topic = "moved";
        cluster.createTopic(new NewTopic(topic, Map.of(0, List.of(1))));
        TopicPartition tp = new TopicPartition(topic, 0);
        List<String> acked = new ArrayList<>();
        AtomicBoolean writing = new AtomicBoolean(true);
        Thread producer = new Thread(() -> produce(topic, writing, acked), "reassign-producer");
        producer.start();
        try {
            Thread.sleep(500);

            // When: RF 1 -> 3, then off the leader (node 1) onto node 4
            reassign(tp, List.of(1, 2, 3));
            TopicPartitionInfo grown = awaitMoved(tp, List.of(1, 2, 3));
            Thread.sleep(500);
            reassign(tp, List.of(2, 3, 4));
            TopicPartitionInfo moved = awaitMoved(tp, List.of(2, 3, 4));
            Thread.sleep(500);

            // Then
            assertThat(grown.leader().id()).isEqualTo(1);
            assertThat(moved.leader().id()).isIn(2, 3, 4);
        } finally {
            writing.set(false);
            producer.join();
        }
        List<String> read = PartitionReader.readToEnd(cluster.bootstrapServers(), topic);
        synchronized (acked) {
            assertThat(acked).hasSizeGreaterThan(100);
            assertThat(read).containsExactlyElementsOf(acked);
        }
        Map<Integer, Long> sizes = awaitSameSize(tp, List.of(2, 3, 4));
        assertThat(sizes.get(2)).isPositive();
        assertThat(sizes).containsOnlyKeys(2, 3, 4); // node 1's log of the partition is deleted
    }

    @Test
    void shouldKeepAMoveToAStoppedNodeInProgressUntilCancelled() throws Exception {
        // Given
        String topic = "cancelled";
        cluster.createTopic(new NewTopic(topic, Map.of(0, List.of(2))));
        TopicPartition tp = new TopicPartition(topic, 0);
        cluster.stop(4);
        try (Admin admin = cluster.admin()) {
            // When: node 4 is registered but cannot catch up
            reassign(tp, List.of(2, 4));
            Map<TopicPartition, PartitionReassignment> listed = admin.listPartitionReassignments().reassignments().get();

            // Then
            assertThat(listed).containsKey(tp);
            assertThat(listed.get(tp).replicas()).containsExactly(2, 4);
            assertThat(listed.get(tp).addingReplicas()).containsExactly(4);
            assertThat(listed.get(tp).removingReplicas()).isEmpty();

            // When
            admin.alterPartitionReassignments(Map.of(tp, Optional.empty())).all().get();

            // Then
            assertThat(admin.listPartitionReassignments().reassignments().get()).doesNotContainKey(tp);
            assertThat(describe(tp).replicas().stream().map(Node::id).toList()).containsExactly(2);
            assertThatThrownBy(() -> admin.alterPartitionReassignments(Map.of(tp, Optional.empty())).all().get())
                    .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(NoReassignmentInProgressException.class);
        } finally {
            cluster.restart(4);
            cluster.awaitBrokers(cluster.nodeIds(), MOVE_TIMEOUT);
        }
    }

    @Test
    void shouldRefuseBadTargetsWithKafkasErrors() throws Exception {
        String topic = "targets";
        cluster.createTopic(new NewTopic(topic, Map.of(0, List.of(3))));
        try (Admin admin = cluster.admin()) {
            assertThat(alterError(admin, new TopicPartition("no-such-topic", 0), List.of(1)))
                    .isInstanceOf(UnknownTopicOrPartitionException.class);
            assertThat(alterError(admin, new TopicPartition(topic, 7), List.of(1)))
                    .isInstanceOf(UnknownTopicOrPartitionException.class);
            assertThat(alterError(admin, new TopicPartition(topic, 0), List.of(1, 1)))
                    .isInstanceOf(InvalidReplicaAssignmentException.class).hasMessageContaining("more than once");
            assertThat(alterError(admin, new TopicPartition(topic, 0), List.of(1, 9)))
                    .isInstanceOf(InvalidReplicaAssignmentException.class).hasMessageContaining("broker 9");
        }
        assertThat(describe(new TopicPartition(topic, 0)).replicas().stream().map(Node::id).toList()).containsExactly(3);
    }

    @Test
    void shouldMoveWithKafkasReassignPartitionsTool() throws Exception {
        // Given (DLog has no replication throttles: --verify keeps the tool from clearing them)
        String topic = "tool";
        cluster.createTopic(new NewTopic(topic, Map.of(0, List.of(1, 2))));
        Path plan = Files.createTempFile(cluster.root(), "reassign", ".json");
        Files.writeString(plan, "{\"version\":1,\"partitions\":[{\"topic\":\"" + topic
                + "\",\"partition\":0,\"replicas\":[3,4]}]}");

        // When
        ChildJvm.Result executed = ChildJvm.run(MOVE_TIMEOUT, "org.apache.kafka.tools.reassign.ReassignPartitionsCommand",
                "--bootstrap-server", cluster.bootstrapServers(2), "--execute", "--reassignment-json-file", plan.toString());
        awaitMoved(new TopicPartition(topic, 0), List.of(3, 4));
        ChildJvm.Result verified = ChildJvm.run(MOVE_TIMEOUT, "org.apache.kafka.tools.reassign.ReassignPartitionsCommand",
                "--bootstrap-server", cluster.bootstrapServers(1), "--verify", "--preserve-throttles",
                "--reassignment-json-file", plan.toString());

        // Then
        assertThat(executed.exitCode()).as(executed.toString()).isZero();
        assertThat(executed.stdout()).contains("Successfully started partition reassignment");
        assertThat(verified.exitCode()).as(verified.toString()).isZero();
        assertThat(verified.stdout()).contains("Reassignment of partition " + topic + "-0 is completed");
    }

    private static Throwable alterError(Admin admin, TopicPartition tp, List<Integer> target) {
        try {
            admin.alterPartitionReassignments(Map.of(tp, Optional.of(new NewPartitionReassignment(target)))).all().get();
            throw new AssertionError("moving " + tp + " to " + target + " was accepted");
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    private static void reassign(TopicPartition tp, List<Integer> target) throws Exception {
        try (Admin admin = cluster.admin()) {
            admin.alterPartitionReassignments(Map.of(tp, Optional.of(new NewPartitionReassignment(target)))).all().get();
        }
    }

    /** Waits until the move is no longer listed and the replicas are the target, all in sync. */
    private static TopicPartitionInfo awaitMoved(TopicPartition tp, List<Integer> target) throws Exception {
        long deadline = System.nanoTime() + MOVE_TIMEOUT.toNanos();
        TopicPartitionInfo info = null;
        while (System.nanoTime() - deadline < 0) {
            try (Admin admin = cluster.admin()) {
                boolean listed = admin.listPartitionReassignments().reassignments().get().containsKey(tp);
                info = describe(tp);
                List<Integer> replicas = info.replicas().stream().map(Node::id).toList();
                if (!listed && replicas.equals(target) && info.isr().size() == target.size() && info.leader() != null) {
                    return info;
                }
            } catch (ExecutionException e) {
                // a node just restarted by another test does not answer yet
            }
            Thread.sleep(200);
        }
        throw new AssertionError(tp + " did not move to " + target + " within " + MOVE_TIMEOUT + ": " + info);
    }

    private static TopicPartitionInfo describe(TopicPartition tp) throws Exception {
        try (Admin admin = cluster.admin()) {
            return admin.describeTopics(List.of(tp.topic())).allTopicNames().get().get(tp.topic()).partitions()
                    .get(tp.partition());
        }
    }

    /** The partition's size on every node that holds it, once {@code nodes} hold it at one size. */
    private static Map<Integer, Long> awaitSameSize(TopicPartition tp, List<Integer> nodes) throws Exception {
        long deadline = System.nanoTime() + MOVE_TIMEOUT.toNanos();
        Map<Integer, Long> sizes = new TreeMap<>();
        while (System.nanoTime() - deadline < 0) {
            sizes.clear();
            try (Admin admin = cluster.admin()) {
                Map<Integer, Map<String, LogDirDescription>> dirs = admin.describeLogDirs(cluster.nodeIds())
                        .allDescriptions().get();
                dirs.forEach((node, byDir) -> byDir.values().forEach(dir -> {
                    ReplicaInfo replica = dir.replicaInfos().get(tp);
                    if (replica != null) {
                        sizes.put(node, replica.size());
                    }
                }));
            } catch (ExecutionException e) {
                sizes.put(-1, -1L); // a node does not answer yet: ask again
            }
            if (sizes.keySet().equals(new java.util.TreeSet<>(nodes)) && sizes.values().stream().distinct().count() == 1) {
                return sizes;
            }
            Thread.sleep(200);
        }
        throw new AssertionError(tp + " sizes by node never matched on " + nodes + ": " + sizes);
    }

    /** Sends until told to stop, a window of sends at a time; every send must succeed (nothing may be lost). */
    private static void produce(String topic, AtomicBoolean writing, List<String> acked) {
        Properties props = cluster.clientProps();
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        int next = 0;
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
            while (writing.get()) {
                List<Future<RecordMetadata>> window = new ArrayList<>();
                int first = next;
                for (int i = 0; i < 20; i++) {
                    window.add(producer.send(new ProducerRecord<>(topic, "k", "v" + next++)));
                }
                for (int i = 0; i < window.size(); i++) {
                    window.get(i).get();
                    synchronized (acked) {
                        acked.add("v" + (first + i));
                    }
                }
            }
        } catch (Exception e) {
            synchronized (acked) {
                acked.add("send failed: " + e); // makes the comparison with what was read fail, with the reason
            }
        }
    }
}
