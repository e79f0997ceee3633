package io.dlog.compat.clients;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.compat.DLogBrokerExtension;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Kafka 4.x producer and consumer: what goes in comes out, field by field. */
class ProduceConsumeRoundTripTest {
    @RegisterExtension
    static final DLogBrokerExtension DLOG = new DLogBrokerExtension();

    private static final long BASE_TIMESTAMP = 1_700_000_000_000L;

    @Test
    void shouldReturnKeysValuesHeadersAndTimestampsAsProduced() throws Exception {
        // Given
        String topic = DLOG.newTopic(1);
        TopicPartition tp = new TopicPartition(topic, 0);
        List<ProducerRecord<String, String>> sent = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            List<Header> headers = List.of(
                    new RecordHeader("h-index", Integer.toString(i).getBytes(StandardCharsets.UTF_8)),
                    new RecordHeader("h-null", null));
            String key = i % 5 == 0 ? null : "key-" + i;
            String value = i % 7 == 3 ? null : "value-" + i;
            sent.add(new ProducerRecord<>(topic, 0, BASE_TIMESTAMP + i, key, value, headers));
        }

        // When
        List<RecordMetadata> acks = new ArrayList<>();
        try (KafkaProducer<String, String> producer = Clients.stringProducer(DLOG.bootstrapServers())) {
            for (ProducerRecord<String, String> record : sent) {
                acks.add(producer.send(record).get(30, TimeUnit.SECONDS));
            }
        }
        List<ConsumerRecord<String, String>> received;
        try (KafkaConsumer<String, String> consumer = Clients.stringConsumer(DLOG.bootstrapServers())) {
            received = Clients.readFromBeginning(consumer, List.of(tp), sent.size());
        }

        // Then
        assertThat(acks).extracting(RecordMetadata::offset).containsExactlyElementsOf(range(0, sent.size()));
        assertThat(received).hasSize(sent.size());
        for (int i = 0; i < sent.size(); i++) {
            ProducerRecord<String, String> in = sent.get(i);
            ConsumerRecord<String, String> out = received.get(i);
            assertThat(out.offset()).isEqualTo(i);
            assertThat(out.key()).isEqualTo(in.key());
            assertThat(out.value()).isEqualTo(in.value());
            assertThat(out.timestamp()).isEqualTo(in.timestamp());
            assertThat(out.timestampType()).isEqualTo(TimestampType.CREATE_TIME);
            assertThat(out.headers().toArray()).hasSize(2);
            assertThat(out.headers().lastHeader("h-index").value())
                    .isEqualTo(Integer.toString(i).getBytes(StandardCharsets.UTF_8));
            assertThat(out.headers().lastHeader("h-null").value()).isNull();
        }
    }

    @Test
    void shouldKeepEachPartitionInProduceOrder() throws Exception {
        // Given
        int partitions = 3;
        String topic = DLOG.newTopic(partitions);
        int perPartition = 50;

        // When
        try (KafkaProducer<String, String> producer = Clients.stringProducer(DLOG.bootstrapServers())) {
            for (int i = 0; i < perPartition; i++) {
                for (int p = 0; p < partitions; p++) {
                    producer.send(new ProducerRecord<>(topic, p, "k", "p" + p + "-" + i));
                }
            }
            producer.flush();
        }
        List<ConsumerRecord<String, String>> received;
        try (KafkaConsumer<String, String> consumer = Clients.stringConsumer(DLOG.bootstrapServers())) {
            received = Clients.readFromBeginning(consumer, Clients.partitions(topic, partitions), partitions * perPartition);
        }

        // Then
        assertThat(received).hasSize(partitions * perPartition);
        for (int p = 0; p < partitions; p++) {
            int partition = p;
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < perPartition; i++) {
                expected.add("p" + p + "-" + i);
            }
            assertThat(received.stream().filter(r -> r.partition() == partition).map(ConsumerRecord::value))
                    .containsExactlyElementsOf(expected);
            assertThat(received.stream().filter(r -> r.partition() == partition).map(ConsumerRecord::offset))
                    .containsExactlyElementsOf(range(0, perPartition));
        }
    }

    @Test
    void shouldStartReadingAtTheSoughtOffset() throws Exception {
        // Given
        String topic = DLOG.newTopic(1);
        TopicPartition tp = new TopicPartition(topic, 0);
        try (KafkaProducer<String, String> producer = Clients.stringProducer(DLOG.bootstrapServers())) {
            for (int i = 0; i < 10; i++) {
                producer.send(new ProducerRecord<>(topic, 0, null, "v" + i));
            }
            producer.flush();
        }

        // When
        List<ConsumerRecord<String, String>> received;
        try (KafkaConsumer<String, String> consumer = Clients.stringConsumer(DLOG.bootstrapServers(),
                Map.of("max.poll.records", 3))) {
            consumer.assign(List.of(tp));
            consumer.seek(tp, 6);
            received = Clients.pollUntil(consumer, 4, Clients.WAIT);
        }

        // Then
        assertThat(received).extracting(ConsumerRecord::value).containsExactly("v6", "v7", "v8", "v9");
    }

    static List<Long> range(long from, long to) {
        List<Long> values = new ArrayList<>();
        for (long i = from; i < to; i++) {
            values.add(i);
        }
        return values;
    }
}
