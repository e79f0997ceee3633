package io.dlog.compat.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.compat.clients.Kafkajs;
import io.dlog.compat.clients.LibrdkafkaTransactions;
import io.dlog.compat.cluster.DLogClusterExtension;
import io.dlog.compat.cluster.InProcessCluster;
import io.dlog.log.PartitionLog;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The replication gauges operators alert on, on a three-node in-process cluster: when a follower stops,
 * its partitions' leader shrinks their ISR (IsrShrinksPerSec) and reports them in
 * UnderReplicatedPartitions; exactly one node is the active controller. On the same cluster, fetching from
 * followers (KIP-392): node n is in rack-n, the rack-aware replica selector sends a consumer to the follower in
 * its client.rack, and the nodes' BytesOutPerSec (consumer bytes only, not replication) show who served it: Kafka's
 * Java consumer, librdkafka (confluent-kafka-python, {@code librdkafka/rack_consume.py}) and kafkajs
 * ({@code js/kafkajs-failover/rack-consume.js}); each non-Java test is skipped, saying why, without its client.
 */
class ClusterMetricsTest {
    /**
     * The follower in rack-2: it learns the leader's high watermark late (its fetch waits 5 s at the leader when
     * there is nothing new; Kafka's rule keeps that within replica.lag.time.max.ms), so it holds records above its
     * high watermark long enough for a consumer to ask.
     */
    private static final int RACK_B_FOLLOWER = 2;

    @RegisterExtension
    static final DLogClusterExtension CLUSTER = DLogClusterExtension.inProcess(3)
            .with("replica.lag.time.max.ms", "6000")
            .with("replica.selector.class", "org.apache.kafka.common.replica.RackAwareReplicaSelector")
            .withNode(1, "broker.rack", "rack-1").withNode(2, "broker.rack", "rack-2").withNode(3, "broker.rack", "rack-3")
            .withNode(RACK_B_FOLLOWER, "replica.fetch.wait.max.ms", "5000");

