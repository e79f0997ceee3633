package io.dlog.compat.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dlog.compat.DLogBrokerExtension;
import io.dlog.compat.ExternalProcess;
import io.dlog.compat.clients.Kafkajs;
import io.dlog.compat.tools.ChildJvm;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialDeletion;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.clients.admin.UserScramCredentialsDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.config.SslConfigs;
import org.apache.kafka.common.errors.ResourceNotFoundException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.UnacceptableCredentialException;
import org.apache.kafka.common.errors.UnsupportedSaslMechanismException;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.ApiVersionsRequest;
import org.apache.kafka.common.requests.MetadataRequest;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * SASL (PLAIN from the JAAS configuration, SCRAM-SHA-256/512 from credentials in the cluster image) on
 * SASL_PLAINTEXT and SASL_SSL listeners beside a PLAINTEXT one, with Kafka's clients and tools.
 */
class SaslAuthenticationTest {
    private static final TestCertificates CERTS = TestCertificates.generate();
    private static final String PLAIN_USERS = "org.apache.kafka.common.security.plain.PlainLoginModule required "
            + "username=\"admin\" password=\"admin-secret\" user_admin=\"admin-secret\" user_alice=\"alice-secret\";";
    private static final long REAUTH_MS = 1500;

    @RegisterExtension
    static final DLogBrokerExtension DLOG = new DLogBrokerExtension()
            .withListeners("PLAINTEXT", "SASL_PLAINTEXT", "SASL_SSL", "REAUTH")
            .with("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL,"
                    + "REAUTH:SASL_PLAINTEXT")
            .with("sasl.enabled.mechanisms", "PLAIN,SCRAM-SHA-256,SCRAM-SHA-512")
            .with("listener.name.sasl_plaintext.plain.sasl.jaas.config", PLAIN_USERS)
            .with("sasl.jaas.config", PLAIN_USERS)
            .with("listener.name.sasl_ssl.sasl.enabled.mechanisms", "SCRAM-SHA-512,PLAIN")
            .with("listener.name.sasl_ssl.ssl.keystore.location", CERTS.keyStore("broker").toString())
            .with("listener.name.sasl_ssl.ssl.keystore.password", TestCertificates.PASSWORD)
            .with("listener.name.sasl_ssl.ssl.key.password", TestCertificates.PASSWORD)
            .with("listener.name.reauth.sasl.enabled.mechanisms", "SCRAM-SHA-256")
            .with("listener.name.reauth.connections.max.reauth.ms", Long.toString(REAUTH_MS));

    @BeforeAll
    static void createScramUsers() throws Exception {
        try (Admin admin = DLOG.admin()) {
            admin.alterUserScramCredentials(List.of(
                    new UserScramCredentialUpsertion("carol", new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 4096), "carol-secret"),
                    new UserScramCredentialUpsertion("carol", new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 8192), "carol-secret")))
                    .all().get(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void shouldProduceAndConsumeAsAPlainUserFromTheJaasConfig() throws Exception {
        String topic = DLOG.newTopic(1);
        Properties alice = sasl("SASL_PLAINTEXT", "SASL_PLAINTEXT", "PLAIN", plain("alice", "alice-secret"));

        produce(alice, topic, "one", "two");

        assertThat(consume(alice, topic, 2)).containsExactly("one", "two");
    }

    @Test
    void shouldRefuseAWrongPlainPasswordWithTheClientsUsualError() {
        Properties wrong = sasl("SASL_PLAINTEXT", "SASL_PLAINTEXT", "PLAIN", plain("alice", "not-her-password"));

        assertThatThrownBy(() -> describe(wrong)).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(SaslAuthenticationException.class)
                .hasMessageContaining("Invalid username or password");
    }

    @Test
    void shouldAuthenticateWithScramSha256And512CredentialsOfTheImage() throws Exception {
        // Given
        String topic = DLOG.newTopic(1);
        Properties sha256 = sasl("SASL_PLAINTEXT", "SASL_PLAINTEXT", "SCRAM-SHA-256", scram("carol", "carol-secret"));
        Properties sha512OverTls = sasl("SASL_SSL", "SASL_SSL", "SCRAM-SHA-512", scram("carol", "carol-secret"));

        // When
        produce(sha256, topic, "a", "b");
        produce(sha512OverTls, topic, "c");

        // Then
        assertThat(consume(sha512OverTls, topic, 3)).containsExactly("a", "b", "c");
        assertThat(describe(sha512OverTls)).extracting(Node::port).containsExactly(port("SASL_SSL"));
    }

    @Test
    void shouldRefuseWrongScramPasswordsUnknownUsersAndMechanismsTheListenerDoesNotOffer() {
        Properties wrong = sasl("SASL_PLAINTEXT", "SASL_PLAINTEXT", "SCRAM-SHA-512", scram("carol", "wrong"));
        Properties unknown = sasl("SASL_SSL", "SASL_SSL", "SCRAM-SHA-512", scram("mallory", "x"));
        Properties notOffered = sasl("REAUTH", "SASL_PLAINTEXT", "PLAIN", plain("alice", "alice-secret"));

        assertThatThrownBy(() -> describe(wrong)).cause().isInstanceOf(SaslAuthenticationException.class)
                .hasMessageContaining("invalid credentials with SASL mechanism SCRAM-SHA-512");
        assertThatThrownBy(() -> describe(unknown)).cause().isInstanceOf(SaslAuthenticationException.class);
        assertThatThrownBy(() -> describe(notOffered)).cause().isInstanceOf(UnsupportedSaslMechanismException.class);
    }

    @Test
    void shouldDescribeAlterAndDeleteScramCredentialsWithKafkasErrors() throws Exception {
        try (Admin admin = DLOG.admin()) {
            // When
            admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion("dave",
                    new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096), "dave-secret"))).all().get(30, TimeUnit.SECONDS);
            Map<String, UserScramCredentialsDescription> described = admin.describeUserScramCredentials(List.of("dave", "carol"))
                    .all().get(30, TimeUnit.SECONDS);

