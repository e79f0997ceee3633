package io.dlog.compat.admin;

import static io.dlog.compat.admin.AdminTopicsTest.assertCause;
import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.compat.DLogBrokerExtension;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.AlterConfigsOptions;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.DescribeConfigsOptions;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** DescribeConfigs and IncrementalAlterConfigs on topics and the broker, through the Kafka 4.x Admin client. */
class AdminConfigsTest {
    @RegisterExtension
    static final DLogBrokerExtension DLOG = new DLogBrokerExtension().with("log.retention.hours", "24");

    private Admin admin;

    @BeforeEach
    void setUp() {
        admin = DLOG.admin();
    }

    @AfterEach
    void tearDown() {
        admin.close();
    }

    @Test
    void shouldDescribeTopicConfigsWithSourcesSynonymsTypesAndDocs() throws Exception {
        String topic = DLOG.newTopic(1, Map.of("cleanup.policy", "compact"));

        Config config = describe(topic(topic), new DescribeConfigsOptions().includeSynonyms(true).includeDocumentation(true));

        ConfigEntry policy = config.get("cleanup.policy");
        assertThat(policy.value()).isEqualTo("compact");
        assertThat(policy.source()).isEqualTo(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG);
        assertThat(policy.type()).isEqualTo(ConfigEntry.ConfigType.LIST);
        assertThat(policy.documentation()).isNotBlank();
        assertThat(policy.synonyms()).extracting(ConfigEntry.ConfigSynonym::source).containsExactly(
                ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG, ConfigEntry.ConfigSource.DEFAULT_CONFIG);
        ConfigEntry retention = config.get("retention.ms");
        assertThat(retention.value()).isEqualTo("86400000");
        assertThat(retention.source()).isEqualTo(ConfigEntry.ConfigSource.STATIC_BROKER_CONFIG);
        assertThat(retention.synonyms().get(0).name()).isEqualTo("log.retention.hours");
        assertThat(retention.type()).isEqualTo(ConfigEntry.ConfigType.LONG);
        assertThat(config.get("segment.bytes").source()).isEqualTo(ConfigEntry.ConfigSource.DEFAULT_CONFIG);
        assertThat(config.get("segment.bytes").isReadOnly()).isFalse();
    }

    @Test
    void shouldDescribeTheBroker() throws Exception {
        Config config = describe(broker(), new DescribeConfigsOptions().includeSynonyms(true));

        assertThat(config.get("log.retention.hours").value()).isEqualTo("24");
        assertThat(config.get("log.retention.hours").source()).isEqualTo(ConfigEntry.ConfigSource.STATIC_BROKER_CONFIG);
        assertThat(config.get("log.retention.hours").isReadOnly()).isTrue();
        assertThat(config.get("log.segment.bytes").isReadOnly()).isFalse();
        assertThat(config.get("node.id").value()).isEqualTo(Integer.toString(DLOG.broker().config().nodeId()));
        assertThat(config.get("num.partitions").source()).isEqualTo(ConfigEntry.ConfigSource.DEFAULT_CONFIG);
    }

    @Test
    void shouldSetDeleteAppendAndSubtractTopicConfigs() throws Exception {
        String topic = DLOG.newTopic(1, Map.of("segment.ms", "3600000"));
        ConfigResource resource = topic(topic);

        alter(resource, op("retention.ms", "60000", AlterConfigOp.OpType.SET),
                op("segment.ms", null, AlterConfigOp.OpType.DELETE),
                op("cleanup.policy", "compact", AlterConfigOp.OpType.APPEND));
        Config afterFirst = describe(resource, new DescribeConfigsOptions());
        alter(resource, op("cleanup.policy", "delete", AlterConfigOp.OpType.SUBTRACT));
        Config afterSecond = describe(resource, new DescribeConfigsOptions());

        assertThat(afterFirst.get("retention.ms").value()).isEqualTo("60000");
        assertThat(afterFirst.get("segment.ms").source()).isEqualTo(ConfigEntry.ConfigSource.DEFAULT_CONFIG);
        assertThat(afterFirst.get("cleanup.policy").value()).isEqualTo("delete,compact");
        assertThat(afterSecond.get("cleanup.policy").value()).isEqualTo("compact");
        assertThat(afterSecond.get("retention.ms").value()).isEqualTo("60000");
    }

