package io.dlog.compat.replication;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.compat.cluster.ProcessCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * kill -9 of the node that is a transactional producer's coordinator (the leader of its {@code
 * __transaction_state} partition), while the producer runs transactions over three replicated partitions:
 * coordination moves to the partition's new leader, which loads the transactional state from the replicated
 * log, and the producer carries on. Every transaction is seen by read_committed consumers whole or not at all,
 * every commit the producer saw succeed is there, no aborted one is, and nothing is left hanging (the last
 * stable offset reaches the high watermark on every partition).
 */
class TransactionCoordinatorFailoverTest {
    private static final String TOPIC = "txn-coordinator-failover";
    private static final String TRANSACTIONAL_ID = "failover-txn";
    private static final int PARTITIONS = 3;

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void shouldApplyEveryTransactionWholeOrNotAtAllWhenItsCoordinatorIsKilled() throws Exception {
        // Given
        try (ProcessCluster cluster = ProcessCluster.start(3, Map.of("broker.session.timeout.ms", "6000",
                "broker.heartbeat.interval.ms", "1000", "transaction.abort.timed.out.transaction.cleanup.interval.ms", "1000"));
             Admin admin = cluster.admin()) {
            cluster.createTopic(new NewTopic(TOPIC, PARTITIONS, (short) 3).configs(Map.of("min.insync.replicas", "2")));
            Set<Integer> committed = Collections.synchronizedSet(new HashSet<>());
            Set<Integer> aborted = Collections.synchronizedSet(new HashSet<>());
            AtomicInteger unknown = new AtomicInteger();
            AtomicBoolean running = new AtomicBoolean(true);
            List<Throwable> fatal = Collections.synchronizedList(new ArrayList<>());
            Thread producer = new Thread(() -> transact(cluster, committed, aborted, unknown, running, fatal), "txn-producer");
            producer.start();
            awaitCount(committed, 20, fatal);
            int coordinator = admin.describeTransactions(List.of(TRANSACTIONAL_ID)).description(TRANSACTIONAL_ID)
                    .get(30, TimeUnit.SECONDS).coordinatorId();

            // When
            cluster.kill(coordinator);
            int before = committed.size();
            awaitCount(committed, before + 20, fatal);
            running.set(false);
            producer.join(120_000);

            // Then
            assertThat(fatal).isEmpty();
            assertThat(producer.isAlive()).isFalse();
            // A commit is answered once PrepareCommit is written, its markers follow (as on Kafka): read once the
            // last one landed, else the last transaction's records sit above the last stable offset of a partition
            assertNothingHanging(admin);
            Map<Integer, Integer> seen = readCommitted(cluster);
            for (int txn : committed) {
                assertThat(seen.get(txn)).as("committed transaction %d whole", txn).isEqualTo(PARTITIONS);
            }
            for (int txn : aborted) {
                assertThat(seen).as("aborted transaction %d not visible", txn).doesNotContainKey(txn);
            }
            seen.forEach((txn, records) -> assertThat(records).as("transaction %d whole or not at all", txn)
                    .isEqualTo(PARTITIONS));
            System.out.println("TXN-FAILOVER coordinator " + coordinator + " killed: " + committed.size() + " committed, "
                    + aborted.size() + " aborted, " + unknown.get() + " unknown outcome");
        }
    }

    /**
     * Transactions numbered 0, 1, ...: one record per partition, then commit. A commit that times out is retried
     * (Kafka's contract for TimeoutException); any other error aborts the transaction, and a failed abort leaves
     * its outcome unknown (the producer is then recreated, which fences and aborts it).
     */
    private static void transact(ProcessCluster cluster, Set<Integer> committed, Set<Integer> aborted, AtomicInteger unknown,
                                 AtomicBoolean running, List<Throwable> fatal) {
        int txn = 0;
        while (running.get()) {
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerProps(cluster))) {
                producer.initTransactions();
                while (running.get()) {
                    producer.beginTransaction();
                    try {
                        for (int p = 0; p < PARTITIONS; p++) {
                            producer.send(new ProducerRecord<>(TOPIC, p, "k", Integer.toString(txn)));
                        }
                        commit(producer);
                        committed.add(txn);
                    } catch (KafkaException e) {
                        try {
                            producer.abortTransaction();
                            aborted.add(txn);
                        } catch (KafkaException abortFailed) {
                            unknown.incrementAndGet();
                            txn++;
                            break;
                        }
                    }
                    txn++;
                }
            } catch (KafkaException e) {
                // initTransactions while the coordinator moves: a new producer tries again
            } catch (RuntimeException e) {
                fatal.add(e);
                return;
            }
        }
    }

    private static void commit(KafkaProducer<String, String> producer) {
        for (int attempt = 0; ; attempt++) {
            try {
                producer.commitTransaction();
                return;
            } catch (TimeoutException e) {
                if (attempt == 5) {
                    throw e;
                }
            }
        }
    }

    private static Properties producerProps(ProcessCluster cluster) {
        Properties props = cluster.clientProps();
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, TRANSACTIONAL_ID);
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "20000");
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        return props;
    }

    private static void awaitCount(Set<Integer> set, int count, List<Throwable> fatal) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (set.size() < count) {
            assertThat(fatal).isEmpty();
            assertThat(System.nanoTime() - deadline).as("%d committed transactions", count).isNegative();
            Thread.sleep(20);
        }
    }

    /** Transaction number → records of it a read_committed consumer sees, over all partitions. */
    private static Map<Integer, Integer> readCommitted(ProcessCluster cluster) {
        Properties props = cluster.clientProps();
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        Map<Integer, Integer> seen = new java.util.TreeMap<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (int p = 0; p < PARTITIONS; p++) {
                partitions.add(new TopicPartition(TOPIC, p));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp))) {
                assertThat(System.nanoTime() - deadline).as("read_committed to the end offsets").isNegative();
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    seen.merge(Integer.parseInt(r.value()), 1, Integer::sum);
                }
            }
        }
        return seen;
    }

    /** Every partition's last stable offset reaches its high watermark (open transactions end by their timeout). */
    private static void assertNothingHanging(Admin admin) throws Exception {
        Map<TopicPartition, OffsetSpec> latest = new java.util.HashMap<>();
        for (int p = 0; p < PARTITIONS; p++) {
            latest.put(new TopicPartition(TOPIC, p), OffsetSpec.latest());
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (true) {
            var stable = admin.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all().get(30, TimeUnit.SECONDS);
            var high = admin.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_UNCOMMITTED)).all().get(30, TimeUnit.SECONDS);
            boolean settled = latest.keySet().stream().allMatch(tp -> stable.get(tp).offset() == high.get(tp).offset());
            if (settled) {
                return;
            }
            assertThat(System.nanoTime() - deadline).as("last stable offsets reach the high watermarks").isNegative();
            Thread.sleep(500);
        }
    }
}
