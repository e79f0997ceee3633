package io.dlog.compat.replication;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.compat.cluster.DLogClusterExtension;
import io.dlog.compat.cluster.InProcessCluster;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A coordinator stops right after it acknowledged a change: the new leader of the state's partition serves that
 * change, never an older state. A group's offset commit ({@code __consumer_offsets}); a transaction's commit
 * ({@code __transaction_state}). The followers here learn the leader's high watermark late (their fetch waits up
 * to 5 s when nothing new comes), so the new leader starts with a high watermark below the change's record: a
 * coordinator that loaded the partition then (a load replays to the high watermark) answered from the state
 * before it (seen: the group's offset 41 after 42 was acknowledged).
 */
class CoordinatorFailoverTest {
    @RegisterExtension
    static final DLogClusterExtension CLUSTER = DLogClusterExtension.inProcess(3)
            .with("replica.fetch.wait.max.ms", "5000")
            .with("replica.lag.time.max.ms", "10000");

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void shouldServeTheLastAcknowledgedCommitAfterTheCoordinatorStops(InProcessCluster cluster) throws Exception {
        // Given a group that committed offset 41 and then 42 on a replicated partition
        String topic = "coordinator-failover-" + System.nanoTime();
        String group = "g-" + topic;
        TopicPartition tp = new TopicPartition(topic, 0);
        int coordinator;
        try (Admin admin = cluster.admin()) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 3))).all().get();
            try (KafkaConsumer<byte[], byte[]> consumer = consumer(cluster, group)) {
                consumer.assign(List.of(tp));
                consumer.commitSync(Map.of(tp, new OffsetAndMetadata(41)));
                Thread.sleep(500); // the followers hold 41's record and, with the next one, learn it is committed
                coordinator = admin.describeConsumerGroups(List.of(group)).all().get().get(group).coordinator().id();

                // When the coordinator stops right after acknowledging 42
                consumer.commitSync(Map.of(tp, new OffsetAndMetadata(42)));
                cluster.stop(coordinator);
            }
        }
        try {
            // Then the new coordinator answers 42
            Properties props = cluster.clientProps();
            props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "120000");
            try (Admin admin = Admin.create(props)) {
                long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
                Map<TopicPartition, OffsetAndMetadata> offsets = null;
                while (offsets == null) {
                    try {
                        offsets = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
                    } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
                        assertThat(System.nanoTime()).as("the group's offsets after the stop: %s", e).isLessThan(deadline);
                        Thread.sleep(200);
                    }
                }
                assertThat(offsets).containsEntry(tp, new OffsetAndMetadata(42));
                assertThat(admin.describeConsumerGroups(List.of(group)).all().get().get(group).coordinator().id())
                        .isNotEqualTo(coordinator);
            }
        } finally {
            cluster.restart(coordinator);
        }
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void shouldKeepACommittedTransactionCommittedAfterItsCoordinatorStops(InProcessCluster cluster) throws Exception {
        // Given a transactional producer that committed one transaction and then a second
        String topic = "txn-coordinator-failover-" + System.nanoTime();
        String transactionalId = "tx-" + topic;
        Properties props = cluster.clientProps();
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        int coordinator;
        try (Admin admin = cluster.admin(); KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 3))).all().get();
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, 0, "k", "first"));
            producer.commitTransaction();
            Thread.sleep(500);
            coordinator = admin.describeTransactions(List.of(transactionalId)).description(transactionalId)
                    .get(30, TimeUnit.SECONDS).coordinatorId();

            // When its coordinator stops right after the second commit was acknowledged
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, 0, "k", "second"));
            producer.commitTransaction();
            cluster.stop(coordinator);
        }
        try {
            // Then the new coordinator knows the transaction committed: it completes it, never aborts it
            Properties adminProps = cluster.clientProps();
            adminProps.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "120000");
            try (Admin admin = Admin.create(adminProps)) {
                long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
                TransactionDescription description = null;
                while (description == null || description.coordinatorId() == coordinator
                        || description.state() != TransactionState.COMPLETE_COMMIT) {
                    assertThat(description == null ? null : description.state()).as("the transaction's state after the stop")
                            .isNotIn(TransactionState.ONGOING, TransactionState.PREPARE_ABORT, TransactionState.COMPLETE_ABORT,
                                    TransactionState.EMPTY);
                    assertThat(System.nanoTime()).as("the transaction completes; last seen %s", description).isLessThan(deadline);
                    try {
                        description = admin.describeTransactions(List.of(transactionalId)).description(transactionalId)
                                .get(30, TimeUnit.SECONDS);
                    } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
                        Thread.sleep(200);
                    }
                }
            }
        } finally {
            cluster.restart(coordinator);
        }
    }

    private static KafkaConsumer<byte[], byte[]> consumer(InProcessCluster cluster, String group) {
        Properties props = cluster.clientProps();
        props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        return new KafkaConsumer<>(props);
    }
}
