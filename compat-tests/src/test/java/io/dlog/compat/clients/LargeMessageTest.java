package io.dlog.compat.clients;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dlog.compat.DLogBrokerExtension;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A record near the default max.message.bytes (1 MiB + 12) goes through; one above it is refused. */
class LargeMessageTest {
    @RegisterExtension
    static final DLogBrokerExtension DLOG = new DLogBrokerExtension();

    /** The producer checks max.request.size itself; raised so the broker is the one that decides. */
    private static final Map<String, Object> BIG_REQUESTS = Map.of(
            ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 4_000_000,
            ProducerConfig.COMPRESSION_TYPE_CONFIG, "none");

    @Test
    void shouldProduceAndConsumeAMessageOfOneMillionBytes() throws Exception {
        // Given
        String topic = DLOG.newTopic(1);
        TopicPartition tp = new TopicPartition(topic, 0);
        byte[] value = randomBytes(1_000_000, 1);

        // When
        RecordMetadata ack;
        try (KafkaProducer<byte[], byte[]> producer = Clients.bytesProducer(DLOG.bootstrapServers(), BIG_REQUESTS)) {
            ack = producer.send(new ProducerRecord<>(topic, 0, "big".getBytes(StandardCharsets.UTF_8), value))
                    .get(30, TimeUnit.SECONDS);
        }
        List<ConsumerRecord<byte[], byte[]>> received;
        try (KafkaConsumer<byte[], byte[]> consumer = Clients.bytesConsumer(DLOG.bootstrapServers(), Map.of())) {
            received = Clients.readFromBeginning(consumer, List.of(tp), 1);
        }

        // Then
        assertThat(ack.offset()).isZero();
        assertThat(ack.serializedValueSize()).isEqualTo(value.length);
        assertThat(received).hasSize(1);
        assertThat(received.get(0).value()).isEqualTo(value);
    }

    @Test
    void shouldRefuseAMessageLargerThanMaxMessageBytesAndStoreNothing() throws Exception {
        // Given
        String topic = DLOG.newTopic(1);
        TopicPartition tp = new TopicPartition(topic, 0);
        byte[] tooLarge = randomBytes(1_100_000, 2);

        try (KafkaProducer<byte[], byte[]> producer = Clients.bytesProducer(DLOG.bootstrapServers(), BIG_REQUESTS)) {
            // When
            assertThatThrownBy(() -> producer.send(new ProducerRecord<>(topic, 0, null, tooLarge)).get(30, TimeUnit.SECONDS))
                    // Then
                    .isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(RecordTooLargeException.class);

            // And the same producer goes on, with nothing of the refused record stored before its next one.
            RecordMetadata next = producer.send(new ProducerRecord<>(topic, 0, null, new byte[] {42}))
                    .get(30, TimeUnit.SECONDS);
            assertThat(next.offset()).isZero();
        }
        try (KafkaConsumer<byte[], byte[]> consumer = Clients.bytesConsumer(DLOG.bootstrapServers(), Map.of())) {
            List<ConsumerRecord<byte[], byte[]>> received = Clients.readFromBeginning(consumer, List.of(tp), 1);
            assertThat(received).hasSize(1);
            assertThat(received.get(0).value()).containsExactly(42);
        }
    }

    @Test
    void shouldAcceptALargerMessageWhenTheTopicRaisesMaxMessageBytes() throws Exception {
        // Given
        String topic = DLOG.newTopic(1, Map.of("max.message.bytes", "3000000"));
        TopicPartition tp = new TopicPartition(topic, 0);
        byte[] value = randomBytes(2_000_000, 3);

        // When
        try (KafkaProducer<byte[], byte[]> producer = Clients.bytesProducer(DLOG.bootstrapServers(), BIG_REQUESTS)) {
            producer.send(new ProducerRecord<>(topic, 0, null, value)).get(30, TimeUnit.SECONDS);
        }
        List<ConsumerRecord<byte[], byte[]>> received;
        try (KafkaConsumer<byte[], byte[]> consumer = Clients.bytesConsumer(DLOG.bootstrapServers(), Map.of())) {
            received = Clients.readFromBeginning(consumer, List.of(tp), 1);
        }

        // Then: a batch larger than max.partition.fetch.bytes still comes, alone (KIP-74).
        assertThat(received.get(0).value()).isEqualTo(value);
    }

    private static byte[] randomBytes(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }
}
