package io.dlog.compat.clients;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.compat.DLogBrokerExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Compacted topics seen from outside with Kafka's clients: with small segments (segment.ms) and a low
 * min.cleanable.dirty.ratio, a consumer reading from offset 0 soon sees only the latest value per key, at
 * its original offset, with a deleted key's tombstone as its only record; once delete.retention.ms is over
 * a later clean removes the tombstone too.
 */
@Timeout(120)
class CompactionTest {
    @RegisterExtension
    static final DLogBrokerExtension DLOG = new DLogBrokerExtension().with("log.cleaner.backoff.ms", "100");

    @Test
    void shouldLeaveTheLatestValuePerKeyWithTheTombstoneLast() throws Exception {
        String topic = DLOG.newTopic(1, Map.of("cleanup.policy", "compact", "segment.ms", "100",
                "min.cleanable.dirty.ratio", "0.01"));
        Map<String, Long> latestOffset = new HashMap<>();
        Map<String, String> latestValue = new HashMap<>();
        produceRounds(topic, latestOffset, latestValue, "compression.type", "none");

        List<ConsumerRecord<String, String>> compacted = awaitCompacted(topic, all -> all.size() == latestOffset.size(), () -> { });

        Map<String, ConsumerRecord<String, String>> byKey = new LinkedHashMap<>();
        for (ConsumerRecord<String, String> r : compacted) {
            assertThat(byKey.put(r.key(), r)).as("one record per key, " + r.key()).isNull();
        }
        assertThat(byKey.keySet()).containsExactlyInAnyOrderElementsOf(latestOffset.keySet());
        for (Map.Entry<String, ConsumerRecord<String, String>> e : byKey.entrySet()) {
            assertThat(e.getValue().offset()).as(e.getKey()).isEqualTo(latestOffset.get(e.getKey()));
            assertThat(e.getValue().value()).as(e.getKey()).isEqualTo(latestValue.get(e.getKey()));
        }
        assertThat(byKey.get("k9").value()).as("k9 was deleted: its tombstone is its last record").isNull();
    }

    @Test
    void shouldCompactCompressedBatchesToo() throws Exception {
        String topic = DLOG.newTopic(1, Map.of("cleanup.policy", "compact", "segment.ms", "100",
                "min.cleanable.dirty.ratio", "0.01"));
        Map<String, Long> latestOffset = new HashMap<>();
        Map<String, String> latestValue = new HashMap<>();
        produceRounds(topic, latestOffset, latestValue, "compression.type", "lz4");

        List<ConsumerRecord<String, String>> compacted = awaitCompacted(topic, all -> all.size() == latestOffset.size(), () -> { });

        for (ConsumerRecord<String, String> r : compacted) {
            assertThat(r.offset()).as(r.key()).isEqualTo(latestOffset.get(r.key()));
            assertThat(r.value()).as(r.key()).isEqualTo(latestValue.get(r.key()));
        }
    }

    @Test
    void shouldRemoveTombstonesOnceDeleteRetentionIsOver() throws Exception {
        String topic = DLOG.newTopic(1, Map.of("cleanup.policy", "compact", "segment.ms", "100",
                "min.cleanable.dirty.ratio", "0.01", "delete.retention.ms", "0"));
        Map<String, Long> latestOffset = new HashMap<>();
        Map<String, String> latestValue = new HashMap<>();
        produceRounds(topic, latestOffset, latestValue, "compression.type", "none");

        // each later clean (more records of key "roll", new segments) passes over the horizon-stamped tombstone
        latestOffset.remove("k9");
        List<ConsumerRecord<String, String>> compacted;
        try (KafkaProducer<String, String> producer = Clients.stringProducer(DLOG.bootstrapServers())) {
            // the newest "roll" records may not be cleaned yet: done once k9 is gone
            compacted = awaitCompacted(topic, all -> all.stream().noneMatch(r -> r.key().equals("k9")),
                    () -> producer.send(new ProducerRecord<>(topic, 0, "roll", "again")));
        }

        assertThat(compacted).extracting(ConsumerRecord::key).containsAll(latestOffset.keySet())
                .allMatch(key -> latestOffset.containsKey(key));
        assertThat(compacted).allMatch(r -> r.value() != null);
        assertThat(compacted).filteredOn(r -> !r.key().equals("roll")).hasSize(latestOffset.size() - 1);
    }

    /**
     * 500 records over keys k0..k9 in five rounds, each in a segment of its own (segment.ms=100), k9's last
     * record a tombstone, then one record of key "roll" so the last round's segment is sealed.
     */
    private static void produceRounds(String topic, Map<String, Long> latestOffset, Map<String, String> latestValue,
                                      String configKey, String configValue) throws Exception {
        try (KafkaProducer<String, String> producer = Clients.stringProducer(DLOG.bootstrapServers(),
                Map.of(configKey, configValue, ProducerConfig.LINGER_MS_CONFIG, 20))) {
            for (int round = 0; round < 5; round++) {
                List<java.util.concurrent.Future<org.apache.kafka.clients.producer.RecordMetadata>> sent = new ArrayList<>();
                List<ProducerRecord<String, String>> records = new ArrayList<>();
                for (int i = 0; i < 100; i++) {
                    String key = "k" + (i % 10);
                    String value = round == 4 && i >= 90 && key.equals("k9") ? null : "v" + round + "-" + i + "-" + "x".repeat(i);
                    ProducerRecord<String, String> record = new ProducerRecord<>(topic, 0, key, value);
                    records.add(record);
                    sent.add(producer.send(record));
                }
                for (int i = 0; i < sent.size(); i++) {
                    long offset = sent.get(i).get(30, TimeUnit.SECONDS).offset();
                    latestOffset.put(records.get(i).key(), offset);
                    latestValue.put(records.get(i).key(), records.get(i).value());
                }
                Thread.sleep(150);
            }
            long roll = producer.send(new ProducerRecord<>(topic, 0, "roll", "r")).get(30, TimeUnit.SECONDS).offset();
            latestOffset.put("roll", roll);
            latestValue.put("roll", "r");
        }
    }

    /** Reads the partition from offset 0 until what it holds passes {@code done}, or fails after 60 s. */
    private static List<ConsumerRecord<String, String>> awaitCompacted(
            String topic, java.util.function.Predicate<List<ConsumerRecord<String, String>>> done, Runnable nudge)
            throws Exception {
        TopicPartition tp = new TopicPartition(topic, 0);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        List<ConsumerRecord<String, String>> last = List.of();
        try (KafkaConsumer<String, String> consumer = Clients.stringConsumer(DLOG.bootstrapServers())) {
            consumer.assign(List.of(tp));
            while (System.nanoTime() - deadline < 0) {
                long end = consumer.endOffsets(List.of(tp)).get(tp);
                consumer.seek(tp, 0);
                List<ConsumerRecord<String, String>> all = new ArrayList<>();
                while (consumer.position(tp) < end) {
                    consumer.poll(Duration.ofMillis(200)).forEach(all::add);
                }
                if (done.test(all)) {
                    return all;
                }
                last = all;
                nudge.run();
                Thread.sleep(200);
            }
        }
        throw new AssertionError("not compacted in 60 s; last read " + last.size() + " records");
    }
}