    @Test
    void shouldCountUnderReplicatedPartitionsOnTheLeaderWhenAFollowerStops(InProcessCluster cluster) throws Exception {
        // Given a topic with three replicas, all in sync
        String topic = "urp-" + System.nanoTime();
        int leader;
        try (Admin admin = cluster.admin()) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 3)
                    .configs(Map.of("min.insync.replicas", "3")))).all().get();
            leader = awaitFullIsr(admin, topic).partitions().get(0).leader().id();
        }
        long activeControllers = 0;
        for (int node : cluster.nodeIds()) {
            activeControllers += gauge(cluster, node, "kafka.controller:type=KafkaController,name=ActiveControllerCount");
        }
        assertThat(activeControllers).isEqualTo(1);
        // Every partition of the leader (internal topics too) in sync first: their followers may still be catching up
        long inSync = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (gauge(cluster, leader, "kafka.server:type=ReplicaManager,name=UnderReplicatedPartitions") > 0
                && System.nanoTime() < inSync) {
            Thread.sleep(200);
        }
        assertThat(gauge(cluster, leader, "kafka.server:type=ReplicaManager,name=UnderReplicatedPartitions")).isZero();
        assertThat(gauge(cluster, leader, "kafka.server:type=ReplicaManager,name=UnderMinIsrPartitionCount")).isZero();
        // The Admin client sees the ISR before the leader's role thread has made it leader of the new topic
        long led = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (gauge(cluster, leader, "kafka.server:type=ReplicaManager,name=AtMinIsrPartitionCount") == 0
                && System.nanoTime() < led) {
            Thread.sleep(100);
        }
        assertThat(gauge(cluster, leader, "kafka.server:type=ReplicaManager,name=AtMinIsrPartitionCount"))
                .as("the new topic's ISR of 3 is at its min.insync.replicas").isPositive();
        long shrinksBefore = count(cluster, leader, "kafka.server:type=ReplicaManager,name=IsrShrinksPerSec");

        // When a follower stops
        int follower = cluster.nodeIds().stream().filter(n -> n != leader).findFirst().orElseThrow();
        cluster.stop(follower);
        try {
            // Then the leader drops it from the ISR and counts the partition as under-replicated
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (gauge(cluster, leader, "kafka.server:type=ReplicaManager,name=UnderReplicatedPartitions") == 0
                    && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
            assertThat(gauge(cluster, leader, "kafka.server:type=ReplicaManager,name=UnderReplicatedPartitions")).isPositive();
            assertThat(count(cluster, leader, "kafka.server:type=ReplicaManager,name=IsrShrinksPerSec"))
                    .isGreaterThan(shrinksBefore);
            assertThat(gauge(cluster, leader, "kafka.server:type=ReplicaManager,name=UnderMinIsrPartitionCount"))
                    .as("the new topic's ISR of 2 is below its min.insync.replicas of 3").isPositive();
        } finally {
            cluster.restart(follower);
        }
    }

    @Test
    void shouldServeARackLocalConsumerFromItsFollowerNeverAboveTheFollowersHighWatermark(InProcessCluster cluster)
            throws Exception {
        // Given a topic led by node 1 (rack-1) with followers 2 (rack-2) and 3 (rack-3), and committed records
        String topic = rackTopic(cluster);
        // The follower learns the high watermark with its next fetch, up to replica.fetch.wait.max.ms (5 s on these
        // nodes) later, so it holds records above it meanwhile; but for the first 2 s after the leader took the
        // partition up its followers' fetches park only briefly (ReplicaManager.NEW_LEADERSHIP_WINDOW_MS): wait that out
        Thread.sleep(3_000);
        String replicationIn = "kafka.server:type=BrokerTopicMetrics,name=ReplicationBytesInPerSec";
        String replicationOut = "kafka.server:type=BrokerTopicMetrics,name=ReplicationBytesOutPerSec";
        long[] replicatedBefore = {count(cluster, 1, replicationOut), count(cluster, 2, replicationIn),
                count(cluster, 3, replicationIn)};
        List<String> sent = produce(cluster, topic, 0, 200);
        PartitionLog follower = cluster.broker(RACK_B_FOLLOWER).localLog(topic, 0).orElseThrow();
        long[] bytesOutBefore = bytesOut(cluster, topic);
        // acks=all with every replica in the ISR: both followers appended the records, sent by the leader
        assertThat(count(cluster, 1, replicationOut) - replicatedBefore[0]).as("leader's ReplicationBytesOut").isPositive();
        assertThat(count(cluster, 2, replicationIn) - replicatedBefore[1]).as("node 2's ReplicationBytesIn").isPositive();
        assertThat(count(cluster, 3, replicationIn) - replicatedBefore[2]).as("node 3's ReplicationBytesIn").isPositive();

        // When a consumer in rack-2 reads the partition from the start
        List<String> read = new ArrayList<>();
        boolean sawRecordsHeldBack = false;
        try (KafkaConsumer<String, String> consumer = rackConsumer(cluster, topic, "rack-2")) {
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (read.size() < sent.size() && System.nanoTime() < deadline) {
                ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(200));
                long highWatermark = follower.highWatermark();
                long position = consumer.position(new TopicPartition(topic, 0));
                // Then the follower never hands out a record at or above its own high watermark
                assertThat(position).as("consumer position against the follower's high watermark").isLessThanOrEqualTo(highWatermark);
                sawRecordsHeldBack |= position == highWatermark && follower.logEndOffset() > highWatermark;
                records.forEach(r -> read.add(r.value()));
            }
        }

        // Then it read every committed record, in order, from the follower: the leader and the rack-3 follower sent none
        assertThat(read).containsExactlyElementsOf(sent);
        long[] bytesOutAfter = bytesOut(cluster, topic);
        assertThat(bytesOutAfter[RACK_B_FOLLOWER - 1] - bytesOutBefore[RACK_B_FOLLOWER - 1]).isPositive();
        assertThat(bytesOutAfter[0] - bytesOutBefore[0]).as("bytes the leader served").isZero();
        assertThat(bytesOutAfter[2] - bytesOutBefore[2]).as("bytes the rack-3 follower served").isZero();
        assertThat(sawRecordsHeldBack).as("the follower held records above its high watermark while the consumer waited")
                .isTrue();
    }

    @Test
    void shouldFallBackToTheLeaderWithNothingLostWhenTheRackLocalFollowerStops(InProcessCluster cluster) throws Exception {
        // Given a rack-2 consumer reading from the rack-2 follower
        String topic = rackTopic(cluster);
        List<String> sent = new ArrayList<>(produce(cluster, topic, 0, 100));
        List<String> read = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = rackConsumer(cluster, topic, "rack-2")) {
            pollUntil(consumer, read, sent.size());
            long leaderBytesBefore = bytesOut(cluster, topic)[0];

            // When the follower stops and more records are written
            cluster.stop(RACK_B_FOLLOWER);
            try {
                sent.addAll(produce(cluster, topic, 100, 100));
                pollUntil(consumer, read, sent.size());
            } finally {
                cluster.restart(RACK_B_FOLLOWER);
            }

            // Then the consumer carried on at the leader and lost nothing
            assertThat(read).containsExactlyElementsOf(sent);
            assertThat(bytesOut(cluster, topic)[0]).as("bytes the leader served").isGreaterThan(leaderBytesBefore);
        }
    }

    @Test
    void shouldServeAReadCommittedRackLocalConsumerOnlyCommittedRecordsFromItsFollower(InProcessCluster cluster)
            throws Exception {
        // Given a committed, an aborted and a still open transaction on a topic led by node 1
        String topic = rackTopic(cluster);
        Properties props = cluster.clientProps();
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "rack-txn-" + topic);
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        PartitionLog follower = cluster.broker(RACK_B_FOLLOWER).localLog(topic, 0).orElseThrow();
        long[] bytesOutBefore = bytesOut(cluster, topic);
        List<String> read = new ArrayList<>();
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
            producer.initTransactions();
            producer.beginTransaction();
            for (int i = 0; i < 10; i++) {
                producer.send(new ProducerRecord<>(topic, 0, "k", "committed-" + i));
            }
            producer.commitTransaction();
            producer.beginTransaction();
            for (int i = 0; i < 10; i++) {
                producer.send(new ProducerRecord<>(topic, 0, "k", "aborted-" + i));
            }
            producer.abortTransaction();
            producer.beginTransaction();
            for (int i = 0; i < 10; i++) {
                producer.send(new ProducerRecord<>(topic, 0, "k", "open-" + i));
            }
            producer.flush();

            // When a read_committed consumer in rack-2 reads while the last transaction is open
            Properties consumerProps = new Properties();
            consumerProps.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            try (KafkaConsumer<String, String> consumer = rackConsumer(cluster, topic, "rack-2", consumerProps)) {
                pollUntil(consumer, read, 10);
                long idle = System.nanoTime() + Duration.ofSeconds(2).toNanos();
                while (System.nanoTime() < idle) {
                    consumer.poll(Duration.ofMillis(200)).forEach(r -> read.add(r.value()));
                }
                // Then it got the committed records only, never passing the follower's last stable offset
                assertThat(consumer.position(new TopicPartition(topic, 0))).isLessThanOrEqualTo(follower.lastStableOffset());
            }
            producer.commitTransaction();
        }
        assertThat(read).containsExactlyElementsOf(java.util.stream.IntStream.range(0, 10).mapToObj(i -> "committed-" + i).toList());
        long[] bytesOutAfter = bytesOut(cluster, topic);
        assertThat(bytesOutAfter[RACK_B_FOLLOWER - 1] - bytesOutBefore[RACK_B_FOLLOWER - 1])
                .as("bytes out per node " + java.util.Arrays.toString(bytesOutBefore) + " -> " + java.util.Arrays.toString(bytesOutAfter)).isPositive();
        assertThat(bytesOutAfter[0] - bytesOutBefore[0]).as("bytes the leader served").isZero();
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void shouldServeALibrdkafkaConsumerFromTheFollowerInItsRack(InProcessCluster cluster) throws Exception {
        String python = LibrdkafkaTransactions.python();
        Path script = Path.of(ClusterMetricsTest.class.getResource("/librdkafka/rack_consume.py").toURI());
        assertNonJavaConsumerReadsFromItsRack(cluster, "librdkafka", python, script.toString());
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void shouldServeAKafkajsConsumerFromTheFollowerInItsRack(InProcessCluster cluster) throws Exception {
        Path script = Kafkajs.script("kafkajs-failover", "rack-consume.js");
        assertNonJavaConsumerReadsFromItsRack(cluster, "kafkajs", "node", script.toString());
    }

    /**
     * Given committed records on a topic led by node 1, when the client's consumer in rack-2 reads them (the script
     * prints READ lines), then it read all of them in order and only the rack-2 follower served consumer bytes: the
     * client followed the leader's preferred_read_replica.
     */
    private static void assertNonJavaConsumerReadsFromItsRack(InProcessCluster cluster, String client, String... command)
            throws Exception {
        String topic = rackTopic(cluster);
        List<String> sent = produce(cluster, topic, 0, 200);
        long[] bytesOutBefore = bytesOut(cluster, topic);

        List<String> args = new ArrayList<>(List.of(command));
        args.addAll(List.of(cluster.bootstrapServers(), topic, "rack-2", Integer.toString(sent.size())));
        Process process = new ProcessBuilder(args).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String output;
        try {
            output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("%s script ended", client).isTrue();
        } finally {
            process.destroyForcibly();
        }
        assertThat(process.exitValue()).as("%s exit status; output %s", client, output).isZero();
        List<String> read = output.lines().filter(l -> l.startsWith("READ ")).map(l -> l.substring(5)).toList();

        assertThat(read).as("what the %s consumer read", client).containsExactlyElementsOf(sent);
        long[] bytesOutAfter = bytesOut(cluster, topic);
        String perNode = java.util.Arrays.toString(bytesOutBefore) + " -> " + java.util.Arrays.toString(bytesOutAfter);
        assertThat(bytesOutAfter[RACK_B_FOLLOWER - 1] - bytesOutBefore[RACK_B_FOLLOWER - 1])
                .as("bytes the rack-2 follower served to %s, per node %s", client, perNode).isPositive();
        assertThat(bytesOutAfter[0] - bytesOutBefore[0]).as("bytes the leader served, per node %s", perNode).isZero();
        assertThat(bytesOutAfter[2] - bytesOutBefore[2]).as("bytes the rack-3 follower served, per node %s", perNode).isZero();
    }

    /** A fresh topic on replicas [1, 2, 3] led by node 1, every replica in sync. */
    private static String rackTopic(InProcessCluster cluster) throws Exception {
        String topic = "rack-" + System.nanoTime();
        try (Admin admin = cluster.admin()) {
            admin.createTopics(List.of(new NewTopic(topic, Map.of(0, List.of(1, 2, 3)))
                    .configs(Map.of("min.insync.replicas", "2")))).all().get();
            TopicDescription description = awaitFullIsr(admin, topic);
            assertThat(description.partitions().get(0).leader().id()).isEqualTo(1);
        }
        // A new topic's ISR lists every replica at once (as on Kafka), before each node has opened its copy
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        for (int node : List.of(1, 2, 3)) {
            while (cluster.broker(node).localLog(topic, 0).isEmpty()) {
                assertThat(System.nanoTime()).as("node %d opened its replica of %s", node, topic).isLessThan(deadline);
                Thread.sleep(50);
            }
        }
        return topic;
    }

    private static List<String> produce(InProcessCluster cluster, String topic, int from, int count) throws Exception {
        Properties props = cluster.clientProps();
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        List<String> values = new ArrayList<>();
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
            List<java.util.concurrent.Future<?>> acks = new ArrayList<>();
            for (int i = from; i < from + count; i++) {
                values.add("v-" + i);
                acks.add(producer.send(new ProducerRecord<>(topic, 0, "k", "v-" + i)));
            }
            for (java.util.concurrent.Future<?> ack : acks) {
                ack.get();
            }
        }
        return values;
    }

    private static KafkaConsumer<String, String> rackConsumer(InProcessCluster cluster, String topic, String rack) {
        return rackConsumer(cluster, topic, rack, new Properties());
    }

    private static KafkaConsumer<String, String> rackConsumer(InProcessCluster cluster, String topic, String rack,
                                                              Properties extra) {
        Properties props = cluster.clientProps();
        props.putAll(extra);
        props.put(ConsumerConfig.CLIENT_RACK_CONFIG, rack);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props);
        consumer.assign(List.of(new TopicPartition(topic, 0)));
        return consumer;
    }

    private static void pollUntil(KafkaConsumer<String, String> consumer, List<String> read, int count) {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (read.size() < count && System.nanoTime() < deadline) {
            consumer.poll(Duration.ofMillis(200)).forEach(r -> read.add(r.value()));
        }
        assertThat(read).hasSize(count);
    }

    /** Each node's BytesOutPerSec count for the topic (consumer bytes; 0 while the node never served it). */
    private static long[] bytesOut(InProcessCluster cluster, String topic) throws Exception {
        long[] counts = new long[cluster.size()];
        for (int node : cluster.nodeIds()) {
            if (!cluster.isRunning(node)) {
                continue;
            }
            ObjectName name = new ObjectName("kafka.server:type=BrokerTopicMetrics,name=BytesOutPerSec,topic=" + topic);
            counts[node - 1] = mBeans(cluster, node).isRegistered(name) ? (Long) mBeans(cluster, node).getAttribute(name, "Count") : 0;
        }
        return counts;
    }

    private static TopicDescription awaitFullIsr(Admin admin, String topic) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            try {
                TopicDescription description = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
                if (description.partitions().get(0).leader() != null && description.partitions().get(0).isr().size() == 3) {
                    return description;
                }
            } catch (Exception e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("ISR of " + topic + " never reached 3 replicas");
            }
            Thread.sleep(100);
        }
    }

    private static MBeanServer mBeans(InProcessCluster cluster, int node) {
        return cluster.broker(node).metrics().mBeanServer();
    }

    private static long gauge(InProcessCluster cluster, int node, String name) throws Exception {
        return ((Number) mBeans(cluster, node).getAttribute(new ObjectName(name), "Value")).longValue();
    }

    private static long count(InProcessCluster cluster, int node, String name) throws Exception {
        return (Long) mBeans(cluster, node).getAttribute(new ObjectName(name), "Count");
    }
}
