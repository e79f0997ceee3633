package io.dlog.compat.crash;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.compat.clients.Clients;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * kill -9 of a real broker JVM while a producer writes with acks=all and {@code dlog.flush.mode=fsync}:
 * after every restart on the same folder, every acknowledged record is there, at the offset it was
 * acknowledged with, and the broker serves.
 */
class KillNineTest {
    private static final Logger LOG = LoggerFactory.getLogger(KillNineTest.class);
    private static final int ROUNDS = 5;
    private static final int PARTITIONS = 2;
    private static final String TOPIC = "crash-test";

    @TempDir
    Path dataDir;

    /** Acknowledged records: partition, offset, value. */
    private final Map<TopicPartition, Map<Long, String>> acked = new ConcurrentHashMap<>();

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void shouldKeepEveryAcknowledgedRecordAcrossKillNine() throws Exception {
        // Given
        long seed = System.nanoTime();
        LOG.info("kill -9 test seed {}", seed);
        Random random = new Random(seed);
        int port = ChildBroker.freePort();

        for (int round = 0; round < ROUNDS; round++) {
            try (ChildBroker broker = ChildBroker.start(port, dataDir, "dlog.flush.mode=fsync",
                    "num.partitions=" + PARTITIONS)) {
                // Then (for the previous round): everything acknowledged before the kill is there
                assertEveryAcknowledgedRecordIsStored(broker, "after kill " + round + " (seed " + seed + ")");

                // When: the broker dies at a random moment while a producer writes
                int acks = produceUntilKilled(broker, round, 200 + random.nextInt(1_300));
                assertThat(acks).as("records acknowledged in round " + round).isPositive();
                assertThat(broker.isAlive()).isFalse();
            }
        }

        // Then
        try (ChildBroker broker = ChildBroker.start(port, dataDir, "dlog.flush.mode=fsync", "num.partitions=" + PARTITIONS)) {
            assertEveryAcknowledgedRecordIsStored(broker, "after the last kill (seed " + seed + ")");
        }
    }

    /** Produces from a background thread; once acks flow, waits {@code killAfterMs} and kills the broker. */
    private int produceUntilKilled(ChildBroker broker, int round, int killAfterMs) throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger acksThisRound = new AtomicInteger();
        AtomicReference<Throwable> senderFailure = new AtomicReference<>();
        KafkaProducer<String, String> producer = Clients.stringProducer(broker.bootstrapServers(), Map.of(
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.LINGER_MS_CONFIG, 1,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 3_000,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 6_000,
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 2_000,
                ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 200));
        Thread sender = new Thread(() -> {
            try {
                for (int i = 0; !stop.get(); i++) {
                    String value = "r" + round + "-" + i;
                    producer.send(new ProducerRecord<>(TOPIC, i % PARTITIONS, null, value), (metadata, error) -> {
                        if (error == null) {
                            acked.computeIfAbsent(new TopicPartition(metadata.topic(), metadata.partition()),
                                    tp -> new ConcurrentSkipListMap<>()).put(metadata.offset(), value);
                            acksThisRound.incrementAndGet();
                        }
                    });
                    if (i % 50 == 49) {
                        // Keep the backlog modest so that the kill lands among in-flight requests, not a huge buffer.
                        Thread.sleep(2);
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                if (!stop.get()) {
                    senderFailure.set(e);
                }
            }
        }, "kill-nine-producer");
        sender.start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (acksThisRound.get() == 0 && System.nanoTime() - deadline < 0 && senderFailure.get() == null) {
                ChildBroker.sleepQuietly(20);
            }
            assertThat(senderFailure.get()).as("producer failure before the kill").isNull();
            assertThat(acksThisRound.get()).as("acks before the kill in round " + round).isPositive();
            // Not an assertion: the random moment of the kill.
            ChildBroker.sleepQuietly(killAfterMs);
            broker.killHard();
        } finally {
            stop.set(true);
            sender.join(TimeUnit.SECONDS.toMillis(10));
            producer.close(Duration.ofSeconds(1));
        }
        LOG.info("round {}: {} acks, killed {} ms after the first", round, acksThisRound.get(), killAfterMs);
        return acksThisRound.get();
    }

    private void assertEveryAcknowledgedRecordIsStored(ChildBroker broker, String when) {
        if (acked.isEmpty()) {
            return;
        }
        List<TopicPartition> partitions = Clients.partitions(TOPIC, PARTITIONS);
        Map<TopicPartition, Map<Long, String>> stored = new TreeMap<>((a, b) -> Integer.compare(a.partition(), b.partition()));
        try (KafkaConsumer<String, String> consumer = Clients.stringConsumer(broker.bootstrapServers(),
                Map.of("max.poll.records", 5_000))) {
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, Duration.ofSeconds(30));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + Clients.WAIT.toNanos();
            while (!partitions.stream().allMatch(tp -> consumer.position(tp) >= end.get(tp))) {
                assertThat(System.nanoTime() - deadline).as("reading up to the end offsets " + end + " " + when).isNegative();
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    stored.computeIfAbsent(new TopicPartition(record.topic(), record.partition()), tp -> new TreeMap<>())
                            .put(record.offset(), record.value());
                }
            }
        }
        for (Map.Entry<TopicPartition, Map<Long, String>> partition : stored.entrySet()) {
            List<Long> offsets = new ArrayList<>(partition.getValue().keySet());
            assertThat(offsets.get(offsets.size() - 1) - offsets.get(0) + 1)
                    .as("offsets of " + partition.getKey() + " are contiguous " + when).isEqualTo(offsets.size());
        }
        List<String> lost = new ArrayList<>();
        int checked = 0;
        for (Map.Entry<TopicPartition, Map<Long, String>> partition : acked.entrySet()) {
            Map<Long, String> found = stored.getOrDefault(partition.getKey(), Map.of());
            for (Map.Entry<Long, String> record : partition.getValue().entrySet()) {
                checked++;
                String actual = found.get(record.getKey());
                if (!record.getValue().equals(actual)) {
                    lost.add(partition.getKey() + "@" + record.getKey() + "=" + record.getValue() + " but found " + actual);
                }
            }
        }
        assertThat(lost.subList(0, Math.min(20, lost.size())))
                .as(lost.size() + " of " + checked + " acknowledged records missing or changed " + when).isEmpty();
        LOG.info("{}: all {} acknowledged records present", when, checked);
    }
}
