package io.dlog.compat.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dlog.compat.DLogBrokerExtension;
import io.dlog.compat.badinput.RawConnection;
import io.dlog.compat.cluster.ProcessCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.FindCoordinatorRequest;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code transaction.state.log.min.isr} as Kafka applies it: {@code __transaction_state} is created with that
 * {@code min.insync.replicas} and without unclean leader election, and a coordinator writes a transaction's state
 * only while that many replicas are in sync (Kafka's acks=all check before the append), so an acknowledged state
 * change is on that many replicas. DLog caps it at the topic's replication factor, as it caps the factor at the live
 * brokers, so a single node's transactions work with Kafka's defaults.
 */
class TransactionStateMinIsrTest {
    private static final String STATE = "__transaction_state";
    private static final String TOPIC = "txn-min-isr";

    @RegisterExtension
    static final DLogBrokerExtension SINGLE = new DLogBrokerExtension();

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void shouldWriteTransactionStateOnlyWhileMinIsrReplicasAreInSync() throws Exception {
        // Given: three nodes, the transaction state to be on all three before a change counts
        try (ProcessCluster cluster = ProcessCluster.start(3, Map.of("transaction.state.log.min.isr", "3",
                "broker.session.timeout.ms", "6000", "broker.heartbeat.interval.ms", "1000"));
             Admin admin = cluster.admin()) {
            cluster.createTopic(new NewTopic(TOPIC, 1, (short) 3));
            List<String> committed = new ArrayList<>();
            try (KafkaProducer<String, String> producer = producer(cluster, "a", 60_000)) {
                producer.initTransactions();
                commit(producer, "a-1", committed);
            }
            Config config = admin.describeConfigs(List.of(new ConfigResource(ConfigResource.Type.TOPIC, STATE)))
                    .all().get(30, TimeUnit.SECONDS).values().iterator().next();
            assertThat(config.get("min.insync.replicas").value()).isEqualTo("3");
            assertThat(config.get("unclean.leader.election.enable").value()).isEqualTo("false");

            // When: a node goes, and with it the third in-sync replica of every state partition
            cluster.kill(3);
            awaitStateIsr(admin, 2);

            // Then: its coordinator answers InitProducerId (which writes state) COORDINATOR_NOT_AVAILABLE, as Kafka's
            // transaction state manager answers a write refused for a short ISR, so the client retries it there
            assertThat(settledInitProducerIdError(cluster, "b")).isEqualTo(Errors.COORDINATOR_NOT_AVAILABLE);

            // And: a producer cannot register, as against Kafka, until max.block.ms
            try (KafkaProducer<String, String> producer = producer(cluster, "b", 5_000)) {
                assertThatThrownBy(producer::initTransactions).isInstanceOf(TimeoutException.class);
            }

            // And: with the node back in every ISR, it registers and commits
            cluster.restart(3);
            awaitStateIsr(admin, 3);
            try (KafkaProducer<String, String> producer = producer(cluster, "b", 60_000)) {
                producer.initTransactions();
                commit(producer, "b-1", committed);
            }
            assertThat(readCommitted(cluster, committed.size())).containsExactlyElementsOf(committed);
        }
    }

    /**
     * {@link #initProducerIdError} once the answer no longer sends the client elsewhere: while a partition of the
     * killed node's moves to its new leader, that leader answers NOT_COORDINATOR or COORDINATOR_LOAD_IN_PROGRESS
     * until it leads and has loaded it (up to 60 s; then the last answer).
     */
    private static Errors settledInitProducerIdError(ProcessCluster cluster, String transactionalId) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        Errors error = initProducerIdError(cluster, transactionalId);
        while ((error == Errors.NOT_COORDINATOR || error == Errors.COORDINATOR_LOAD_IN_PROGRESS)
                && System.nanoTime() < deadline) {
            Thread.sleep(200);
            error = initProducerIdError(cluster, transactionalId);
        }
        return error;
    }

    /** InitProducerId for {@code transactionalId}, sent raw to its coordinator (found by FindCoordinator at node 1). */
    private static Errors initProducerIdError(ProcessCluster cluster, String transactionalId) throws Exception {
        int coordinatorPort;
        try (RawConnection any = RawConnection.open(cluster.layout().node(1).port())) {
            short version = 4;
            int correlationId = any.send(ApiKeys.FIND_COORDINATOR, version, new FindCoordinatorRequestData()
                    .setKeyType(FindCoordinatorRequest.CoordinatorType.TRANSACTION.id())
                    .setCoordinatorKeys(List.of(transactionalId)));
            FindCoordinatorResponseData.Coordinator found = new FindCoordinatorResponseData(
                    any.receive(correlationId, ApiKeys.FIND_COORDINATOR, version), version).coordinators().get(0);
            assertThat(Errors.forCode(found.errorCode())).as("FindCoordinator").isEqualTo(Errors.NONE);
            coordinatorPort = found.port();
        }
        try (RawConnection coordinator = RawConnection.open(coordinatorPort)) {
            short version = 5;
            int correlationId = coordinator.send(ApiKeys.INIT_PRODUCER_ID, version, new InitProducerIdRequestData()
                    .setTransactionalId(transactionalId).setTransactionTimeoutMs(60_000)
                    .setProducerId(-1).setProducerEpoch((short) -1));
            return Errors.forCode(new InitProducerIdResponseData(
                    coordinator.receive(correlationId, ApiKeys.INIT_PRODUCER_ID, version), version).errorCode());
        }
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void shouldCreateTheShareStateTopicWithShareCoordinatorStateTopicMinIsr() throws Exception {
        // Given: three nodes with the share state's min.isr at 3
        try (ProcessCluster cluster = ProcessCluster.start(3, Map.of("share.coordinator.state.topic.min.isr", "3"));
             Admin admin = cluster.admin()) {
            cluster.createTopic(new NewTopic(TOPIC, 1, (short) 3));

            // When: a share group starts, which writes its first state
            try (org.apache.kafka.clients.consumer.KafkaShareConsumer<String, String> consumer =
                         io.dlog.compat.share.ShareClients.shareConsumer(cluster.bootstrapServers(), "min-isr-share",
                                 Map.of())) {
                consumer.subscribe(List.of(TOPIC));
                io.dlog.compat.share.ShareClients.awaitInitialized(admin, "min-isr-share", TOPIC, 1, List.of(consumer));
            }

            // Then: its state topic has the setting, as Kafka's share coordinator creates it
            Config config = admin.describeConfigs(List.of(new ConfigResource(ConfigResource.Type.TOPIC,
                    "__share_group_state"))).all().get(30, TimeUnit.SECONDS).values().iterator().next();
            assertThat(config.get("min.insync.replicas").value()).isEqualTo("3");
        }
    }

    @Test
    void shouldCapTheMinIsrOfTransactionStateAtItsReplicationFactorOnASingleNode() throws Exception {
        // Given: one node with Kafka's defaults (replication factor 3 and min.isr 2, both capped)
        String topic = SINGLE.newTopic(1);
        Properties props = SINGLE.clientProps();
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "single-min-isr");
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());

        // When
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, "k", "v")).get(30, TimeUnit.SECONDS);
            producer.commitTransaction();
        }

        // Then
        try (Admin admin = SINGLE.admin()) {
            Config config = admin.describeConfigs(List.of(new ConfigResource(ConfigResource.Type.TOPIC, STATE)))
                    .all().get(30, TimeUnit.SECONDS).values().iterator().next();
            assertThat(config.get("min.insync.replicas").value()).isEqualTo("1");
        }
    }

    private static void commit(KafkaProducer<String, String> producer, String value, List<String> committed)
            throws Exception {
        producer.beginTransaction();
        producer.send(new ProducerRecord<>(TOPIC, 0, "k", value)).get(30, TimeUnit.SECONDS);
        producer.commitTransaction();
        committed.add(value);
    }

    /** Waits until every partition of the transaction state has exactly {@code size} in-sync replicas. */
    private static void awaitStateIsr(Admin admin, int size) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (true) {
            try {
                TopicDescription state = admin.describeTopics(List.of(STATE)).allTopicNames().get(10, TimeUnit.SECONDS)
                        .get(STATE);
                if (state.partitions().stream().map(TopicPartitionInfo::isr).allMatch(isr -> isr.size() == size)) {
                    return;
                }
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                // the node that answered went, or leaders are moving
            }
            assertThat(System.nanoTime() - deadline).as("every %s partition with %d in sync", STATE, size).isNegative();
            Thread.sleep(200);
        }
    }

    private static KafkaProducer<String, String> producer(ProcessCluster cluster, String id, int maxBlockMs) {
        Properties props = cluster.clientProps();
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "min-isr-" + id);
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, Integer.toString(maxBlockMs));
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        return new KafkaProducer<>(props);
    }

    /**
     * What a read_committed consumer reads from the start, polling until it has {@code expected} values (or 60 s),
     * then once more for anything beyond them: a commit returns before its marker is written (as in Kafka), so the
     * last stable offset may not cover the last commit yet when the read starts.
     */
    private static List<String> readCommitted(ProcessCluster cluster, int expected) {
        Properties props = cluster.clientProps();
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
            org.apache.kafka.common.TopicPartition tp = new org.apache.kafka.common.TopicPartition(TOPIC, 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (values.size() < expected && System.nanoTime() - deadline < 0) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500))) {
                    values.add(record.value());
                }
            }
            for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500))) {
                values.add(record.value());
            }
        }
        return values;
    }
}
