package io.dlog.compat.clients;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.compat.DLogBrokerExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ProducerState;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** enable.idempotence with five batches in flight: every record once, in send order; DescribeProducers sees it. */
class IdempotentProducerTest {
    @RegisterExtension
    static final DLogBrokerExtension DLOG = new DLogBrokerExtension();

    private static final int PARTITIONS = 2;
    private static final int RECORDS = 6_000;

    private static Map<String, Object> idempotent() {
        return Map.of(
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.RETRIES_CONFIG, Integer.MAX_VALUE,
                ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5,
                // Small batches and no linger: many batches, several in flight at once.
                ProducerConfig.BATCH_SIZE_CONFIG, 2_048,
                ProducerConfig.LINGER_MS_CONFIG, 0);
    }

    @Test
    void shouldStoreEveryRecordOnceAndInOrder() throws Exception {
        // Given
        String topic = DLOG.newTopic(PARTITIONS);

        // When
        try (KafkaProducer<String, String> producer = Clients.stringProducer(DLOG.bootstrapServers(), idempotent())) {
            for (int i = 0; i < RECORDS; i++) {
                producer.send(new ProducerRecord<>(topic, i % PARTITIONS, null, Integer.toString(i)));
            }
            producer.flush();
        }
        List<ConsumerRecord<String, String>> received;
        try (KafkaConsumer<String, String> consumer = Clients.stringConsumer(DLOG.bootstrapServers())) {
            received = Clients.readFromBeginning(consumer, Clients.partitions(topic, PARTITIONS), RECORDS);
            // Anything beyond RECORDS would be a duplicate: the end offsets say there is none.
            assertThat(consumer.endOffsets(Clients.partitions(topic, PARTITIONS)).values())
                    .containsOnly((long) RECORDS / PARTITIONS);
        }

        // Then
        assertThat(received).hasSize(RECORDS);
        for (int p = 0; p < PARTITIONS; p++) {
            int partition = p;
            List<String> expected = new ArrayList<>();
            for (int i = partition; i < RECORDS; i += PARTITIONS) {
                expected.add(Integer.toString(i));
            }
            assertThat(received.stream().filter(r -> r.partition() == partition).map(ConsumerRecord::value))
                    .containsExactlyElementsOf(expected);
        }
    }

    @Test
    void shouldDescribeTheActiveProducerOfAPartition() throws Exception {
        // Given
        String topic = DLOG.newTopic(1);
        TopicPartition tp = new TopicPartition(topic, 0);
        int records = 100;
        try (KafkaProducer<String, String> producer = Clients.stringProducer(DLOG.bootstrapServers(), idempotent())) {
            for (int i = 0; i < records; i++) {
                producer.send(new ProducerRecord<>(topic, 0, null, "v" + i));
            }
            producer.flush();

            // When
            List<ProducerState> producers;
            try (Admin admin = DLOG.admin()) {
                producers = admin.describeProducers(List.of(tp)).partitionResult(tp).get(30, TimeUnit.SECONDS)
                        .activeProducers();
            }

            // Then
            assertThat(producers).hasSize(1);
            ProducerState state = producers.get(0);
            assertThat(state.producerId()).isNotNegative();
            assertThat(state.producerEpoch()).isNotNegative();
            assertThat(state.lastSequence()).isEqualTo(records - 1);
            assertThat(state.lastTimestamp()).isPositive();
            assertThat(state.currentTransactionStartOffset()).isEmpty();
        }
    }
}
