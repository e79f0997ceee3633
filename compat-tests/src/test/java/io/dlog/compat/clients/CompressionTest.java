package io.dlog.compat.clients;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.compat.DLogBrokerExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every codec Kafka clients speak, stored and served as produced; and a topic whose
 * {@code compression.type} differs from the producer's, where the broker recompresses.
 */
class CompressionTest {
    @RegisterExtension
    static final DLogBrokerExtension DLOG = new DLogBrokerExtension();

    private static final int RECORDS = 300;

    @ParameterizedTest(name = "producer compression {0}")
    @ValueSource(strings = {"none", "gzip", "snappy", "lz4", "zstd"})
    void shouldReadBackEverythingProducedWithEachCodec(String codec) {
        // Given
        String topic = DLOG.newTopic(2);

        // When
        List<String> sent = produce(topic, codec);
        List<ConsumerRecord<String, String>> received = consumeAll(topic, 2);

        // Then
        assertValuesInOrder(received, sent);
    }

    @ParameterizedTest(name = "producer {0}, topic compression.type {1}")
    @CsvSource({"none,gzip", "gzip,snappy", "snappy,lz4", "lz4,zstd", "zstd,uncompressed", "gzip,producer"})
    void shouldReadBackEverythingWhenTheTopicRecompresses(String producerCodec, String topicCodec) {
        // Given
        String topic = DLOG.newTopic(2, Map.of("compression.type", topicCodec));

        // When
        List<String> sent = produce(topic, producerCodec);
        List<ConsumerRecord<String, String>> received = consumeAll(topic, 2);

        // Then
        assertValuesInOrder(received, sent);
    }

    private static List<String> produce(String topic, String codec) {
        List<String> sent = new ArrayList<>();
        try (KafkaProducer<String, String> producer = Clients.stringProducer(DLOG.bootstrapServers(),
                Map.of(ProducerConfig.COMPRESSION_TYPE_CONFIG, codec, ProducerConfig.LINGER_MS_CONFIG, 20))) {
            for (int i = 0; i < RECORDS; i++) {
                // Repetitive values so that each codec actually shrinks the batch.
                String value = i + ":" + "compressible text ".repeat(1 + i % 20);
                sent.add(value);
                producer.send(new ProducerRecord<>(topic, i % 2, "key-" + i, value));
            }
            producer.flush();
        }
        return sent;
    }

    private static List<ConsumerRecord<String, String>> consumeAll(String topic, int partitions) {
        try (KafkaConsumer<String, String> consumer = Clients.stringConsumer(DLOG.bootstrapServers())) {
            return Clients.readFromBeginning(consumer, Clients.partitions(topic, partitions), RECORDS);
        }
    }

    private static void assertValuesInOrder(List<ConsumerRecord<String, String>> received, List<String> sent) {
        assertThat(received).hasSize(sent.size());
        for (int p = 0; p < 2; p++) {
            int partition = p;
            List<String> expected = new ArrayList<>();
            for (int i = partition; i < sent.size(); i += 2) {
                expected.add(sent.get(i));
            }
            List<ConsumerRecord<String, String>> ofPartition = received.stream()
                    .filter(r -> r.partition() == partition).toList();
            assertThat(ofPartition).extracting(ConsumerRecord::value).containsExactlyElementsOf(expected);
            assertThat(ofPartition).extracting(ConsumerRecord::offset)
                    .containsExactlyElementsOf(ProduceConsumeRoundTripTest.range(0, expected.size()));
            assertThat(ofPartition).allSatisfy(r -> assertThat(r.key()).isEqualTo("key-" + r.value().split(":")[0]));
        }
    }
}