            // Then
            assertThat(described.get("dave").credentialInfos())
                    .containsExactly(new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096));
            assertThat(described.get("carol").credentialInfos()).containsExactlyInAnyOrder(
                    new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 4096), new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 8192));
            assertThatThrownBy(() -> admin.describeUserScramCredentials(List.of("nobody")).description("nobody").get())
                    .cause().isInstanceOf(ResourceNotFoundException.class);
            assertThatThrownBy(() -> admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion("erin",
                    new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 100), "pw"))).all().get())
                    .cause().isInstanceOf(UnacceptableCredentialException.class);
            assertThatThrownBy(() -> admin.alterUserScramCredentials(List.of(new UserScramCredentialDeletion("nobody",
                    ScramMechanism.SCRAM_SHA_256))).all().get()).cause().isInstanceOf(ResourceNotFoundException.class);

            admin.alterUserScramCredentials(List.of(new UserScramCredentialDeletion("dave", ScramMechanism.SCRAM_SHA_512)))
                    .all().get(30, TimeUnit.SECONDS);
            assertThat(admin.describeUserScramCredentials().all().get(30, TimeUnit.SECONDS)).doesNotContainKey("dave");
        }
        Properties dave = sasl("SASL_PLAINTEXT", "SASL_PLAINTEXT", "SCRAM-SHA-512", scram("dave", "dave-secret"));
        assertThatThrownBy(() -> describe(dave)).cause().isInstanceOf(SaslAuthenticationException.class);
    }

    @Test
    void shouldManageScramUsersWithKafkaConfigs() throws Exception {
        // When
        ChildJvm.Result added = ChildJvm.run(Duration.ofSeconds(60), "kafka.admin.ConfigCommand", "--bootstrap-server",
                DLOG.bootstrapServers(), "--entity-type", "users", "--entity-name", "frank", "--alter", "--add-config",
                "SCRAM-SHA-256=[iterations=8192,password=frank-secret],SCRAM-SHA-512=[password=frank-secret]");

        // Then
        assertThat(added.exitCode()).as(added.toString()).isZero();
        try (Admin admin = DLOG.admin()) {
            assertThat(admin.describeUserScramCredentials(List.of("frank")).all().get(30, TimeUnit.SECONDS).get("frank")
                    .credentialInfos()).containsExactlyInAnyOrder(new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 8192),
                    new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096));
        }
        Properties frank = sasl("SASL_SSL", "SASL_SSL", "SCRAM-SHA-512", scram("frank", "frank-secret"));
        assertThat(describe(frank)).hasSize(1);
    }

    @Test
    void shouldAnswerApiVersionsButCloseTheConnectionOnAnyOtherRequestBeforeAuthentication() throws Exception {
        int port = port("SASL_PLAINTEXT");
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            // ApiVersions is allowed before SaslHandshake (clients learn the SASL versions from it)
            send(socket, new ApiVersionsRequest.Builder(new ApiVersionsRequestData().setClientSoftwareName("test")
                    .setClientSoftwareVersion("1"), (short) 3, (short) 3).build(), 1);
            assertThat(readFrame(socket)).isNotNull();

            send(socket, new MetadataRequest.Builder(new MetadataRequestData().setTopics(null)).build((short) 12), 2);

            assertThat(readFrame(socket)).as("closed without an answer").isNull();
        }
    }

    @Test
    void shouldCloseAConnectionThatSendsAFrameAboveSaslServerMaxReceiveSizeBeforeAuthenticating() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", port("SASL_PLAINTEXT"))) {
            socket.setSoTimeout(10_000);
            // 1 MB announced: above sasl.server.max.receive.size (524288), far below socket.request.max.bytes
            OutputStream out = socket.getOutputStream();
            out.write(ByteBuffer.allocate(8).putInt(1_000_000).putInt(0).array());
            out.flush();

            assertThat(readFrame(socket)).as("closed without an answer").isNull();
        }
    }

    @Test
    void shouldAuthenticateBareTokensAfterSaslHandshakeV0() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", port("SASL_PLAINTEXT"))) {
            socket.setSoTimeout(10_000);
            // Given: SaslHandshake v0, after which SASL tokens travel bare (size-prefixed, no header)
            send(socket, new org.apache.kafka.common.requests.SaslHandshakeRequest.Builder(
                    new org.apache.kafka.common.message.SaslHandshakeRequestData().setMechanism("PLAIN")).build((short) 0), 1);
            assertThat(readFrame(socket)).isNotNull();

            // When
            byte[] token = "\u0000alice\u0000alice-secret".getBytes(java.nio.charset.StandardCharsets.UTF_8);
            OutputStream out = socket.getOutputStream();
            out.write(ByteBuffer.allocate(4 + token.length).putInt(token.length).put(token).array());
            out.flush();
            byte[] challenge = readFrame(socket);
            send(socket, new MetadataRequest.Builder(new MetadataRequestData().setTopics(null)).build((short) 12), 2);

            // Then: authenticated, so requests are served
            assertThat(challenge).isEmpty();
            assertThat(readFrame(socket)).as("Metadata answered").isNotNull();
        }
    }

    @Test
    void shouldReauthenticateWhenTheSessionLifetimeEnds() throws Exception {
        // Given: sessions of 1.5 s on the REAUTH listener; the clients re-authenticate before they end
        String topic = DLOG.newTopic(1);
        Properties carol = sasl("REAUTH", "SASL_PLAINTEXT", "SCRAM-SHA-256", scram("carol", "carol-secret"));
        carol.put(ProducerConfig.LINGER_MS_CONFIG, "0");

        // When
        double reauthentications;
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(carol, new StringSerializer(), new StringSerializer())) {
            long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(REAUTH_MS * 3);
            int sent = 0;
            while (System.nanoTime() < end) {
                producer.send(new ProducerRecord<>(topic, "r" + sent++)).get(10, TimeUnit.SECONDS);
                Thread.sleep(50);
            }
            reauthentications = producer.metrics().entrySet().stream()
                    .filter(e -> e.getKey().name().equals("successful-reauthentication-total"))
                    .mapToDouble(e -> ((Number) e.getValue().metricValue()).doubleValue()).max().orElse(0);
        }

        // Then
        assertThat(reauthentications).isGreaterThanOrEqualTo(1);
    }

    @Test
    void shouldAuthenticateKcatWithPlainOverSaslPlaintextAndSaslSsl() throws Exception {
        // Given
        String kcat = ExternalProcess.kcat();
        Assumptions.assumeTrue(kcat != null, "kcat is not installed");
        Path ca = CERTS.dir().resolve("broker-ca.pem");
        Files.writeString(ca, CERTS.certificatePem("broker"));
        String topic = "kcat-sasl-" + UUID.randomUUID().toString().substring(0, 8);

        // When
        ExternalProcess.Run produced = ExternalProcess.run("x\ny\n", kcat, "-P", "-t", topic, "-b", DLOG.bootstrapServers("SASL_PLAINTEXT"),
                "-X", "security.protocol=sasl_plaintext", "-X", "sasl.mechanisms=PLAIN", "-X", "sasl.username=alice",
                "-X", "sasl.password=alice-secret");
        ExternalProcess.Run consumed = ExternalProcess.run("", kcat, "-C", "-t", topic, "-o", "beginning", "-e", "-q",
                "-b", DLOG.bootstrapServers("SASL_SSL"), "-X", "security.protocol=sasl_ssl", "-X", "ssl.ca.location=" + ca,
                "-X", "sasl.mechanisms=PLAIN", "-X", "sasl.username=alice", "-X", "sasl.password=alice-secret");
        ExternalProcess.Run refused = ExternalProcess.run("", kcat, "-L", "-m", "5", "-b", DLOG.bootstrapServers("SASL_PLAINTEXT"),
                "-X", "security.protocol=sasl_plaintext", "-X", "sasl.mechanisms=PLAIN", "-X", "sasl.username=alice",
                "-X", "sasl.password=wrong");

        // Then
        assertThat(produced.exitCode()).as(produced.toString()).isZero();
        assertThat(consumed.stdout().lines().toList()).as(consumed.toString()).containsExactly("x", "y");
        assertThat(refused.exitCode()).as(refused.toString()).isNotZero();
        assertThat(refused.stderr()).contains("Authentication failed");
    }

    @Test
    void shouldAuthenticateKafkajsWithScramSha512OverSaslPlaintextAndSaslSsl() throws Exception {
        // Given: kafkajs installed by npm next to its script (skipped without node and npm)
        Path script = kafkajsScript();
        Path ca = CERTS.dir().resolve("broker-ca.pem");
        Files.writeString(ca, CERTS.certificatePem("broker"));
        String topic = "kafkajs-" + UUID.randomUUID().toString().substring(0, 8);

        // When
        ExternalProcess.Run plaintext = ExternalProcess.run("", "node", script.toString(), DLOG.bootstrapServers("SASL_PLAINTEXT"),
                "scram-sha-512", "carol", "carol-secret", topic);
        ExternalProcess.Run overTls = ExternalProcess.run("", "node", script.toString(), DLOG.bootstrapServers("SASL_SSL"),
                "scram-sha-512", "carol", "carol-secret", topic, ca.toString());
        ExternalProcess.Run wrong = ExternalProcess.run("", "node", script.toString(), DLOG.bootstrapServers("SASL_PLAINTEXT"),
                "scram-sha-512", "carol", "not-carols", topic);

        // Then
        assertThat(plaintext.stdout()).as(plaintext.toString()).contains("produced 1");
        assertThat(overTls.stdout()).as(overTls.toString()).contains("produced 2");
        assertThat(wrong.stdout()).as(wrong.toString()).contains("refused KafkaJSSASLAuthenticationError");
    }

    /** compat-tests/src/test/js/kafkajs-sasl/scram.js with kafkajs installed beside it (npm install on first use). */
    private static Path kafkajsScript() throws Exception {
        return Kafkajs.script("kafkajs-sasl", "scram.js");
    }

    private static void send(Socket socket, AbstractRequest request, int correlationId) throws IOException {
        ApiKeys key = request.apiKey();
        ByteBuffer bytes = request.serializeWithHeader(new RequestHeader(key, request.version(), "raw", correlationId));
        OutputStream out = socket.getOutputStream();
        out.write(ByteBuffer.allocate(4).putInt(bytes.remaining()).array());
        byte[] body = new byte[bytes.remaining()];
        bytes.get(body);
        out.write(body);
        out.flush();
    }

    /** The next response frame, or null when the broker closed the connection. */
    private static byte[] readFrame(Socket socket) throws IOException {
        DataInputStream in = new DataInputStream(socket.getInputStream());
        try {
            byte[] frame = new byte[in.readInt()];
            in.readFully(frame);
            return frame;
        } catch (EOFException | java.net.SocketException e) {
            return null;
        }
    }

    private static int port(String listener) {
        String address = DLOG.bootstrapServers(listener);
        return Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
    }

    private static String plain(String user, String password) {
        return "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"" + user + "\" password=\""
                + password + "\";";
    }

    private static String scram(String user, String password) {
        return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + user + "\" password=\""
                + password + "\";";
    }

    private static Properties sasl(String listener, String protocol, String mechanism, String jaas) {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, DLOG.bootstrapServers(listener));
        props.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, protocol);
        props.put(SaslConfigs.SASL_MECHANISM, mechanism);
        props.put(SaslConfigs.SASL_JAAS_CONFIG, jaas);
        if (protocol.equals("SASL_SSL")) {
            props.put(SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, CERTS.trustStorePath("broker").toString());
            props.put(SslConfigs.SSL_TRUSTSTORE_PASSWORD_CONFIG, TestCertificates.PASSWORD);
        }
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "20000");
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        return props;
    }

    private static List<Node> describe(Properties props) throws Exception {
        try (Admin admin = Admin.create(props)) {
            return new ArrayList<>(admin.describeCluster().nodes().get(30, TimeUnit.SECONDS));
        }
    }

    private static void produce(Properties props, String topic, String... values) throws Exception {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props, new StringSerializer(), new StringSerializer())) {
            for (String value : values) {
                producer.send(new ProducerRecord<>(topic, value)).get(30, TimeUnit.SECONDS);
            }
        }
    }

    private static List<String> consume(Properties base, String topic, int expected) {
        Properties props = new Properties();
        props.putAll(base);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
            consumer.assign(List.of(new TopicPartition(topic, 0)));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (values.size() < expected && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500))) {
                    values.add(record.value());
                }
            }
        }
        return values;
    }

}
