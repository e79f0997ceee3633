package io.dlog.compat.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.compat.badinput.RawConnection;
import io.dlog.compat.clients.Clients;
import io.dlog.compat.clients.LibrdkafkaTransactions;
import io.dlog.compat.clients.OldClientTransactions;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Transactions on three nodes whose partitions are led by other nodes than the transaction's coordinator:
 * the coordinator sends WriteTxnMarkers to every leader over the Kafka protocol and completes the
 * transaction only once each has its marker, and each leader checks transactional writes with the
 * (remote) coordinator (KIP-890). Committed data is seen by read_committed consumers on every partition,
 * aborted data never, and no transaction is left hanging (last stable offset = high watermark).
 */
class ClusterTransactionsTest {
    @RegisterExtension
    static final DLogClusterExtension CLUSTER = DLogClusterExtension.inProcess(3);
    private static final String TXN_STATE = "__transaction_state";

    @Test
    void shouldCommitAndAbortOnPartitionsLedByOtherNodesThanTheCoordinator(InProcessCluster cluster) throws Exception {
        // Given: six partitions led by all three nodes
        String topic = CLUSTER.newTopic(6, 1);
        Map<Integer, Integer> leaders = leaders(topic);
        assertThat(leaders.values()).containsAll(cluster.nodeIds());
        String id = "cluster-txn-" + topic;
        List<TopicPartition> partitions = Clients.partitions(topic, 6);

        // When: commit, abort, commit, each over every partition (kafka-clients 4.3.1: transaction version 2)
        try (KafkaProducer<String, String> producer = Clients.stringProducer(cluster.bootstrapServers(1),
                Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, id, ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000))) {
            producer.initTransactions();
            for (String outcome : List.of("c1", "a", "c2")) {
                producer.beginTransaction();
                for (TopicPartition tp : partitions) {
                    producer.send(new ProducerRecord<>(topic, tp.partition(), "k", outcome + "-" + tp.partition()));
                }
                producer.flush(); // the aborted records too reach the leaders (abort drops unsent ones)
                if (outcome.equals("a")) {
                    producer.abortTransaction();
                } else {
                    producer.commitTransaction();
                }
            }
        }

