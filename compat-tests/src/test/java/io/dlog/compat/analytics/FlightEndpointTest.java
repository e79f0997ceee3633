package io.dlog.compat.analytics;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.compat.DLogBrokerExtension;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightEndpoint;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.Location;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The broker's Arrow Flight endpoint ({@code dlog.flight.port}) over records written by a real Kafka producer,
 * transactions included: what a Flight client reads per partition is what a read_committed consumer reads.
 */
@SuppressWarnings("try") // FlightStream.close() declares InterruptedException
class FlightEndpointTest {
    @RegisterExtension
    static final DLogBrokerExtension DLOG = new DLogBrokerExtension().with("dlog.flight.port", "0");

    @Test
    void shouldServeWhatAReadCommittedConsumerSees() throws Exception {
        // Given: plain records, an aborted and a committed transaction
        String topic = DLOG.newTopic(2);
        Properties props = DLOG.clientProps();
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "flight-txn");
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props, new StringSerializer(), new StringSerializer())) {
            producer.initTransactions();
            for (boolean commit : new boolean[] {false, true}) {
                producer.beginTransaction();
                for (int i = 0; i < 50; i++) {
                    producer.send(new ProducerRecord<>(topic, "k" + i, "{\"kind\":\"" + (commit ? "committed" : "aborted")
                            + "\",\"amount\":" + i + "}"));
                }
                if (commit) {
                    producer.commitTransaction();
                } else {
                    producer.abortTransaction();
                }
            }
        }
        Map<Integer, Long> expected = consumeSums(topic);
        assertThat(expected.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(49L * 50 / 2);

        // When
        Map<Integer, Long> read = new HashMap<>();
        try (BufferAllocator allocator = new RootAllocator();
             FlightClient client = FlightClient.builder(allocator,
                     Location.forGrpcInsecure("127.0.0.1", DLOG.broker().flightPort().orElseThrow())).build()) {
            FlightInfo info = client.getInfo(FlightDescriptor.path(topic, "isolation=read_committed"));
            assertThat(info.getEndpoints()).hasSize(2);
            for (FlightEndpoint endpoint : info.getEndpoints()) {
                try (FlightStream stream = client.getStream(endpoint.getTicket())) {
                    while (stream.next()) {
                        VectorSchemaRoot root = stream.getRoot();
                        for (int i = 0; i < root.getRowCount(); i++) {
                            assertThat(root.getVector("kind").getObject(i).toString()).isEqualTo("committed");
                            read.merge((Integer) root.getVector("partition").getObject(i),
                                    (Long) root.getVector("amount").getObject(i), Long::sum);
                        }
                    }
                }
            }
        }

        // Then
        assertThat(read).isEqualTo(expected);
    }

    /** Sum of {@code amount} per partition as a read_committed KafkaConsumer reads it. */
    private static Map<Integer, Long> consumeSums(String topic) throws Exception {
        Properties props = DLOG.clientProps();
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "flight-check");
        Map<Integer, Long> sums = new HashMap<>();
        int seen = 0;
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(java.util.List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (seen < 50 && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    sums.merge(record.partition(), json.readTree(record.value()).get("amount").asLong(), Long::sum);
                    seen++;
                }
            }
        }
        return sums;
    }
}
