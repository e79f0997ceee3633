package io.dlog.compat.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dlog.compat.DLogBrokerExtension;
import io.dlog.compat.ExternalProcess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.SslConfigs;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * TLS listeners beside a plaintext one, set with Kafka's ssl.* keys and their listener.name.* overrides:
 * PKCS12 (SSL), JKS (JKSTLS), inline PEM (PEMTLS) key stores, and ssl.client.auth=required (MTLS); the
 * OPENSSL listener serves the SSL listener's settings through OpenSslEngineFactory (BoringSSL).
 */
class TlsListenersTest {
    private static final TestCertificates CERTS = TestCertificates.generate();

    @RegisterExtension
    static final DLogBrokerExtension DLOG = configure(new DLogBrokerExtension()
            .withListeners("PLAINTEXT", "SSL", "MTLS", "JKSTLS", "PEMTLS", "OPENSSL")
            .with("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,SSL:SSL,MTLS:SSL,JKSTLS:SSL,PEMTLS:SSL,OPENSSL:SSL")
            .with("listener.name.openssl.ssl.engine.factory.class", "io.dlog.kafka.security.OpenSslEngineFactory")
            // Kafka's rule: listener.name.<listener>.<key> wins over <key>
            .with("ssl.keystore.type", "PKCS12")
            .with("ssl.enabled.protocols", "TLSv1.3,TLSv1.2")
            .with("listener.name.mtls.ssl.client.auth", "required")
            .with("listener.name.mtls.ssl.truststore.location", CERTS.trustStorePath("client").toString())
            .with("listener.name.mtls.ssl.truststore.password", TestCertificates.PASSWORD)
            .with("listener.name.mtls.ssl.truststore.type", "PKCS12")
            .with("listener.name.jkstls.ssl.keystore.type", "JKS"));

    private static DLogBrokerExtension configure(DLogBrokerExtension extension) {
        try {
            for (String listener : List.of("ssl", "mtls", "jkstls", "openssl")) {
                extension.with("listener.name." + listener + ".ssl.keystore.location", listener.equals("jkstls")
                                ? CERTS.jksKeyStore("broker").toString() : CERTS.keyStore("broker").toString())
                        .with("listener.name." + listener + ".ssl.keystore.password", TestCertificates.PASSWORD)
                        .with("listener.name." + listener + ".ssl.key.password", TestCertificates.PASSWORD);
            }
            // PEM: the key unencrypted, so no password at all (Kafka refuses a key store password with PEM)
            return extension.with("listener.name.pemtls.ssl.keystore.type", "PEM")
                    .with("listener.name.pemtls.ssl.keystore.key", CERTS.privateKeyPem("broker"))
                    .with("listener.name.pemtls.ssl.keystore.certificate.chain", CERTS.certificatePem("broker"));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"SSL", "OPENSSL"})
    void shouldProduceAndConsumeOverTlsAndAdvertiseTheTlsListener(String listener) throws Exception {
        // Given
        String topic = DLOG.newTopic(1);
        Properties tls = tlsClient(listener, "broker");
        byte[] value = new byte[1024];
        Arrays.fill(value, (byte) 'x');
        int records = 2000; // about 2 MiB: fetch responses larger than one TLS read chunk

        // When
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(tls, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < records; i++) {
                producer.send(new ProducerRecord<>(topic, ("k" + i).getBytes(StandardCharsets.UTF_8), value));
            }
            producer.flush();
        }
        List<ConsumerRecord<byte[], byte[]>> consumed = consumeAll(tls, topic, records);
        Collection<Node> nodes;
        try (Admin admin = Admin.create(tls)) {
            nodes = admin.describeCluster().nodes().get(30, TimeUnit.SECONDS);
        }

