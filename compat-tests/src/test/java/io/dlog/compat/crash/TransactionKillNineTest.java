package io.dlog.compat.crash;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.compat.clients.Clients;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
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
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 of a broker while a transactional producer commits transactions spanning three partitions:
 * after the restart every transaction is visible to read_committed consumers whole or not at all, every
 * commit the producer saw succeed is visible, and no transaction is left hanging (the LSO reaches the
 * high watermark: prepared commits complete, open transactions abort at their timeout).
 */
class TransactionKillNineTest {
    private static final int PARTITIONS = 3;
    private static final int RECORDS_PER_PARTITION = 5;

    @TempDir
    Path dataDir;

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void shouldApplyEachTransactionWholeOrNotAtAllAfterKillNine() throws Exception {
        int port = ChildBroker.freePort();
        String topic = "txn-crash";
        AtomicInteger lastCommitted = new AtomicInteger(-1);
        String[] settings = {"transaction.abort.timed.out.transaction.cleanup.interval.ms=500"};
        try (ChildBroker broker = ChildBroker.start(port, dataDir, settings)) {
            try (Admin admin = admin(broker)) {
                admin.createTopics(List.of(new NewTopic(topic, PARTITIONS, (short) 1))).all().get(30, TimeUnit.SECONDS);
            }
            Thread producerThread = new Thread(() -> produceUntilKilled(broker, topic, lastCommitted), "txn-producer");
            producerThread.start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (lastCommitted.get() < 20 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            // When: killed while the producer keeps committing
            broker.killHard();
            producerThread.join(60_000);
        }
        assertThat(lastCommitted.get()).as("transactions committed before the kill").isGreaterThanOrEqualTo(20);

        try (ChildBroker broker = ChildBroker.start(port, dataDir, settings)) {
            // Then: nothing hangs
            awaitStable(broker, topic);
            Map<Integer, Integer> countByTxn = new HashMap<>();
            for (String value : readCommitted(broker, topic)) {
                countByTxn.merge(Integer.parseInt(value.substring(0, value.indexOf('-'))), 1, Integer::sum);
            }
            assertThat(countByTxn.values()).as("every visible transaction is whole").containsOnly(PARTITIONS * RECORDS_PER_PARTITION);
            for (int txn = 0; txn <= lastCommitted.get(); txn++) {
                assertThat(countByTxn).as("acknowledged commit %d", txn).containsKey(txn);
            }
        }
    }

    private static void produceUntilKilled(ChildBroker broker, String topic, AtomicInteger lastCommitted) {
        KafkaProducer<String, String> producer = Clients.stringProducer(broker.bootstrapServers(), Map.of(
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, "crash-tx", ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 3000,
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 5000, ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 5000,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 4000));
        try {
            producer.initTransactions();
            for (int txn = 0; ; txn++) {
                producer.beginTransaction();
                for (int p = 0; p < PARTITIONS; p++) {
                    for (int i = 0; i < RECORDS_PER_PARTITION; i++) {
                        producer.send(new ProducerRecord<>(topic, p, "k", txn + "-" + p + "-" + i));
                    }
                }
                producer.commitTransaction();
                lastCommitted.set(txn);
            }
        } catch (RuntimeException killed) {
            // the broker died: the producer's next call fails, which ends the run
        } finally {
            producer.close(Duration.ZERO); // nothing left to deliver to a dead broker
        }
    }

    private static Admin admin(ChildBroker broker) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()));
    }

    private static void awaitStable(ChildBroker broker, String topic) throws Exception {
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        for (int p = 0; p < PARTITIONS; p++) {
            latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
        }
        try (Admin admin = admin(broker)) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (true) {
                var committed = admin.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all()
                        .get(30, TimeUnit.SECONDS);
                var uncommitted = admin.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_UNCOMMITTED)).all()
                        .get(30, TimeUnit.SECONDS);
                boolean stable = latest.keySet().stream()
                        .allMatch(tp -> committed.get(tp).offset() == uncommitted.get(tp).offset());
                if (stable) {
                    return;
                }
                assertThat(System.nanoTime()).as("LSO reaches the high watermark").isLessThan(deadline);
                Thread.sleep(200);
            }
        }
    }

    private static List<String> readCommitted(ChildBroker broker, String topic) {
        List<TopicPartition> partitions = Clients.partitions(topic, PARTITIONS);
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = Clients.stringConsumer(broker.bootstrapServers(),
                Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"))) {
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + Clients.WAIT.toNanos();
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp)) && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    values.add(r.value());
                }
            }
        }
        return values;
    }
}
