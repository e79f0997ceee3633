package io.dlog.compat.tools;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.compat.DLogBrokerExtension;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Kafka's kafka-configs (kafka.admin.ConfigCommand, kafka_2.13 4.3.1) on topic configs. */
class ConfigCommandTest {
    @RegisterExtension
    static final DLogBrokerExtension DLOG = new DLogBrokerExtension();

    private static final String CONFIG_COMMAND = "kafka.admin.ConfigCommand";
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @Test
    void shouldAlterATopicConfigWithKafkaConfigs() throws Exception {
        // Given
        String topic = DLOG.newTopic(1);

        // When
        ChildJvm.Result result = configs("--entity-type", "topics", "--entity-name", topic,
                "--alter", "--add-config", "retention.ms=86400000");

        // Then
        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(result.stdout()).contains("Completed updating config for topic " + topic);
        ConfigEntry entry = topicConfig(topic, "retention.ms");
        assertThat(entry.value()).isEqualTo("86400000");
        assertThat(entry.source()).isEqualTo(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG);
    }

    @Test
    void shouldDescribeATopicConfigWithKafkaConfigs() throws Exception {
        // Given
        String topic = DLOG.newTopic(1, Map.of("retention.ms", "7200000", "cleanup.policy", "delete"));

        // When
        ChildJvm.Result result = configs("--entity-type", "topics", "--entity-name", topic, "--describe");

        // Then
        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(result.stdout()).contains("Dynamic configs for topic " + topic)
                .contains("retention.ms=7200000").contains("cleanup.policy=delete");
    }

    @Test
    void shouldDeleteATopicConfigWithKafkaConfigs() throws Exception {
        // Given
        String topic = DLOG.newTopic(1);
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        try (Admin admin = DLOG.admin()) {
            admin.incrementalAlterConfigs(Map.of(resource, List.of(new AlterConfigOp(
                    new ConfigEntry("retention.ms", "1234567"), AlterConfigOp.OpType.SET)))).all().get(30, TimeUnit.SECONDS);
        }

        // When
        ChildJvm.Result result = configs("--entity-type", "topics", "--entity-name", topic,
                "--alter", "--delete-config", "retention.ms");

        // Then
        assertThat(result.exitCode()).as(result.toString()).isZero();
        ConfigEntry entry = topicConfig(topic, "retention.ms");
        assertThat(entry.value()).isNotEqualTo("1234567");
        assertThat(entry.source()).isNotEqualTo(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG);
    }

    @Test
    void shouldRefuseAnInvalidTopicConfigValue() throws Exception {
        // Given
        String topic = DLOG.newTopic(1);

        // When
        ChildJvm.Result result = configs("--entity-type", "topics", "--entity-name", topic,
                "--alter", "--add-config", "cleanup.policy=sometimes");

        // Then
        assertThat(result.exitCode()).as(result.toString()).isNotZero();
        assertThat(topicConfig(topic, "cleanup.policy").value()).isEqualTo("delete");
    }

    private static ChildJvm.Result configs(String... args) throws Exception {
        String[] all = new String[args.length + 2];
        all[0] = "--bootstrap-server";
        all[1] = DLOG.bootstrapServers();
        System.arraycopy(args, 0, all, 2, args.length);
        return ChildJvm.run(TIMEOUT, CONFIG_COMMAND, all);
    }

    private static ConfigEntry topicConfig(String topic, String name) throws Exception {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        try (Admin admin = DLOG.admin()) {
            return admin.describeConfigs(List.of(resource)).all().get(30, TimeUnit.SECONDS).get(resource).get(name);
        }
    }
}
