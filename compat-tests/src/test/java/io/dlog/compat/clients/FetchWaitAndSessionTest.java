package io.dlog.compat.clients;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.compat.DLogBrokerExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Long-poll fetch (the broker holds a fetch until data or fetch.max.wait.ms) and incremental fetch
 * sessions (KIP-227: a consumer on several partitions keeps receiving as they change).
 */
class FetchWaitAndSessionTest {
    @RegisterExtension
    static final DLogBrokerExtension DLOG = new DLogBrokerExtension();

    /** Far above how long the test lets a delivery take: if the fetch only ended at its max wait, the test fails. */
    private static final int FETCH_MAX_WAIT_MS = 15_000;

    @Test
    void shouldAnswerAWaitingFetchAsSoonAsDataArrives() throws Exception {
        // Given
        TopicPartition tp = new TopicPartition(DLOG.newTopic(1), 0);
        ScheduledExecutorService later = Executors.newSingleThreadScheduledExecutor();
        KafkaConsumer<String, String> consumer = Clients.stringConsumer(DLOG.bootstrapServers(),
                Map.of(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, FETCH_MAX_WAIT_MS, ConsumerConfig.FETCH_MIN_BYTES_CONFIG, 1));
        try (KafkaProducer<String, String> producer = Clients.stringProducer(DLOG.bootstrapServers())) {
            consumer.assign(List.of(tp));
            consumer.seek(tp, 0);
            // The first poll sends a fetch that the broker parks: the partition is empty.
            assertThat(consumer.poll(Duration.ofMillis(500))).isEmpty();
            CompletableFuture<Long> producedAtNanos = new CompletableFuture<>();

            // When: a record is produced while the consumer waits
            later.schedule(() -> {
                try {
                    producer.send(new ProducerRecord<>(tp.topic(), 0, null, "late")).get(10, TimeUnit.SECONDS);
                    producedAtNanos.complete(System.nanoTime());
                } catch (Exception e) {
                    producedAtNanos.completeExceptionally(e);
                }
            }, 1_000, TimeUnit.MILLISECONDS);
            ConsumerRecords<String, String> records = consumer.poll(Duration.ofSeconds(30));
            long receivedAtNanos = System.nanoTime();

            // Then
            assertThat(records.count()).isEqualTo(1);
            assertThat(records.iterator().next().value()).isEqualTo("late");
            long lagMs = TimeUnit.NANOSECONDS.toMillis(receivedAtNanos - producedAtNanos.get(10, TimeUnit.SECONDS));
            assertThat(lagMs).as("ms from the produce ack to the consumer having the record")
                    .isLessThan(FETCH_MAX_WAIT_MS / 3);
        } finally {
            later.shutdownNow();
            // The consumer's next fetch is parked for fetch.max.wait.ms; closing need not wait for it.
            consumer.close(CloseOptions.timeout(Duration.ofMillis(200)));
        }
    }

    @Test
    void shouldKeepDeliveringToAConsumerOnSeveralPartitions() throws Exception {
        // Given
        int partitions = 4;
        String topic = DLOG.newTopic(partitions);
        List<TopicPartition> all = Clients.partitions(topic, partitions);
        try (KafkaConsumer<String, String> consumer = Clients.stringConsumer(DLOG.bootstrapServers(),
                Map.of(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 500));
             KafkaProducer<String, String> producer = Clients.stringProducer(DLOG.bootstrapServers())) {
            consumer.assign(all);
            consumer.seekToBeginning(all);
            List<ConsumerRecord<String, String>> received = new ArrayList<>();

            // When: rounds of new data, sometimes on every partition, sometimes on one only
            int expected = 0;
            for (int round = 0; round < 12; round++) {
                for (int p = 0; p < partitions; p++) {
                    if (round % 3 != 2 || p == round % partitions) {
                        producer.send(new ProducerRecord<>(topic, p, null, "r" + round + "-p" + p));
                        expected++;
                    }
                }
                producer.flush();
                received.addAll(Clients.pollUntil(consumer, expected - received.size(), Clients.WAIT));
            }

            // Then
            assertThat(received).hasSize(expected);
            for (TopicPartition tp : all) {
                List<ConsumerRecord<String, String>> ofPartition = received.stream()
                        .filter(r -> r.partition() == tp.partition()).toList();
                assertThat(ofPartition).extracting(ConsumerRecord::offset)
                        .containsExactlyElementsOf(ProduceConsumeRoundTripTest.range(0, ofPartition.size()));
                assertThat(ofPartition).allSatisfy(r -> assertThat(r.value()).endsWith("-p" + tp.partition()));
            }
        }
    }

    @Test
    void shouldFollowChangesToTheAssignedPartitions() throws Exception {
        // Given
        int partitions = 4;
        String topic = DLOG.newTopic(partitions);
        List<TopicPartition> all = Clients.partitions(topic, partitions);
        try (KafkaConsumer<String, String> consumer = Clients.stringConsumer(DLOG.bootstrapServers(),
                Map.of(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 500));
             KafkaProducer<String, String> producer = Clients.stringProducer(DLOG.bootstrapServers())) {
            for (TopicPartition tp : all) {
                producer.send(new ProducerRecord<>(topic, tp.partition(), null, "first-p" + tp.partition()));
            }
            producer.flush();
            consumer.assign(all.subList(0, 2));
            consumer.seekToBeginning(all.subList(0, 2));
            assertThat(Clients.pollUntil(consumer, 2, Clients.WAIT)).extracting(ConsumerRecord::value)
                    .containsExactlyInAnyOrder("first-p0", "first-p1");

            // When: partitions are added to the session
            consumer.assign(all);
            consumer.seek(all.get(2), 0);
            consumer.seek(all.get(3), 0);
            List<ConsumerRecord<String, String>> added = Clients.pollUntil(consumer, 2, Clients.WAIT);

            // Then
            assertThat(added).extracting(ConsumerRecord::value).containsExactlyInAnyOrder("first-p2", "first-p3");

            // When: partitions are removed from it and new data goes everywhere
            consumer.assign(List.of(all.get(3)));
            for (TopicPartition tp : all) {
                producer.send(new ProducerRecord<>(topic, tp.partition(), null, "second-p" + tp.partition()));
            }
            producer.flush();
            List<ConsumerRecord<String, String>> afterRemoval = Clients.pollUntil(consumer, 1, Clients.WAIT);
            consumer.poll(Duration.ofMillis(700)).forEach(afterRemoval::add);

            // Then: only the partition still assigned delivers
            assertThat(afterRemoval).extracting(ConsumerRecord::value).containsExactly("second-p3");
        }
    }
}
