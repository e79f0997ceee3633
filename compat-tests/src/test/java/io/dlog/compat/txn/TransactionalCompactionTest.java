package io.dlog.compat.txn;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.compat.DLogBrokerExtension;
import io.dlog.compat.clients.Clients;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A compacted topic written by a transactional producer (kafka-clients 4.3.1): once the cleaner has run,
 * the aborted transaction's records are gone from the log itself (a read_uncommitted consumer no longer
 * sees them), and both isolation levels read the latest committed value per key.
 */
@Timeout(120)
class TransactionalCompactionTest {
    @RegisterExtension
    static final DLogBrokerExtension DLOG = new DLogBrokerExtension().with("log.cleaner.backoff.ms", "100");

    @Test
    void shouldRemoveAbortedRecordsAndKeepTheLatestCommittedValuePerKey() throws Exception {
        String topic = DLOG.newTopic(1, Map.of("cleanup.policy", "compact", "segment.ms", "100",
                "min.cleanable.dirty.ratio", "0.01"));
        try (KafkaProducer<String, String> producer = Clients.stringProducer(DLOG.bootstrapServers(),
                Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "compacting-txn", ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000))) {
            producer.initTransactions();
            producer.beginTransaction();
            for (int k = 0; k < 5; k++) {
                producer.send(new ProducerRecord<>(topic, 0, "k" + k, "first-" + k));
            }
            producer.commitTransaction();
            producer.beginTransaction();
            for (int k = 0; k < 5; k++) {
                producer.send(new ProducerRecord<>(topic, 0, "k" + k, "aborted-" + k));
            }
            producer.flush();
            producer.abortTransaction();
            producer.beginTransaction();
            for (int k = 0; k < 3; k++) {
                producer.send(new ProducerRecord<>(topic, 0, "k" + k, "second-" + k));
            }
            producer.commitTransaction();
        }
        List<String> expected = List.of("first-3", "first-4", "second-0", "second-1", "second-2");

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        List<String> uncommitted = List.of();
        try (KafkaProducer<String, String> plain = Clients.stringProducer(DLOG.bootstrapServers())) {
            while (System.nanoTime() - deadline < 0) {
                // a later record in a new segment (segment.ms) seals the transactions' segment for the cleaner
                Thread.sleep(150);
                plain.send(new ProducerRecord<>(topic, 0, "roll", "r")).get(30, TimeUnit.SECONDS);
                uncommitted = TransactionsTest.readAll(DLOG.bootstrapServers(), topic, IsolationLevel.READ_UNCOMMITTED);
                if (uncommitted.stream().filter(v -> !v.equals("r")).sorted().toList().equals(expected)) {
                    break;
                }
            }
        }

        assertThat(uncommitted).filteredOn(v -> !v.equals("r")).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(TransactionsTest.readAll(DLOG.bootstrapServers(), topic, IsolationLevel.READ_COMMITTED))
                .filteredOn(v -> !v.equals("r")).containsExactlyInAnyOrderElementsOf(expected);
    }
}
