package io.dlog.compat.clients;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.compat.DLogBrokerExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A clean stop and start on the same folder keeps topics, records, offsets and producer state. */
class BrokerRestartTest {
    @RegisterExtension
    static final DLogBrokerExtension DLOG = new DLogBrokerExtension();

    @Test
    void shouldServeEverythingProducedBeforeARestart() throws Exception {
        // Given
        int partitions = 3;
        int records = 150;
        String topic = DLOG.newTopic(partitions, Map.of("retention.ms", "86400000"));
        try (KafkaProducer<String, String> producer = Clients.stringProducer(DLOG.bootstrapServers())) {
            for (int i = 0; i < records; i++) {
                producer.send(new ProducerRecord<>(topic, i % partitions, "k" + i, "v" + i));
            }
            producer.flush();
        }

        // When
        DLOG.restart();

        // Then
        try (Admin admin = DLOG.admin()) {
            assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS)).contains(topic);
            assertThat(admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic)
                    .partitions()).hasSize(partitions);
        }
        List<ConsumerRecord<String, String>> received;
        try (KafkaConsumer<String, String> consumer = Clients.stringConsumer(DLOG.bootstrapServers())) {
            received = Clients.readFromBeginning(consumer, Clients.partitions(topic, partitions), records);
            assertThat(consumer.endOffsets(Clients.partitions(topic, partitions)).values())
                    .containsOnly((long) records / partitions);
        }
        for (int p = 0; p < partitions; p++) {
            int partition = p;
            List<String> expected = new ArrayList<>();
            for (int i = partition; i < records; i += partitions) {
                expected.add("v" + i);
            }
            assertThat(received.stream().filter(r -> r.partition() == partition).map(ConsumerRecord::value))
                    .containsExactlyElementsOf(expected);
        }

        // And new records continue the offsets.
        try (KafkaProducer<String, String> producer = Clients.stringProducer(DLOG.bootstrapServers())) {
            RecordMetadata next = producer.send(new ProducerRecord<>(topic, 0, null, "after")).get(30, TimeUnit.SECONDS);
            assertThat(next.offset()).isEqualTo(records / partitions);
        }
    }

    @Test
    void shouldLetAnIdempotentProducerContinueAcrossARestart() throws Exception {
        // Given
        String topic = DLOG.newTopic(1);
        Map<String, Object> idempotent = Map.of(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 60_000);
        try (KafkaProducer<String, String> producer = Clients.stringProducer(DLOG.bootstrapServers(), idempotent)) {
            for (int i = 0; i < 20; i++) {
                producer.send(new ProducerRecord<>(topic, 0, null, "before-" + i));
            }
            producer.flush();

            // When: the broker restarts under the producer, which then sends on with its next sequence numbers.
            DLOG.restart();
            for (int i = 0; i < 20; i++) {
                producer.send(new ProducerRecord<>(topic, 0, null, "after-" + i));
            }
            producer.flush();
        }

        // Then
        List<ConsumerRecord<String, String>> received;
        try (KafkaConsumer<String, String> consumer = Clients.stringConsumer(DLOG.bootstrapServers())) {
            received = Clients.readFromBeginning(consumer, Clients.partitions(topic, 1), 40);
            assertThat(consumer.endOffsets(Clients.partitions(topic, 1)).values()).containsOnly(40L);
        }
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            expected.add("before-" + i);
        }
        for (int i = 0; i < 20; i++) {
            expected.add("after-" + i);
        }
        assertThat(received).extracting(ConsumerRecord::value).containsExactlyElementsOf(expected);
    }
}
