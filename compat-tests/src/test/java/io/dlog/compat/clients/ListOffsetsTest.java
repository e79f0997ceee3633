package io.dlog.compat.clients;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.compat.DLogBrokerExtension;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * ListOffsets by earliest, latest, max timestamp and timestamp, through Admin and through the consumer.
 * Ten records with timestamps T+0s, T+1s, ... T+9s, except offset 8 which carries T+100s.
 * Offsets 0-4 are one batch each; 5-9 share batches, so lookups land inside a batch too.
 */
class ListOffsetsTest {
    @RegisterExtension
    static final DLogBrokerExtension DLOG = new DLogBrokerExtension();

    private static final long T = 1_700_000_000_000L;
    private static TopicPartition tp;

    @BeforeAll
    static void produceTimestampedRecords() throws Exception {
        tp = new TopicPartition(DLOG.newTopic(1), 0);
        try (KafkaProducer<String, String> producer = Clients.stringProducer(DLOG.bootstrapServers(),
                Map.of("linger.ms", 100))) {
            for (int i = 0; i < 5; i++) {
                producer.send(new ProducerRecord<>(tp.topic(), 0, timestampOf(i), null, "v" + i)).get(30, TimeUnit.SECONDS);
            }
            for (int i = 5; i < 10; i++) {
                producer.send(new ProducerRecord<>(tp.topic(), 0, timestampOf(i), null, "v" + i));
            }
            producer.flush();
        }
    }

    private static long timestampOf(int offset) {
        return offset == 8 ? T + 100_000 : T + offset * 1_000L;
    }

    @Test
    void shouldAnswerEarliestAndLatest() throws Exception {
        // When
        ListOffsetsResultInfo earliest = list(OffsetSpec.earliest());
        ListOffsetsResultInfo latest = list(OffsetSpec.latest());

        // Then
        assertThat(earliest.offset()).isZero();
        assertThat(latest.offset()).isEqualTo(10);
    }

    @Test
    void shouldAnswerTheOffsetOfTheMaxTimestamp() throws Exception {
        // When
        ListOffsetsResultInfo max = list(OffsetSpec.maxTimestamp());

        // Then
        assertThat(max.offset()).isEqualTo(8);
        assertThat(max.timestamp()).isEqualTo(T + 100_000);
    }

    @Test
    void shouldAnswerTheFirstOffsetAtOrAfterATimestamp() throws Exception {
        // When
        ListOffsetsResultInfo between = list(OffsetSpec.forTimestamp(T + 2_500));
        ListOffsetsResultInfo exact = list(OffsetSpec.forTimestamp(T + 4_000));
        ListOffsetsResultInfo insideBatch = list(OffsetSpec.forTimestamp(T + 6_500));
        ListOffsetsResultInfo firstNotClosest = list(OffsetSpec.forTimestamp(T + 7_500));
        ListOffsetsResultInfo beforeAll = list(OffsetSpec.forTimestamp(T - 1));

        // Then
        assertThat(between.offset()).isEqualTo(3);
        assertThat(between.timestamp()).isEqualTo(T + 3_000);
        assertThat(exact.offset()).isEqualTo(4);
        assertThat(insideBatch.offset()).isEqualTo(7);
        assertThat(insideBatch.timestamp()).isEqualTo(T + 7_000);
        // The first record at or after T+7.5s is offset 8 (T+100s), though offset 9 (T+9s) is closer.
        assertThat(firstNotClosest.offset()).isEqualTo(8);
        assertThat(firstNotClosest.timestamp()).isEqualTo(T + 100_000);
        assertThat(beforeAll.offset()).isZero();
    }

    @Test
    void shouldAnswerNoOffsetForATimestampAfterEveryRecord() throws Exception {
        // When
        ListOffsetsResultInfo after = list(OffsetSpec.forTimestamp(T + 200_000));

        // Then
        assertThat(after.offset()).isEqualTo(-1);
    }

    @Test
    void shouldAnswerConsumerOffsetsForTimes() {
        // Given
        try (KafkaConsumer<String, String> consumer = Clients.stringConsumer(DLOG.bootstrapServers())) {
            // When
            Map<TopicPartition, OffsetAndTimestamp> found = consumer.offsetsForTimes(Map.of(tp, T + 2_500),
                    Duration.ofSeconds(30));
            Map<TopicPartition, Long> query = new HashMap<>();
            query.put(tp, T + 200_000);
            Map<TopicPartition, OffsetAndTimestamp> none = consumer.offsetsForTimes(query, Duration.ofSeconds(30));
            Map<TopicPartition, Long> beginning = consumer.beginningOffsets(List.of(tp), Duration.ofSeconds(30));
            Map<TopicPartition, Long> end = consumer.endOffsets(List.of(tp), Duration.ofSeconds(30));

            // Then
            assertThat(found.get(tp).offset()).isEqualTo(3);
            assertThat(found.get(tp).timestamp()).isEqualTo(T + 3_000);
            assertThat(none).containsEntry(tp, null);
            assertThat(beginning).containsEntry(tp, 0L);
            assertThat(end).containsEntry(tp, 10L);
        }
    }

    private static ListOffsetsResultInfo list(OffsetSpec spec) throws Exception {
        try (Admin admin = DLOG.admin()) {
            return admin.listOffsets(Map.of(tp, spec)).partitionResult(tp).get(30, TimeUnit.SECONDS);
        }
    }
}
