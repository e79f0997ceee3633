package io.dlog.compat.clients;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dlog.compat.DLogBrokerExtension;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetOutOfRangeException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** DeleteRecords moves the log start offset; reading below it is out of range. */
class DeleteRecordsTest {
    @RegisterExtension
    static final DLogBrokerExtension DLOG = new DLogBrokerExtension();

    @Test
    void shouldMoveTheLogStartAndRefuseReadsBelowIt() throws Exception {
        // Given
        TopicPartition tp = new TopicPartition(DLOG.newTopic(1), 0);
        produce(tp, 10);

        // When
        long lowWatermark;
        long earliest;
        try (Admin admin = DLOG.admin()) {
            lowWatermark = admin.deleteRecords(Map.of(tp, RecordsToDelete.beforeOffset(5))).lowWatermarks().get(tp)
                    .get(30, TimeUnit.SECONDS).lowWatermark();
            earliest = admin.listOffsets(Map.of(tp, OffsetSpec.earliest())).partitionResult(tp)
                    .get(30, TimeUnit.SECONDS).offset();
        }

        // Then
        assertThat(lowWatermark).isEqualTo(5);
        assertThat(earliest).isEqualTo(5);
        try (KafkaConsumer<String, String> consumer = Clients.stringConsumer(DLOG.bootstrapServers(),
                Map.of(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none"))) {
            consumer.assign(List.of(tp));
            consumer.seek(tp, 2);
            assertThatThrownBy(() -> pollUntilFailure(consumer))
                    .isInstanceOf(OffsetOutOfRangeException.class);

            consumer.seek(tp, 5);
            List<ConsumerRecord<String, String>> rest = Clients.pollUntil(consumer, 5, Clients.WAIT);
            assertThat(rest).extracting(ConsumerRecord::value).containsExactly("v5", "v6", "v7", "v8", "v9");
            assertThat(consumer.beginningOffsets(List.of(tp))).containsEntry(tp, 5L);
        }
    }

    @Test
    void shouldStartFromTheNewLogStartWhenResettingToEarliest() throws Exception {
        // Given
        TopicPartition tp = new TopicPartition(DLOG.newTopic(1), 0);
        produce(tp, 10);
        try (Admin admin = DLOG.admin()) {
            admin.deleteRecords(Map.of(tp, RecordsToDelete.beforeOffset(7))).all().get(30, TimeUnit.SECONDS);
        }

        // When
        List<ConsumerRecord<String, String>> received;
        try (KafkaConsumer<String, String> consumer = Clients.stringConsumer(DLOG.bootstrapServers())) {
            consumer.assign(List.of(tp));
            consumer.seek(tp, 0);
            received = Clients.pollUntil(consumer, 3, Clients.WAIT);
        }

        // Then: an out-of-range position with auto.offset.reset=earliest lands on the new start.
        assertThat(received).extracting(ConsumerRecord::offset).containsExactly(7L, 8L, 9L);
    }

    private static void produce(TopicPartition tp, int count) throws Exception {
        try (KafkaProducer<String, String> producer = Clients.stringProducer(DLOG.bootstrapServers())) {
            for (int i = 0; i < count; i++) {
                // One batch per record, so the new start falls on a batch boundary and inside the log.
                producer.send(new ProducerRecord<>(tp.topic(), tp.partition(), null, "v" + i)).get(30, TimeUnit.SECONDS);
            }
        }
    }

    private static void pollUntilFailure(KafkaConsumer<String, String> consumer) {
        long deadline = System.nanoTime() + Clients.WAIT.toNanos();
        while (System.nanoTime() - deadline < 0) {
            assertThat(consumer.poll(Duration.ofMillis(200))).as("records below the log start").isEmpty();
        }
    }
}
