package io.dlog.compat.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.compat.cluster.InProcessCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.config.SslConfigs;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * A three-node cluster whose only client listener is SASL_SSL (the metadata group keeps its CONTROLLER
 * listener): the replica fetchers reach the leaders over that listener, TLS with host names verified
 * and SASL PLAIN as {@code sasl.mechanism.inter.broker.protocol} with the listener's JAAS entry, as
 * Kafka's brokers do. acks=all with min.insync.replicas=3 is answered only once both followers
 * fetched the records.
 */
class SaslSslClusterTest {
    private static final TestCertificates CERTS = TestCertificates.generate();
    private static final String JAAS = "org.apache.kafka.common.security.plain.PlainLoginModule required "
            + "username=\"broker\" password=\"broker-secret\" user_broker=\"broker-secret\" user_alice=\"alice-secret\";";

    @Test
    void shouldReplicateOverSaslSslWhenItIsTheOnlyListener() throws Exception {
        Map<String, String> overrides = new HashMap<>();
        overrides.put("listener.security.protocol.map", "PLAINTEXT:SASL_SSL,CONTROLLER:PLAINTEXT");
        overrides.put("sasl.enabled.mechanisms", "PLAIN");
        overrides.put("sasl.mechanism.inter.broker.protocol", "PLAIN");
        overrides.put("listener.name.plaintext.plain.sasl.jaas.config", JAAS);
        overrides.put("ssl.keystore.location", CERTS.keyStore("broker").toString());
        overrides.put("ssl.keystore.password", TestCertificates.PASSWORD);
        overrides.put("ssl.key.password", TestCertificates.PASSWORD);
        overrides.put("ssl.truststore.location", CERTS.trustStorePath("broker").toString());
        overrides.put("ssl.truststore.password", TestCertificates.PASSWORD);
        overrides.put("ssl.truststore.type", "PKCS12");
        Map<String, Object> client = Map.of(
                CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_SSL",
                SaslConfigs.SASL_MECHANISM, "PLAIN",
                SaslConfigs.SASL_JAAS_CONFIG, "org.apache.kafka.common.security.plain.PlainLoginModule required "
                        + "username=\"alice\" password=\"alice-secret\";",
                SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, CERTS.trustStorePath("broker").toString(),
                SslConfigs.SSL_TRUSTSTORE_PASSWORD_CONFIG, TestCertificates.PASSWORD);
        try (InProcessCluster cluster = new InProcessCluster(3, overrides)) {
            cluster.useClientSecurity(client);
            cluster.start();
            String topic = "sasl-ssl-replicated";
            try (Admin admin = cluster.admin()) {
                admin.createTopics(List.of(new NewTopic(topic, 1, (short) 3)
                        .configs(Map.of("min.insync.replicas", "3")))).all().get(60, TimeUnit.SECONDS);
            }

            // When
            var producerProps = cluster.clientProps();
            producerProps.put(ProducerConfig.ACKS_CONFIG, "all");
            producerProps.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "60000");
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerProps, new StringSerializer(),
                    new StringSerializer())) {
                for (int i = 0; i < 20; i++) {
                    producer.send(new ProducerRecord<>(topic, "k", "v" + i)).get(60, TimeUnit.SECONDS);
                }
            }

            // Then: acknowledged by all three, so both followers fetched over SASL_SSL
            try (Admin admin = cluster.admin()) {
                TopicDescription description = admin.describeTopics(List.of(topic)).allTopicNames()
                        .get(30, TimeUnit.SECONDS).get(topic);
                assertThat(description.partitions().get(0).isr()).hasSize(3);
            }
            var consumerProps = cluster.clientProps();
            consumerProps.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            List<String> values = new ArrayList<>();
            try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerProps, new StringDeserializer(),
                    new StringDeserializer())) {
                consumer.assign(List.of(new TopicPartition(topic, 0)));
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (values.size() < 20 && System.nanoTime() < deadline) {
                    for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                        values.add(record.value());
                    }
                }
            }
            assertThat(values).hasSize(20).startsWith("v0").endsWith("v19");
        }
    }
}