        // Then
        assertThat(consumed).hasSize(records);
        assertThat(consumed.get(records - 1).key()).isEqualTo(("k" + (records - 1)).getBytes(StandardCharsets.UTF_8));
        assertThat(consumed).allSatisfy(r -> assertThat(r.value()).isEqualTo(value));
        assertThat(nodes).extracting(Node::port).containsExactly(port(listener));
    }

    @Test
    void shouldServeTheOpenSslListenerWithOpenSslEngines() throws Exception {
        // Given: the OPENSSL listener's settings, as the broker reads them
        var settings = io.dlog.kafka.config.SecurityConfigs.forListener(Map.of(
                "listener.name.openssl.ssl.engine.factory.class", "io.dlog.kafka.security.OpenSslEngineFactory",
                "listener.name.openssl.ssl.keystore.location", CERTS.keyStore("broker").toString(),
                "listener.name.openssl.ssl.keystore.password", TestCertificates.PASSWORD,
                "listener.name.openssl.ssl.keystore.type", "PKCS12",
                "listener.name.openssl.ssl.key.password", TestCertificates.PASSWORD), "OPENSSL");

        // When
        try (var engines = io.dlog.kafka.security.TlsEngines.configure("OPENSSL", settings)) {
            // Then: BoringSSL's engines (netty-tcnative loads on this platform), not the JDK's
            assertThat(engines.factory()).isInstanceOf(io.dlog.kafka.security.OpenSslEngineFactory.class);
            assertThat(((io.dlog.kafka.security.OpenSslEngineFactory) engines.factory()).usesOpenSsl()).isTrue();
            assertThat(engines.newEngine("127.0.0.1", 1).getClass().getName()).contains("OpenSsl");
        }
        // and a client that does not trust the broker is refused there too
        assertThatThrownBy(() -> describe(tlsClient("OPENSSL", "rogue"))).isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(SslAuthenticationException.class);
    }

    @Test
    void shouldServeThePlaintextListenerBesideTheTlsOnes() throws Exception {
        try (Admin admin = DLOG.admin()) {
            Collection<Node> nodes = admin.describeCluster().nodes().get(30, TimeUnit.SECONDS);
            assertThat(nodes).extracting(Node::port).containsExactly(port("PLAINTEXT"));
        }
    }

    @Test
    void shouldRefuseAClientThatDoesNotTrustTheBrokersCertificate() {
        Properties untrusting = tlsClient("SSL", "rogue");

        assertThatThrownBy(() -> describe(untrusting)).isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(SslAuthenticationException.class);
    }

    @Test
    void shouldRefuseAClientWithoutCertificateWhereClientAuthIsRequired() throws Exception {
        // Given
        Properties anonymous = tlsClient("MTLS", "broker");
        Properties withCertificate = tlsClient("MTLS", "broker");
        withCertificate.put(SslConfigs.SSL_KEYSTORE_LOCATION_CONFIG, CERTS.keyStore("client").toString());
        withCertificate.put(SslConfigs.SSL_KEYSTORE_PASSWORD_CONFIG, TestCertificates.PASSWORD);
        withCertificate.put(SslConfigs.SSL_KEY_PASSWORD_CONFIG, TestCertificates.PASSWORD);
        Properties untrustedCertificate = tlsClient("MTLS", "broker");
        untrustedCertificate.put(SslConfigs.SSL_KEYSTORE_LOCATION_CONFIG, CERTS.keyStore("rogue").toString());
        untrustedCertificate.put(SslConfigs.SSL_KEYSTORE_PASSWORD_CONFIG, TestCertificates.PASSWORD);

        // Then
        assertThat(describe(withCertificate)).extracting(Node::port).containsExactly(port("MTLS"));
        assertThatThrownBy(() -> describe(anonymous)).isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(SslAuthenticationException.class);
        assertThatThrownBy(() -> describe(untrustedCertificate)).isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(SslAuthenticationException.class);
    }

    @Test
    void shouldServeJksAndPemKeyStores() throws Exception {
        assertThat(describe(tlsClient("JKSTLS", "broker"))).extracting(Node::port).containsExactly(port("JKSTLS"));
        assertThat(describe(tlsClient("PEMTLS", "broker"))).extracting(Node::port).containsExactly(port("PEMTLS"));
    }

    @Test
    void shouldProduceAndConsumeWithKcatOverTls() throws Exception {
        // Given
        String kcat = ExternalProcess.kcat();
        Assumptions.assumeTrue(kcat != null, "kcat is not installed");
        Path ca = CERTS.dir().resolve("broker-ca.pem");
        Files.writeString(ca, CERTS.certificatePem("broker"));
        String topic = "kcat-tls-" + UUID.randomUUID().toString().substring(0, 8);
        String[] tls = {"-b", DLOG.bootstrapServers("SSL"), "-X", "security.protocol=ssl", "-X", "ssl.ca.location=" + ca};

        // When
        ExternalProcess.Run produced = ExternalProcess.run("one\ntwo\n", concat(new String[] {kcat, "-P", "-t", topic}, tls));
        ExternalProcess.Run consumed = ExternalProcess.run("", concat(new String[] {kcat, "-C", "-t", topic, "-o", "beginning",
                "-e", "-q"}, tls));
        Path rogue = CERTS.dir().resolve("rogue-ca.pem");
        Files.writeString(rogue, CERTS.certificatePem("rogue"));
        ExternalProcess.Run refused = ExternalProcess.run("", kcat, "-L", "-b", DLOG.bootstrapServers("SSL"), "-X",
                "security.protocol=ssl", "-X", "ssl.ca.location=" + rogue, "-m", "5");

        // Then
        assertThat(produced.exitCode()).as(produced.toString()).isZero();
        assertThat(consumed.stdout().lines().toList()).as(consumed.toString()).containsExactly("one", "two");
        assertThat(refused.exitCode()).as(refused.toString()).isNotZero();
        assertThat(refused.stderr()).containsIgnoringCase("certificate verify failed");
    }

    private static String[] concat(String[] a, String[] b) {
        String[] all = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    private static Collection<Node> describe(Properties props) throws Exception {
        try (Admin admin = Admin.create(props)) {
            return admin.describeCluster().nodes().get(30, TimeUnit.SECONDS);
        }
    }

    private static int port(String listener) {
        String address = DLOG.bootstrapServers(listener);
        return Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
    }

    /** A client of {@code listener} that trusts {@code trusted}'s certificate. */
    static Properties tlsClient(String listener, String trusted) {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, DLOG.bootstrapServers(listener));
        props.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SSL");
        props.put(SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, CERTS.trustStorePath(trusted).toString());
        props.put(SslConfigs.SSL_TRUSTSTORE_PASSWORD_CONFIG, TestCertificates.PASSWORD);
        props.put(SslConfigs.SSL_TRUSTSTORE_TYPE_CONFIG, "PKCS12");
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "20000");
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        return props;
    }

    private static List<ConsumerRecord<byte[], byte[]>> consumeAll(Properties base, String topic, int expected) {
        Properties props = new Properties();
        props.putAll(base);
        props.remove(ProducerConfig.ACKS_CONFIG);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<ConsumerRecord<byte[], byte[]>> all = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.assign(List.of(new TopicPartition(topic, 0)));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (all.size() < expected && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(500)).forEach(all::add);
            }
        }
        return all;
    }
}
