package io.dlog.compat.clients;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.compat.DLogBrokerExtension;
import java.io.IOException;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * kafka-clients 3.9.1, loaded in its own class loader (the 4.x client is on the test classpath), driven
 * reflectively: Admin creates a topic, the producer writes, the consumer reads; and both directions
 * across client generations on one topic.
 */
class Kafka3ClientTest {
    @RegisterExtension
    static final DLogBrokerExtension DLOG = new DLogBrokerExtension();

    private static IsolatedClient kafka3;

    @BeforeAll
    static void loadKafka3() throws IOException, URISyntaxException {
        kafka3 = IsolatedClient.load("kafka-clients-3.jar", DLOG.bootstrapServers());
    }

    @AfterAll
    static void closeKafka3() throws IOException {
        if (kafka3 != null) {
            kafka3.close();
        }
    }

    @Test
    void shouldRunTheKafka3ClientFromItsOwnClassLoader() throws Exception {
        // When
        Class<?> producerClass = kafka3.loadClass("org.apache.kafka.clients.producer.KafkaProducer");

        // Then
        assertThat(producerClass.getClassLoader()).isSameAs(kafka3.loader());
        assertThat(producerClass).isNotSameAs(KafkaProducer.class);
        assertThat(kafka3.version()).startsWith("3.9.");
    }

    @Test
    void shouldCreateProduceAndConsumeWithTheKafka3Client() throws Exception {
        // Given
        String topic = "kafka3-" + System.nanoTime();
        kafka3.createTopic(topic, 2, (short) 1);
        List<String> values = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            values.add("v3-" + i);
        }

        // When
        List<Long> offsets = kafka3.produce(topic, 0, values, Map.of());
        List<String[]> received = kafka3.consume(topic, 0, values.size());

        // Then
        assertThat(offsets).containsExactlyElementsOf(ProduceConsumeRoundTripTest.range(0, values.size()));
        assertThat(received).extracting(r -> r[1]).containsExactlyElementsOf(values);
        assertThat(received).extracting(r -> r[0]).containsExactlyElementsOf(values.stream().map(v -> "k-" + v).toList());
    }

    @Test
    void shouldReadAcrossClientGenerations() throws Exception {
        // Given
        String topic = DLOG.newTopic(1);
        TopicPartition tp = new TopicPartition(topic, 0);
        try (KafkaProducer<String, String> producer = Clients.stringProducer(DLOG.bootstrapServers())) {
            producer.send(new ProducerRecord<>(topic, 0, "k-from-4", "from-4")).get(30, TimeUnit.SECONDS);
        }
        kafka3.produce(topic, 0, List.of("from-3"), Map.of());

        // When
        List<String[]> readBy3 = kafka3.consume(topic, 0, 2);
        List<ConsumerRecord<String, String>> readBy4;
        try (KafkaConsumer<String, String> consumer = Clients.stringConsumer(DLOG.bootstrapServers())) {
            readBy4 = Clients.readFromBeginning(consumer, List.of(tp), 2);
        }

        // Then
        assertThat(readBy3).extracting(r -> r[1]).containsExactly("from-4", "from-3");
        assertThat(readBy4).extracting(ConsumerRecord::value).containsExactly("from-4", "from-3");
    }

    @Test
    void shouldCommitAndAbortTransactionsWithTheKafka3Producer() throws Exception {
        OldClientTransactions.commitAndAbort(kafka3.loader(), DLOG.bootstrapServers(), DLOG.newTopic(1), "kafka3-tx");
    }
}
