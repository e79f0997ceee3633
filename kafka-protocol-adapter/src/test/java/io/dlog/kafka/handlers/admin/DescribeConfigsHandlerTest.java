package io.dlog.kafka.handlers.admin;

import static io.dlog.kafka.handlers.admin.AdminTestBroker.call;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.message.DescribeConfigsRequestData;
import org.apache.kafka.common.message.DescribeConfigsRequestData.DescribeConfigsResource;
import org.apache.kafka.common.message.DescribeConfigsResponseData;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsResourceResult;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsResult;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsSynonym;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DescribeConfigsResponse.ConfigSource;
import org.apache.kafka.common.requests.DescribeConfigsResponse.ConfigType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DescribeConfigsHandlerTest {
    @TempDir
    Path dir;
    private AdminTestBroker broker;
    private DescribeConfigsHandler handler;

    @BeforeEach
    void setUp() throws Exception {
        broker = AdminTestBroker.open(dir, Map.of("log.retention.hours", "24", "log.segment.bytes", "2097152"));
        handler = new DescribeConfigsHandler(broker.context);
        broker.createTopic("described", 1, Map.of("cleanup.policy", "compact", "max.message.bytes", "2048"));
        broker.topics.setBrokerConfigs(-1, Map.of("log.segment.bytes", "4194304"), io.dlog.kafka.topic.TopicService.DEFAULT_PROPOSAL_TIMEOUT).join();
    }

    @AfterEach
    void tearDown() throws Exception {
        broker.close();
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4})
    void shouldDescribeTopicWithSourcesInEveryVersion(int version) {
        DescribeConfigsResponseData response = call(handler::handle, version, request(true, true,
                resource(ConfigResource.Type.TOPIC, "described", null)));

        DescribeConfigsResult result = AdminTestBroker.roundTrip(ApiKeys.DESCRIBE_CONFIGS, version, response).results().get(0);
        assertThat(result.errorCode()).isEqualTo(Errors.NONE.code());
        DescribeConfigsResourceResult policy = entry(result, "cleanup.policy");
        assertThat(policy.value()).isEqualTo("compact");
        assertThat(policy.configSource()).isEqualTo(ConfigSource.TOPIC_CONFIG.id());
        assertThat(policy.readOnly()).isFalse();
        assertThat(policy.isSensitive()).isFalse();
        assertThat(entry(result, "retention.ms").value()).isEqualTo("86400000");
        assertThat(entry(result, "retention.ms").configSource()).isEqualTo(ConfigSource.STATIC_BROKER_CONFIG.id());
        assertThat(entry(result, "segment.bytes").value()).isEqualTo("4194304");
        // set as the cluster-wide default (resource ""), which Kafka names as the source
        assertThat(entry(result, "segment.bytes").configSource()).isEqualTo(ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG.id());
        assertThat(entry(result, "segment.ms").configSource()).isEqualTo(ConfigSource.DEFAULT_CONFIG.id());
        if (version >= 3) {
            assertThat(policy.configType()).isEqualTo(ConfigType.LIST.id());
            assertThat(entry(result, "retention.ms").configType()).isEqualTo(ConfigType.LONG.id());
            assertThat(policy.documentation()).isNotBlank();
        }
    }

    @Test
    void shouldListSynonymsMostSpecificFirst() {
        DescribeConfigsResult result = call(handler::handle, 4, request(true, false,
                resource(ConfigResource.Type.TOPIC, "described", null))).results().get(0);

        assertThat(entry(result, "max.message.bytes").synonyms()).extracting(s -> s.name() + "=" + s.value() + "@" + s.source())
                .containsExactly("max.message.bytes=2048@" + ConfigSource.TOPIC_CONFIG.id(),
                        "message.max.bytes=1048588@" + ConfigSource.DEFAULT_CONFIG.id());
        List<DescribeConfigsSynonym> segment = entry(result, "segment.bytes").synonyms();
        assertThat(segment).extracting(DescribeConfigsSynonym::source).containsExactly(
                ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG.id(), ConfigSource.STATIC_BROKER_CONFIG.id(),
                ConfigSource.DEFAULT_CONFIG.id());
        assertThat(segment).extracting(DescribeConfigsSynonym::value).containsExactly("4194304", "2097152", "1073741824");
        assertThat(entry(result, "retention.ms").synonyms()).extracting(DescribeConfigsSynonym::name)
                .containsExactly("log.retention.hours", "log.retention.hours");
        assertThat(entry(result, "retention.ms").documentation()).isNull();
    }

    @Test
    void shouldLeaveSynonymsOutWhenNotAsked() {
        DescribeConfigsResult result = call(handler::handle, 4, request(false, false,
                resource(ConfigResource.Type.TOPIC, "described", null))).results().get(0);

        assertThat(result.configs()).allMatch(c -> c.synonyms().isEmpty());
    }

    @Test
    void shouldFilterRequestedKeys() {
        DescribeConfigsResult result = call(handler::handle, 4, request(false, false,
                resource(ConfigResource.Type.TOPIC, "described", List.of("retention.ms", "no.such.key")))).results().get(0);

        assertThat(result.configs()).extracting(DescribeConfigsResourceResult::name).containsExactly("retention.ms");
    }

    @Test
    void shouldAnswerUnknownTopicAndUnsupportedResourcesPerResource() {
        DescribeConfigsResponseData response = call(handler::handle, 4, request(false, false,
                resource(ConfigResource.Type.TOPIC, "missing", null),
                resource(ConfigResource.Type.BROKER_LOGGER, "1", null),
                resource(ConfigResource.Type.GROUP, "", null),
                resource(ConfigResource.Type.BROKER, "2", null),
                resource(ConfigResource.Type.TOPIC, "described", List.of("retention.ms"))));

        List<DescribeConfigsResult> results = response.results();
        assertThat(results.get(0).errorCode()).isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
        assertThat(results.get(1).errorCode()).isEqualTo(Errors.INVALID_REQUEST.code());
        assertThat(results.get(1).errorMessage()).contains("BROKER_LOGGER");
        assertThat(results.get(2).errorCode()).isEqualTo(Errors.INVALID_REQUEST.code()); // the empty group name, as Kafka
        assertThat(results.get(2).errorMessage()).isEqualTo("Group name must not be empty");
        assertThat(results.get(3).errorCode()).isEqualTo(Errors.INVALID_REQUEST.code());
        assertThat(results.get(3).errorMessage()).contains("Unexpected broker id");
        assertThat(results.get(4).errorCode()).isEqualTo(Errors.NONE.code());
    }

    @Test
    void shouldDescribeBrokerByNodeId() {
        DescribeConfigsResult result = call(handler::handle, 4, request(true, true,
                resource(ConfigResource.Type.BROKER, "1", null))).results().get(0);

        assertThat(result.errorCode()).isEqualTo(Errors.NONE.code());
        DescribeConfigsResourceResult segment = entry(result, "log.segment.bytes");
        assertThat(segment.value()).isEqualTo("4194304");
        assertThat(segment.configSource()).isEqualTo(ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG.id());
        assertThat(segment.readOnly()).isFalse();
        DescribeConfigsResourceResult hours = entry(result, "log.retention.hours");
        assertThat(hours.value()).isEqualTo("24");
        assertThat(hours.configSource()).isEqualTo(ConfigSource.STATIC_BROKER_CONFIG.id());
        assertThat(hours.readOnly()).isTrue();
        DescribeConfigsResourceResult retentionMs = entry(result, "log.retention.ms");
        assertThat(retentionMs.value()).isNull();
        assertThat(retentionMs.readOnly()).isFalse();
        // As Kafka: a key's synonym list starts at the key itself, so log.retention.ms does not claim
        // log.retention.hours' source.
        assertThat(retentionMs.synonyms()).isEmpty();
        assertThat(retentionMs.configSource()).isEqualTo(ConfigSource.DEFAULT_CONFIG.id());
        DescribeConfigsResourceResult nodeId = entry(result, "node.id");
        assertThat(nodeId.value()).isEqualTo("1");
        assertThat(nodeId.readOnly()).isTrue();
        assertThat(nodeId.configType()).isEqualTo(ConfigType.INT.id());
        assertThat(nodeId.documentation()).isNotBlank();
        assertThat(entry(result, "num.network.threads").configSource()).isEqualTo(ConfigSource.DEFAULT_CONFIG.id());
    }

    @Test
    void shouldDescribeClusterDefaultAsTheDynamicLayer() {
        DescribeConfigsResult result = call(handler::handle, 4, request(true, false,
                resource(ConfigResource.Type.BROKER, "", null))).results().get(0);

        assertThat(result.errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(result.configs()).extracting(DescribeConfigsResourceResult::name).containsExactly("log.segment.bytes");
        assertThat(result.configs().get(0).configSource()).isEqualTo(ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG.id());
    }

    @Test
    void shouldListNodeOverridesBeforeClusterDefaultsWithTheirOwnSources() {
        // Given log.segment.bytes set both as the cluster default and on this node
        broker.topics.setBrokerConfigs(1, Map.of("log.segment.bytes", "8388608"),
                io.dlog.kafka.topic.TopicService.DEFAULT_PROPOSAL_TIMEOUT).join();

        // When
        DescribeConfigsResult node = call(handler::handle, 4, request(true, false,
                resource(ConfigResource.Type.BROKER, "1", List.of("log.segment.bytes")))).results().get(0);
        DescribeConfigsResult clusterDefault = call(handler::handle, 4, request(true, false,
                resource(ConfigResource.Type.BROKER, "", null))).results().get(0);

        // Then: Kafka's order, the node's own value first
        DescribeConfigsResourceResult segment = entry(node, "log.segment.bytes");
        assertThat(segment.value()).isEqualTo("8388608");
        assertThat(segment.synonyms()).extracting(s -> s.value() + "@" + s.source()).containsExactly(
                "8388608@" + ConfigSource.DYNAMIC_BROKER_CONFIG.id(), "4194304@" + ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG.id(),
                "2097152@" + ConfigSource.STATIC_BROKER_CONFIG.id(), "1073741824@" + ConfigSource.DEFAULT_CONFIG.id());
        assertThat(entry(clusterDefault, "log.segment.bytes").value()).isEqualTo("4194304");
    }

    @Test
    void shouldDescribeReplicationThrottlesOnlyWhenSetWithTheirSource() {
        // Given the leader rate set on this node, the follower rate as the cluster default
        broker.topics.setBrokerConfigs(1, Map.of("leader.replication.throttled.rate", "500000"),
                io.dlog.kafka.topic.TopicService.DEFAULT_PROPOSAL_TIMEOUT).join();
        broker.topics.setBrokerConfigs(-1, Map.of("log.segment.bytes", "4194304", "follower.replication.throttled.rate",
                "700000"), io.dlog.kafka.topic.TopicService.DEFAULT_PROPOSAL_TIMEOUT).join();

        // When
        DescribeConfigsResult node = call(handler::handle, 4, request(true, true,
                resource(ConfigResource.Type.BROKER, "1", null))).results().get(0);
        DescribeConfigsResult clusterDefault = call(handler::handle, 4, request(true, false,
                resource(ConfigResource.Type.BROKER, "", null))).results().get(0);

        // Then
        DescribeConfigsResourceResult leader = entry(node, "leader.replication.throttled.rate");
        assertThat(leader.value()).isEqualTo("500000");
        assertThat(leader.configSource()).isEqualTo(ConfigSource.DYNAMIC_BROKER_CONFIG.id());
        assertThat(leader.configType()).isEqualTo(ConfigType.LONG.id());
        assertThat(leader.readOnly()).isTrue(); // Kafka's answer: its quota configs are not "reconfigurable" ones
        DescribeConfigsResourceResult follower = entry(node, "follower.replication.throttled.rate");
        assertThat(follower.value()).isEqualTo("700000");
        assertThat(follower.configSource()).isEqualTo(ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG.id());
        assertThat(node.configs()).extracting(DescribeConfigsResourceResult::name)
                .doesNotContain("replica.alter.log.dirs.io.max.bytes.per.second");
        assertThat(clusterDefault.configs()).extracting(DescribeConfigsResourceResult::name)
                .containsExactly("follower.replication.throttled.rate", "log.segment.bytes");
    }

    @Test
    void shouldDescribeTheThrottledReplicasOfATopic() {
        broker.createTopic("throttled", 2, Map.of("leader.replication.throttled.replicas", "0:1,1:2"));

        DescribeConfigsResult result = call(handler::handle, 4, request(false, false,
                resource(ConfigResource.Type.TOPIC, "throttled", null))).results().get(0);

        DescribeConfigsResourceResult leader = entry(result, "leader.replication.throttled.replicas");
        assertThat(leader.value()).isEqualTo("0:1,1:2");
        assertThat(leader.configSource()).isEqualTo(ConfigSource.TOPIC_CONFIG.id());
        DescribeConfigsResourceResult follower = entry(result, "follower.replication.throttled.replicas");
        assertThat(follower.value()).isEmpty();
        assertThat(follower.configSource()).isEqualTo(ConfigSource.DEFAULT_CONFIG.id());
    }

    static DescribeConfigsResourceResult entry(DescribeConfigsResult result, String name) {
        return result.configs().stream().filter(c -> c.name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no entry " + name));
    }

    static DescribeConfigsResource resource(ConfigResource.Type type, String name, List<String> keys) {
        return new DescribeConfigsResource().setResourceType(type.id()).setResourceName(name).setConfigurationKeys(keys);
    }

    static DescribeConfigsRequestData request(boolean synonyms, boolean documentation, DescribeConfigsResource... resources) {
        return new DescribeConfigsRequestData().setIncludeSynonyms(synonyms).setIncludeDocumentation(documentation)
                .setResources(List.of(resources));
    }
}
