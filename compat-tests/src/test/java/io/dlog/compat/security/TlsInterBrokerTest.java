package io.dlog.compat.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.compat.DLogBrokerExtension;
import io.dlog.compat.clients.Clients;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Inter-broker requests over TLS: with a TLS inter-broker listener (inter.broker.listener.name=SSL), the
 * transaction coordinator's WriteTxnMarkers reach the partition leader (here itself) through a TLS client
 * built from that listener's ssl.* settings, host name verified; clients use the plaintext listener.
 */
class TlsInterBrokerTest {
    private static final TestCertificates CERTS = TestCertificates.generate();

    @RegisterExtension
    static final DLogBrokerExtension DLOG = new DLogBrokerExtension().withListeners("SSL", "PLAINTEXT")
            .with("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,SSL:SSL")
            .with("listener.name.ssl.ssl.keystore.location", CERTS.keyStore("broker").toString())
            .with("listener.name.ssl.ssl.keystore.password", TestCertificates.PASSWORD)
            .with("listener.name.ssl.ssl.key.password", TestCertificates.PASSWORD)
            .with("listener.name.ssl.ssl.truststore.location", CERTS.trustStorePath("broker").toString())
            .with("listener.name.ssl.ssl.truststore.password", TestCertificates.PASSWORD)
            .with("listener.name.ssl.ssl.truststore.type", "PKCS12");

    @Test
    void shouldWriteTransactionMarkersOverTheTlsInterBrokerListener() throws Exception {
        // Given
        String plaintext = DLOG.bootstrapServers("PLAINTEXT");
        String topic = "tls-markers";
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, plaintext))) {
            admin.createTopics(List.of(new NewTopic(topic, 2, (short) 1))).all().get();
        }
        List<TopicPartition> partitions = Clients.partitions(topic, 2);

        // When: one committed and one aborted transaction over both partitions
        try (KafkaProducer<String, String> producer = Clients.stringProducer(plaintext, Map.of(
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, "tls-markers", ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000))) {
            producer.initTransactions();
            for (String outcome : List.of("committed", "aborted")) {
                producer.beginTransaction();
                partitions.forEach(tp -> producer.send(new ProducerRecord<>(topic, tp.partition(), "k", outcome)));
                producer.flush();
                if (outcome.equals("committed")) {
                    producer.commitTransaction();
                } else {
                    producer.abortTransaction();
                }
            }
        }

        // Then: the markers were written, so read_committed reads to the end and sees the commit only
        try (KafkaConsumer<String, String> consumer = Clients.stringConsumer(plaintext,
                Map.of("isolation.level", "read_committed"));
             KafkaConsumer<String, String> uncommitted = Clients.stringConsumer(plaintext)) {
            assertThat(Clients.readFromBeginning(consumer, partitions, 2)).extracting(ConsumerRecord::value)
                    .containsOnly("committed");
            long deadline = System.nanoTime() + Clients.WAIT.toNanos();
            while (!consumer.endOffsets(partitions).equals(uncommitted.endOffsets(partitions))
                    && System.nanoTime() < deadline) {
                Thread.sleep(50); // the abort's markers follow its answer
            }
            assertThat(consumer.endOffsets(partitions)).isEqualTo(uncommitted.endOffsets(partitions));
        }
    }
}
