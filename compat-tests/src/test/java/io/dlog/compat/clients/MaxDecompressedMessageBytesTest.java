package io.dlog.compat.clients;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dlog.compat.DLogBrokerExtension;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Kafka 4.4's max.decompressed.message.bytes, from real producers: a compressed batch holding a record larger than
 * the topic's bound once decompressed is refused with INVALID_RECORD and nothing of it stored; smaller records and
 * uncompressed batches (bounded by max.message.bytes alone, as in Kafka) go through. Kafka 4.4's other new topic
 * configs are accepted and described.
 */
class MaxDecompressedMessageBytesTest {
    @RegisterExtension
    static final DLogBrokerExtension DLOG = new DLogBrokerExtension();

    @Test
    void shouldRefuseACompressedRecordAboveTheTopicsBoundAndKeepServing() throws Exception {
        // Given: 2,000 bytes of one repeated letter compress to a few dozen
        String topic = DLOG.newTopic(1, Map.of("max.decompressed.message.bytes", "1000"));
        TopicPartition tp = new TopicPartition(topic, 0);

        try (KafkaProducer<String, String> gzip = Clients.stringProducer(DLOG.bootstrapServers(),
                Map.of(ProducerConfig.COMPRESSION_TYPE_CONFIG, "gzip"));
             KafkaProducer<String, String> plain = Clients.stringProducer(DLOG.bootstrapServers(),
                     Map.of(ProducerConfig.COMPRESSION_TYPE_CONFIG, "none"))) {
            // When / Then
            assertThatThrownBy(() -> gzip.send(new ProducerRecord<>(topic, 0, "k", "a".repeat(2_000)))
                    .get(30, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(InvalidRecordException.class)
                    .cause().hasMessageContaining("exceeds the configured maximum record size of 1000");
            long small = gzip.send(new ProducerRecord<>(topic, 0, "k", "b".repeat(500))).get(30, TimeUnit.SECONDS).offset();
            long uncompressed = plain.send(new ProducerRecord<>(topic, 0, "k", "c".repeat(2_000)))
                    .get(30, TimeUnit.SECONDS).offset();

            assertThat(small).isZero();
            assertThat(uncompressed).isEqualTo(1);
        }
        try (KafkaConsumer<String, String> consumer = Clients.stringConsumer(DLOG.bootstrapServers())) {
            List<ConsumerRecord<String, String>> read = Clients.readFromBeginning(consumer, List.of(tp), 2);
            assertThat(read).extracting(r -> r.value().length()).containsExactly(500, 2_000);
        }
    }

    @Test
    void shouldAcceptAndDescribeKafka44sNewTopicConfigs() throws Exception {
        // Given
        Map<String, String> kafka44 = Map.of("max.decompressed.message.bytes", "65536",
                "errors.deadletterqueue.group.enable", "true", "remote.copy.lag.bytes", "-1", "remote.copy.lag.ms", "0");
        String topic = DLOG.newTopic(1, kafka44);

        // When
        Config described;
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", DLOG.bootstrapServers()))) {
            ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
            described = admin.describeConfigs(List.of(resource)).all().get(30, TimeUnit.SECONDS).get(resource);
        }

        // Then
        kafka44.forEach((key, value) -> assertThat(described.get(key).value()).as(key).isEqualTo(value));
    }
}