    @Test
    void shouldHonourValidateOnly() throws Exception {
        String topic = DLOG.newTopic(1);

        admin.incrementalAlterConfigs(Map.of(topic(topic), List.of(op("retention.ms", "1000", AlterConfigOp.OpType.SET))),
                new AlterConfigsOptions().validateOnly(true)).all().get(30, TimeUnit.SECONDS);

        assertThat(describe(topic(topic), new DescribeConfigsOptions()).get("retention.ms").value()).isEqualTo("86400000");
    }

    @Test
    void shouldRefuseBadAlterationsWithKafkasExceptions() {
        String topic = DLOG.newTopic(1);

        assertCause(alterFuture(topic(topic), op("retention.ms", "forever", AlterConfigOp.OpType.SET)),
                InvalidConfigurationException.class, "retention.ms");
        assertCause(alterFuture(topic(topic), op("no.such.config", "1", AlterConfigOp.OpType.SET)),
                InvalidConfigurationException.class, "no.such.config");
        assertCause(alterFuture(topic(topic), op("retention.ms", "1", AlterConfigOp.OpType.APPEND)),
                InvalidConfigurationException.class);
        assertCause(alterFuture(topic("missing-topic"), op("retention.ms", "1", AlterConfigOp.OpType.SET)),
                UnknownTopicOrPartitionException.class);
        assertCause(alterFuture(broker(), op("num.partitions", "5", AlterConfigOp.OpType.SET)),
                InvalidRequestException.class, "Cannot update these configs dynamically");
        assertCause(admin.describeConfigs(List.of(topic("missing-topic"))).all(), UnknownTopicOrPartitionException.class);
    }

    @Test
    void shouldApplyDynamicBrokerDefaultsToTopics() throws Exception {
        String topic = DLOG.newTopic(1);
        try {
            alter(broker(), op("log.retention.ms", "7200000", AlterConfigOp.OpType.SET));

            ConfigEntry retention = describe(topic(topic), new DescribeConfigsOptions()).get("retention.ms");
            assertThat(retention.value()).isEqualTo("7200000");
            assertThat(retention.source()).isEqualTo(ConfigEntry.ConfigSource.DYNAMIC_BROKER_CONFIG);
            assertThat(describe(broker(), new DescribeConfigsOptions()).get("log.retention.ms").source())
                    .isEqualTo(ConfigEntry.ConfigSource.DYNAMIC_BROKER_CONFIG);
            // As Kafka: the cluster default ("") lists what is set there, not a node's own override
            assertThat(describe(new ConfigResource(ConfigResource.Type.BROKER, ""), new DescribeConfigsOptions())
                    .get("log.retention.ms")).isNull();
        } finally {
            alter(broker(), op("log.retention.ms", null, AlterConfigOp.OpType.DELETE));
        }
        assertThat(describe(topic(topic), new DescribeConfigsOptions()).get("retention.ms").value()).isEqualTo("86400000");
    }

    private Config describe(ConfigResource resource, DescribeConfigsOptions options) throws Exception {
        return admin.describeConfigs(List.of(resource), options).all().get(30, TimeUnit.SECONDS).get(resource);
    }

    private void alter(ConfigResource resource, AlterConfigOp... ops) throws Exception {
        alterFuture(resource, ops).get(30, TimeUnit.SECONDS);
    }

    private org.apache.kafka.common.KafkaFuture<Void> alterFuture(ConfigResource resource, AlterConfigOp... ops) {
        Collection<AlterConfigOp> list = List.of(ops);
        return admin.incrementalAlterConfigs(Map.of(resource, list)).all();
    }

    private static AlterConfigOp op(String name, String value, AlterConfigOp.OpType type) {
        return new AlterConfigOp(new ConfigEntry(name, value), type);
    }

    private static ConfigResource topic(String name) {
        return new ConfigResource(ConfigResource.Type.TOPIC, name);
    }

    private static ConfigResource broker() {
        return new ConfigResource(ConfigResource.Type.BROKER, Integer.toString(DLOG.broker().config().nodeId()));
    }
}