        // Then: the coordinator leads only some of the partitions
        TransactionDescription described = describe(id);
        for (int i = 0; i < 1500 && described.state() == TransactionState.PREPARE_COMMIT; i++) {
            Thread.sleep(20); // EndTxn is answered once PrepareCommit is written; the markers follow
            described = describe(id);
        }
        assertThat(described.state()).isEqualTo(TransactionState.COMPLETE_COMMIT);
        int coordinator = described.coordinatorId();
        assertThat(leaders.values()).anyMatch(leader -> leader != coordinator);
        // read_committed sees both commits on every partition and nothing of the abort
        try (KafkaConsumer<String, String> consumer = Clients.stringConsumer(cluster.bootstrapServers(2),
                Map.of("isolation.level", "read_committed"))) {
            List<ConsumerRecord<String, String>> read = Clients.readFromBeginning(consumer, partitions, 12);
            assertThat(read).hasSize(12);
            for (TopicPartition tp : partitions) {
                assertThat(read).filteredOn(r -> r.partition() == tp.partition()).extracting(ConsumerRecord::value)
                        .containsExactly("c1-" + tp.partition(), "c2-" + tp.partition());
            }
            // every marker is written: the last stable offset reached the high watermark everywhere
            Map<TopicPartition, Long> stable = consumer.endOffsets(partitions);
            try (KafkaConsumer<String, String> uncommitted = Clients.stringConsumer(cluster.bootstrapServers(3))) {
                assertThat(stable).isEqualTo(uncommitted.endOffsets(partitions));
                assertThat(Clients.readFromBeginning(uncommitted, partitions, 18)).extracting(ConsumerRecord::value)
                        .contains("a-0", "a-5");
            }
        }
    }

    @Test
    void shouldRefuseATransactionalWriteToAPartitionTheRemoteCoordinatorDoesNotHaveInTheTransaction(
            InProcessCluster cluster) throws Exception {
        // Given: an open transaction on partition 0, and partition 1 led by a node that is not the coordinator
        String topic = CLUSTER.newTopic(3, 1);
        Map<Integer, Integer> leaders = leaders(topic);
        String id = idCoordinatedAwayFrom(leaders.get(1), "verify-" + topic);
        try (KafkaProducer<String, String> producer = Clients.stringProducer(cluster.bootstrapServers(1),
                Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, id, ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000))) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, 0, "k", "in-txn")).get(30, TimeUnit.SECONDS);
            TransactionDescription open = describe(id);
            assertThat(open.state()).isEqualTo(TransactionState.ONGOING);
            assertThat(open.coordinatorId()).isNotEqualTo(leaders.get(1));

            // When: a Produce v11 (verify-only, KIP-890 part 1) of that producer's transaction to partition 1
            short version = 11;
            MemoryRecords batch = MemoryRecords.withTransactionalRecords(Compression.NONE, open.producerId(),
                    (short) open.producerEpoch(), 0, new SimpleRecord("k".getBytes(), "sneaked".getBytes()));
            ProduceRequestData.TopicProduceDataCollection topics = new ProduceRequestData.TopicProduceDataCollection();
            topics.add(new ProduceRequestData.TopicProduceData().setName(topic).setPartitionData(List.of(
                    new ProduceRequestData.PartitionProduceData().setIndex(1).setRecords(batch))));
            ProduceRequestData request = new ProduceRequestData().setTransactionalId(id).setAcks((short) -1)
                    .setTimeoutMs(10_000).setTopicData(topics);
            ProduceResponseData response;
            try (RawConnection leader = RawConnection.open(cluster.broker(leaders.get(1)).port())) {
                int correlationId = leader.send(ApiKeys.PRODUCE, version, request);
                response = new ProduceResponseData(leader.receive(correlationId, ApiKeys.PRODUCE, version), version);
            }

            // Then: the leader asked the coordinator on the other node, which does not have partition 1
            // (TRANSACTION_ABORTABLE from Produce v11, as Kafka 4 answers; INVALID_TXN_STATE below)
            assertThat(response.responses()).singleElement().satisfies(t -> assertThat(t.partitionResponses())
                    .singleElement().satisfies(p -> assertThat(Errors.forCode(p.errorCode()))
                            .isEqualTo(Errors.TRANSACTION_ABORTABLE)));
            producer.abortTransaction();
        }
        try (KafkaConsumer<String, String> consumer = Clients.stringConsumer(cluster.bootstrapServers(1))) {
            TopicPartition p1 = new TopicPartition(topic, 1);
            assertThat(consumer.endOffsets(List.of(p1))).containsEntry(p1, 0L);
        }
    }

    @Test
    void shouldCommitAndAbortWithTheKafka3ProducerThroughARemoteCoordinator(InProcessCluster cluster) throws Exception {
        // Given: kafka-clients 3.9 (AddPartitionsToTxn from the client, Produce v11 verified by the leader)
        String topic = CLUSTER.newTopic(1, 1);
        String id = idCoordinatedAwayFrom(leaders(topic).get(0), "kafka3-" + topic);
        Path jar = Path.of("target", "kafka3", "kafka-clients-3.jar").toAbsolutePath();
        assertThat(jar).as("copied by maven-dependency-plugin in generate-test-resources").exists();
        URL slf4j = org.slf4j.Logger.class.getProtectionDomain().getCodeSource().getLocation();
        try (URLClassLoader kafka3 = new URLClassLoader("kafka-clients-3", new URL[] {jar.toUri().toURL(), slf4j},
                ClassLoader.getPlatformClassLoader())) {
            // Then: read_committed sees the committed records only
            OldClientTransactions.commitAndAbort(kafka3, cluster.bootstrapServers(2), topic, id);
        }
    }

    @Test
    void shouldCommitAndAbortWithLibrdkafkaThroughARemoteCoordinator(InProcessCluster cluster) throws Exception {
        String python = LibrdkafkaTransactions.python(); // skipped, saying why, without confluent-kafka-python
        String topic = CLUSTER.newTopic(3, 1);
        String id = idCoordinatedAwayFrom(leaders(topic).get(0), "librdkafka-" + topic);
        LibrdkafkaTransactions.commitAbortCommit(python, cluster.bootstrapServers(1), topic, id, 3);
    }

    /** Partition → leader, from Metadata. */
    private static Map<Integer, Integer> leaders(String topic) throws Exception {
        try (Admin admin = CLUSTER.admin()) {
            Map<Integer, Integer> leaders = new HashMap<>();
            for (TopicPartitionInfo p : ThreeNodeClusterTest.awaitTopic(admin, topic).partitions()) {
                leaders.put(p.partition(), p.leader().id());
            }
            return leaders;
        }
    }

    /** A transactional id whose coordinator (leader of its __transaction_state partition, Kafka's rule) is not {@code node}. */
    private static String idCoordinatedAwayFrom(int node, String prefix) throws Exception {
        Map<Integer, Integer> stateLeaders = leaders(TXN_STATE);
        List<String> tried = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            String id = prefix + "-" + i;
            int h = id.hashCode();
            int partition = (h == Integer.MIN_VALUE ? 0 : Math.abs(h)) % stateLeaders.size(); // Kafka's Utils.abs
            if (stateLeaders.get(partition) != node) {
                return id;
            }
            tried.add(id);
        }
        throw new AssertionError("every id is coordinated by node " + node + ": " + tried.size());
    }

    private static TransactionDescription describe(String id) throws Exception {
        try (Admin admin = CLUSTER.admin()) {
            return admin.describeTransactions(List.of(id)).description(id).get(30, TimeUnit.SECONDS);
        }
    }
}
