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
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
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
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.InvalidReplicaAssignmentException;
import org.apache.kafka.common.errors.NoReassignmentInProgressException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Partition reassignment (AlterPartitionReassignments / ListPartitionReassignments) on four in-process nodes with
 * Kafka's Admin client and Kafka's own {@code kafka-reassign-partitions}: a single replica grows to three and then
 * moves off its leader while an acks=all idempotent producer writes (every acknowledged record readable afterwards,
 * the new replicas as large as the leader, the removed one's log gone); a move to a stopped node stays in progress
 * until cancelled; bad targets get Kafka's errors; the tool's {@code --throttle} slows a move down to its rate and
 * {@code --verify} clears the throttles once it is done.
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
            assertThat(awaitReassigningPartitions(2, count -> count > 0)).as("the leader's ReassigningPartitions")
                    .isEqualTo(1);

            // When
            admin.alterPartitionReassignments(Map.of(tp, Optional.empty())).all().get();

            // Then
            assertThat(admin.listPartitionReassignments().reassignments().get()).doesNotContainKey(tp);
            assertThat(awaitReassigningPartitions(2, count -> count == 0)).isZero();
            assertThat(describe(tp).replicas().stream().map(Node::id).toList()).containsExactly(2);
            assertThatThrownBy(() -> admin.alterPartitionReassignments(Map.of(tp, Optional.empty())).all().get())
                    .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(NoReassignmentInProgressException.class);
        } finally {
            cluster.restart(4);
            cluster.awaitBrokers(cluster.nodeIds(), MOVE_TIMEOUT);
        }
    }

    /** Node's kafka.server:type=ReplicaManager,name=ReassigningPartitions once {@code until} holds (or after 30 s). */
    private static int awaitReassigningPartitions(int node, java.util.function.IntPredicate until) throws Exception {
        javax.management.ObjectName name = new javax.management.ObjectName(
                "kafka.server:type=ReplicaManager,name=ReassigningPartitions");
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            int value = ((Number) cluster.broker(node).metrics().mBeanServer().getAttribute(name, "Value")).intValue();
            if (until.test(value) || System.nanoTime() > deadline) {
                return value;
            }
            Thread.sleep(100);
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
        // Given
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
                "--bootstrap-server", cluster.bootstrapServers(1), "--verify",
                "--reassignment-json-file", plan.toString());

        // Then: --verify (without --preserve-throttles) clears the throttles on every broker, though none were set
        assertThat(executed.exitCode()).as(executed.toString()).isZero();
        assertThat(executed.stdout()).contains("Successfully started partition reassignment");
        assertThat(verified.exitCode()).as(verified.toString()).isZero();
        assertThat(verified.stdout()).contains("Reassignment of partition " + topic + "-0 is completed")
                .contains("Clearing broker-level throttles on brokers 1,2,3,4")
                .contains("Clearing topic-level throttles on topic " + topic);
    }

    @Test
    void shouldCancelAThrottledToolMoveAndClearItsThrottles() throws Exception {
        // Given: about 3 MB on node 2 alone, moving to nodes 3 and 4 at 100 kB/s (some 20 s: in progress for a while)
        String topic = "tool-cancel";
        TopicPartition tp = new TopicPartition(topic, 0);
        cluster.createTopic(new NewTopic(topic, Map.of(0, List.of(2))));
        produceBytes(topic, 3 * 1024 * 1024);
        Path plan = Files.createTempFile(cluster.root(), "cancel", ".json");
        Files.writeString(plan, "{\"version\":1,\"partitions\":[{\"topic\":\"" + topic
                + "\",\"partition\":0,\"replicas\":[3,4]}]}");
        ChildJvm.Result executed = ChildJvm.run(MOVE_TIMEOUT, "org.apache.kafka.tools.reassign.ReassignPartitionsCommand",
                "--bootstrap-server", cluster.bootstrapServers(1), "--execute", "--throttle", "100000",
                "--reassignment-json-file", plan.toString());
        assertThat(executed.exitCode()).as(executed.toString()).isZero();
        assertThat(configs(new ConfigResource(ConfigResource.Type.TOPIC, topic))
                .get("follower.replication.throttled.replicas").value()).isNotEmpty();

        // When: the tool cancels it, without --preserve-throttles
        ChildJvm.Result cancelled = ChildJvm.run(MOVE_TIMEOUT, "org.apache.kafka.tools.reassign.ReassignPartitionsCommand",
                "--bootstrap-server", cluster.bootstrapServers(1), "--cancel", "--reassignment-json-file", plan.toString());

        // Then: the partition is back on node 2 alone and every throttle the move set is gone
        assertThat(cancelled.exitCode()).as(cancelled.toString()).isZero();
        assertThat(cancelled.stdout()).contains("Successfully cancelled partition reassignment for: " + topic + "-0");
        try (Admin admin = cluster.admin()) {
            assertThat(admin.listPartitionReassignments().reassignments().get()).doesNotContainKey(tp);
        }
        assertThat(describe(tp).replicas().stream().map(Node::id).toList()).containsExactly(2);
        for (int node : cluster.nodeIds()) {
            assertThat(configs(new ConfigResource(ConfigResource.Type.BROKER, Integer.toString(node))))
                    .doesNotContainKeys("leader.replication.throttled.rate", "follower.replication.throttled.rate");
        }
        Map<String, ConfigEntry> cleared = configs(new ConfigResource(ConfigResource.Type.TOPIC, topic));
        assertThat(cleared.get("leader.replication.throttled.replicas").value()).isEmpty();
        assertThat(cleared.get("follower.replication.throttled.replicas").value()).isEmpty();
    }

    @Test
    void shouldThrottleAMoveToTheToolsRateAndClearTheThrottlesOnVerify() throws Exception {
        // Given about 3 MB on one replica (node 1), and a move that adds node 2
        String topic = "throttled";
        TopicPartition tp = new TopicPartition(topic, 0);
        cluster.createTopic(new NewTopic(topic, Map.of(0, List.of(1))));
        produceBytes(topic, 3 * 1024 * 1024);
        long size = awaitSameSize(tp, List.of(1)).get(1);
        long rate = 500_000;
        Path plan = Files.createTempFile(cluster.root(), "throttled", ".json");
        Files.writeString(plan, "{\"version\":1,\"partitions\":[{\"topic\":\"" + topic
                + "\",\"partition\":0,\"replicas\":[1,2]}]}");

        // When
        ChildJvm.Result executed = ChildJvm.run(MOVE_TIMEOUT, "org.apache.kafka.tools.reassign.ReassignPartitionsCommand",
                "--bootstrap-server", cluster.bootstrapServers(1), "--execute", "--throttle", Long.toString(rate),
                "--reassignment-json-file", plan.toString());
        long started = System.nanoTime(); // the move starts as the tool returns (not before: its JVM takes a while)
        Map<String, ConfigEntry> leaderBroker = configs(new ConfigResource(ConfigResource.Type.BROKER, "1"));
        Map<String, ConfigEntry> followerBroker = configs(new ConfigResource(ConfigResource.Type.BROKER, "2"));
        Map<String, ConfigEntry> topicConfigs = configs(new ConfigResource(ConfigResource.Type.TOPIC, topic));
        awaitMoved(tp, List.of(1, 2));
        long tookMs = (System.nanoTime() - started) / 1_000_000;
        ChildJvm.Result verified = ChildJvm.run(MOVE_TIMEOUT, "org.apache.kafka.tools.reassign.ReassignPartitionsCommand",
                "--bootstrap-server", cluster.bootstrapServers(2), "--verify", "--reassignment-json-file", plan.toString());

        // Then: the throttles were set as the tool sets them
        assertThat(executed.exitCode()).as(executed.toString()).isZero();
        assertThat(executed.stdout()).contains("The inter-broker throttle limit was set to " + rate + " B/s");
        for (Map<String, ConfigEntry> broker : List.of(leaderBroker, followerBroker)) {
            for (String key : List.of("leader.replication.throttled.rate", "follower.replication.throttled.rate")) {
                assertThat(broker.get(key)).as(key).isNotNull();
                assertThat(broker.get(key).value()).isEqualTo(Long.toString(rate));
                assertThat(broker.get(key).source()).isEqualTo(ConfigEntry.ConfigSource.DYNAMIC_BROKER_CONFIG);
            }
        }
        assertThat(topicConfigs.get("leader.replication.throttled.replicas").value()).isEqualTo("0:1");
        assertThat(topicConfigs.get("follower.replication.throttled.replicas").value()).isEqualTo("0:2");
        // ... and held the copy to the rate: the follower fetches replica.fetch.max.bytes (1 MiB) at a time, so the
        // last fetch cannot start before (size - 1 MiB) / rate; unthrottled the move takes well under a second
        long leastMs = (size - 1024 * 1024) * 1000 / rate;
        assertThat(tookMs).as("moving %d bytes at %d B/s", size, rate).isGreaterThan(leastMs * 3 / 4);
        // ... and --verify, without --preserve-throttles, cleared them
        assertThat(verified.exitCode()).as(verified.toString()).isZero();
        assertThat(verified.stdout()).contains("Reassignment of partition " + topic + "-0 is completed")
                .contains("Clearing broker-level throttles");
        for (String node : List.of("1", "2")) {
            assertThat(configs(new ConfigResource(ConfigResource.Type.BROKER, node)))
                    .doesNotContainKeys("leader.replication.throttled.rate", "follower.replication.throttled.rate");
        }
        Map<String, ConfigEntry> cleared = configs(new ConfigResource(ConfigResource.Type.TOPIC, topic));
        assertThat(cleared.get("leader.replication.throttled.replicas").value()).isEmpty();
        assertThat(cleared.get("follower.replication.throttled.replicas").source())
                .isEqualTo(ConfigEntry.ConfigSource.DEFAULT_CONFIG);
        assertThat(awaitSameSize(tp, List.of(1, 2)).get(2)).isEqualTo(size);
    }

    @ParameterizedTest
    @ValueSource(strings = {"leader", "follower"})
    void shouldHoldACopyToTheRateOfEitherSideAlone(String side) throws Exception {
        // Given about 3 MB on node 3, and only one side's throttle: its rate on that side's node, "*" on the topic
        String topic = side + "-throttled";
        TopicPartition tp = new TopicPartition(topic, 0);
        cluster.createTopic(new NewTopic(topic, Map.of(0, List.of(3))));
        produceBytes(topic, 3 * 1024 * 1024);
        long size = awaitSameSize(tp, List.of(3)).get(3);
        long rate = 500_000;
        String node = side.equals("leader") ? "3" : "4";
        ConfigResource broker = new ConfigResource(ConfigResource.Type.BROKER, node);
        ConfigResource topicResource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        alterConfigs(broker, side + ".replication.throttled.rate", Long.toString(rate));
        alterConfigs(topicResource, side + ".replication.throttled.replicas", "*");
        try {
            // When
            long started = System.nanoTime();
            reassign(tp, List.of(3, 4));
            awaitMoved(tp, List.of(3, 4));
            long tookMs = (System.nanoTime() - started) / 1_000_000;

            // Then: as with both sides throttled (see above), the last 1 MiB fetch cannot start before (size - 1 MiB) / rate
            long leastMs = (size - 1024 * 1024) * 1000 / rate;
            assertThat(tookMs).as("moving %d bytes at %d B/s, %s side only", size, rate, side).isGreaterThan(leastMs * 3 / 4);
            assertThat(awaitSameSize(tp, List.of(3, 4)).get(4)).isEqualTo(size);
        } finally {
            alterConfigs(broker, side + ".replication.throttled.rate", null);
            alterConfigs(topicResource, side + ".replication.throttled.replicas", null);
        }
    }

    @Test
    void shouldNeverHoldBackAnInSyncReplica() throws Exception {
        // Given two in-sync replicas (nodes 1, 2) throttled on both sides at 1 B/s
        String topic = "in-sync-throttled";
        TopicPartition tp = new TopicPartition(topic, 0);
        cluster.createTopic(new NewTopic(topic, Map.of(0, List.of(1, 2))));
        awaitMoved(tp, List.of(1, 2));
        List<ConfigResource> brokers = List.of(new ConfigResource(ConfigResource.Type.BROKER, "1"),
                new ConfigResource(ConfigResource.Type.BROKER, "2"));
        ConfigResource topicResource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        for (ConfigResource broker : brokers) {
            alterConfigs(broker, "leader.replication.throttled.rate", "1");
            alterConfigs(broker, "follower.replication.throttled.rate", "1");
        }
        alterConfigs(topicResource, "leader.replication.throttled.replicas", "*");
        alterConfigs(topicResource, "follower.replication.throttled.replicas", "*");
        try {
            // When: 5 MB with acks=all. Held back, the follower would get 1 MiB (replica.fetch.max.bytes) each time the
            // 11 s quota window forgets the last one, so acks=all would wait until it left the ISR
            // (replica.lag.time.max.ms, 30 s), well before it could catch up (about 55 s) and rejoin.
            produceBytes(topic, 5 * 1024 * 1024);

            // Then: Kafka's rule, in-sync replicas are exempt: both stay in the ISR and hold every byte
            assertThat(describe(tp).isr()).hasSize(2);
            Map<Integer, Long> sizes = awaitSameSize(tp, List.of(1, 2));
            assertThat(sizes.get(2)).isGreaterThan(5 * 1024 * 1024);
        } finally {
            for (ConfigResource broker : brokers) {
                alterConfigs(broker, "leader.replication.throttled.rate", null);
                alterConfigs(broker, "follower.replication.throttled.rate", null);
            }
        }
    }

    /** Sets {@code key} on the resource, or deletes it when {@code value} is null. */
    private static void alterConfigs(ConfigResource resource, String key, String value) throws Exception {
        AlterConfigOp op = new AlterConfigOp(new ConfigEntry(key, value),
                value == null ? AlterConfigOp.OpType.DELETE : AlterConfigOp.OpType.SET);
        try (Admin admin = cluster.admin()) {
            admin.incrementalAlterConfigs(Map.of(resource, List.of(op))).all().get();
        }
    }

    private static Map<String, ConfigEntry> configs(ConfigResource resource) throws Exception {
        try (Admin admin = cluster.admin()) {
            Config config = admin.describeConfigs(List.of(resource)).all().get().get(resource);
            Map<String, ConfigEntry> byName = new TreeMap<>();
            config.entries().forEach(entry -> byName.put(entry.name(), entry));
            return byName;
        }
    }

    /** Writes at least {@code bytes} of 1 KB values, acknowledged by the partition's replicas. */
    private static void produceBytes(String topic, int bytes) throws Exception {
        Properties props = cluster.clientProps();
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, "65536");
        // Only bytes matter here. An idempotent producer can get stuck on a topic just created: a first request
        // answered NOT_LEADER_OR_FOLLOWER before the leader was ready, the next one appended once it was, and the
        // retried first batch then answered OUT_OF_ORDER_SEQUENCE_NUMBER forever (seen once; a bug of its own).
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "false");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        java.util.Random random = new java.util.Random(42);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props)) {
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            for (int written = 0; written < bytes; written += 1024) {
                byte[] value = new byte[1024];
                random.nextBytes(value); // incompressible, whatever the topic's compression
                sent.add(producer.send(new ProducerRecord<>(topic, value)));
            }
            for (Future<RecordMetadata> send : sent) {
                send.get();
            }
        }
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
