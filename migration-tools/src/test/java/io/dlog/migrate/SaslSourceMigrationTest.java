package io.dlog.migrate;

import static io.dlog.migrate.MigrationFixture.migrate;
import static io.dlog.migrate.MigrationFixture.readAll;
import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.broker.DLogBroker;
import io.dlog.kafka.config.BrokerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A source cluster that takes only SASL clients (SASL_PLAINTEXT, PLAIN): the tool reads it with {@code
 * --source-config}, and the target's brokers, which copy the records themselves, with their {@code
 * dlog.mirror.source.*} settings (the source has no other listener, so a PLAINTEXT connection could copy nothing).
 */
class SaslSourceMigrationTest {
    private static final String USERS = "org.apache.kafka.common.security.plain.PlainLoginModule required "
            + "username=\"admin\" password=\"admin-secret\" user_admin=\"admin-secret\" user_mirror=\"mirror-secret\";";
    private static final String MIRROR_LOGIN = "org.apache.kafka.common.security.plain.PlainLoginModule required "
            + "username=\"mirror\" password=\"mirror-secret\";";

    @TempDir
    Path dir;

    @Test
    void shouldMigrateFromASaslOnlySourceWithTheBrokersSourceSettings() throws Exception {
        // Given: a source whose only client listener is SASL_PLAINTEXT, with records in a topic
        try (DLogBroker from = DLogBroker.start(BrokerConfig.parse(sourceConfig(dir.resolve("from"))));
             DLogBroker to = DLogBroker.start(BrokerConfig.parse(targetConfig(dir.resolve("to"))))) {
            String source = "127.0.0.1:" + from.port();
            Properties client = saslClient(source);
            try (Admin admin = Admin.create(client)) {
                admin.createTopics(List.of(new NewTopic("secured", 2, (short) 1))).all().get();
            }
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(client, new StringSerializer(), new StringSerializer())) {
                for (int i = 0; i < 40; i++) {
                    producer.send(new ProducerRecord<>("secured", i % 2, "k" + i, "v" + i)).get();
                }
            }
            Path sourceConfig = dir.resolve("source.properties");
            Files.writeString(sourceConfig, "security.protocol=SASL_PLAINTEXT\nsasl.mechanism=PLAIN\nsasl.jaas.config="
                    + MIRROR_LOGIN + "\n");

            // When
            String[] args = {"--source", source, "--source-config", sourceConfig.toString(), "--target",
                    to.bootstrapServers(), "--topics", "secured"};
            MigrationFixture.Outcome run = migrate(concat("run", args));
            MigrationFixture.Outcome verify = migrate(concat("verify", args));

            // Then: the same records at the same offsets
            assertThat(run.exitCode()).as(run.toString()).isZero();
            assertThat(verify.exitCode()).as(verify.toString()).isZero();
            for (int p = 0; p < 2; p++) {
                TopicPartition tp = new TopicPartition("secured", p);
                assertThat(readAll(to.bootstrapServers(), tp)).hasSize(20);
            }
        }
    }

    private static Map<String, String> sourceConfig(Path data) throws Exception {
        Map<String, String> values = MigrationFixture.nodeConfig(data);
        values.put(BrokerConfig.LISTENERS, "SASL_PLAINTEXT://127.0.0.1:0");
        values.put(BrokerConfig.ADVERTISED_LISTENERS, "SASL_PLAINTEXT://127.0.0.1:0");
        values.put("sasl.enabled.mechanisms", "PLAIN");
        values.put("listener.name.sasl_plaintext.plain.sasl.jaas.config", USERS);
        return values;
    }

    private static Map<String, String> targetConfig(Path data) throws Exception {
        Map<String, String> values = MigrationFixture.nodeConfig(data);
        values.put(BrokerConfig.MIRROR_SOURCE_PREFIX + CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_PLAINTEXT");
        values.put(BrokerConfig.MIRROR_SOURCE_PREFIX + SaslConfigs.SASL_MECHANISM, "PLAIN");
        values.put(BrokerConfig.MIRROR_SOURCE_PREFIX + SaslConfigs.SASL_JAAS_CONFIG, MIRROR_LOGIN);
        return values;
    }

    private static Properties saslClient(String bootstrap) {
        Properties props = new Properties();
        props.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_PLAINTEXT");
        props.put(SaslConfigs.SASL_MECHANISM, "PLAIN");
        props.put(SaslConfigs.SASL_JAAS_CONFIG, MIRROR_LOGIN);
        return props;
    }

    private static String[] concat(String command, String[] rest) {
        String[] all = new String[rest.length + 1];
        all[0] = command;
        System.arraycopy(rest, 0, all, 1, rest.length);
        return all;
    }
}
