package io.dlog.kafka.handlers.admin;

import static io.dlog.kafka.handlers.admin.AdminTestBroker.call;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.message.AlterConfigsRequestData;
import org.apache.kafka.common.message.AlterConfigsRequestData.AlterConfigsResource;
import org.apache.kafka.common.message.AlterConfigsRequestData.AlterableConfig;
import org.apache.kafka.common.message.AlterConfigsResponseData;
import org.apache.kafka.common.message.AlterConfigsResponseData.AlterConfigsResourceResponse;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The legacy AlterConfigs: replaces every override of the resource. */
class AlterConfigsHandlerTest {
    @TempDir
    Path dir;
    private AdminTestBroker broker;
    private AlterConfigsHandler handler;

    @BeforeEach
    void setUp() throws Exception {
        broker = AdminTestBroker.open(dir);
        handler = new AlterConfigsHandler(broker.context, new ConfigChangeQueue());
        broker.createTopic("altered", 1, Map.of("cleanup.policy", "compact", "retention.ms", "1000"));
    }

    @AfterEach
    void tearDown() throws Exception {
        broker.close();
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2})
    void shouldReplaceAllTopicOverrides(int version) {
        AlterConfigsResponseData response = call(handler::handle, version, request(false,
                resource(ConfigResource.Type.TOPIC, "altered", Map.of("segment.ms", "60000"))));

        response = AdminTestBroker.roundTrip(ApiKeys.ALTER_CONFIGS, version, response);
        assertThat(response.responses().get(0).errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(broker.topics.image().topic("altered").orElseThrow().configs())
                .containsExactly(Map.entry("segment.ms", "60000"));
        assertThat(broker.topics.partition("altered", 0).orElseThrow().config().segmentMs()).isEqualTo(60_000L);
        assertThat(broker.topics.partition("altered", 0).orElseThrow().config().compact()).isFalse();
    }

    @Test
    void shouldReplaceAGroupsOverridesAsKafka4Does() {
        call(handler::handle, 2, request(false, resource(ConfigResource.Type.GROUP, "g",
                Map.of("share.auto.offset.reset", "earliest", "share.isolation.level", "read_committed"))));
        AlterConfigsResponseData replaced = call(handler::handle, 2, request(false, resource(ConfigResource.Type.GROUP, "g",
                Map.of("share.record.lock.duration.ms", "20000"))));
        AlterConfigsResponseData refused = call(handler::handle, 2, request(false,
                resource(ConfigResource.Type.GROUP, "g", Map.of("share.record.lock.duration.ms", "1000")),
                resource(ConfigResource.Type.GROUP, "", Map.of())));

        assertThat(replaced.responses().get(0).errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(broker.topics.image().groupConfigs("g")).containsExactly(Map.entry("share.record.lock.duration.ms", "20000"));
        assertThat(refused.responses().get(0).errorCode()).isEqualTo(Errors.INVALID_CONFIG.code());
        assertThat(refused.responses().get(0).errorMessage()).contains("group.share.min.record.lock.duration.ms");
        assertThat(refused.responses().get(1).errorCode()).isEqualTo(Errors.INVALID_REQUEST.code());
    }

    @Test
    void shouldHonourValidateOnly() {
        AlterConfigsResponseData response = call(handler::handle, 2, request(true,
                resource(ConfigResource.Type.TOPIC, "altered", Map.of("segment.ms", "60000"))));

        assertThat(response.responses().get(0).errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(broker.topics.image().topic("altered").orElseThrow().configs())
                .containsEntry("cleanup.policy", "compact").doesNotContainKey("segment.ms");
    }

    @Test
    void shouldRefuseInvalidAndUnknownConfigs() {
        AlterConfigsResponseData response = call(handler::handle, 2, request(false,
                resource(ConfigResource.Type.TOPIC, "altered", Map.of("segment.ms", "-3")),
                resource(ConfigResource.Type.TOPIC, "missing", Map.of("segment.ms", "1000"))));
        AlterConfigsResponseData unknown = call(handler::handle, 2, request(false,
                resource(ConfigResource.Type.TOPIC, "altered", Map.of("bogus", "1"))));

        assertThat(response.responses().get(0).errorCode()).isEqualTo(Errors.INVALID_CONFIG.code());
        assertThat(response.responses().get(0).errorMessage()).contains("segment.ms");
        assertThat(response.responses().get(1).errorCode()).isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
        assertThat(unknown.responses().get(0).errorCode()).isEqualTo(Errors.INVALID_CONFIG.code());
        assertThat(unknown.responses().get(0).errorMessage()).contains("Unknown topic config name: bogus");
        assertThat(broker.topics.image().topic("altered").orElseThrow().configs()).containsEntry("retention.ms", "1000");
    }

    @Test
    void shouldReplaceDynamicBrokerConfigs() {
        broker.topics.setBrokerConfigs(1, Map.of("log.retention.ms", "5000"), io.dlog.kafka.topic.TopicService.DEFAULT_PROPOSAL_TIMEOUT).join();

        AlterConfigsResponseData response = call(handler::handle, 2, request(false,
                resource(ConfigResource.Type.BROKER, "1", Map.of("log.segment.bytes", "2097152"))));

        assertThat(response.responses().get(0).errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(broker.topics.brokerConfig().dynamicValues()).containsExactly(Map.entry("log.segment.bytes", "2097152"));
        assertThat(broker.topics.image().nodeConfigs().get(1)).containsExactly(Map.entry("log.segment.bytes", "2097152"));
    }

    @Test
    void shouldRefuseStaticBrokerKeysAsKafkaDoes() {
        AlterConfigsResponseData response = call(handler::handle, 2, request(false,
                resource(ConfigResource.Type.BROKER, "1", Map.of("num.partitions", "4"))));

        AlterConfigsResourceResponse result = response.responses().get(0);
        assertThat(result.errorCode()).isEqualTo(Errors.INVALID_REQUEST.code());
        assertThat(result.errorMessage()).contains("Cannot update these configs dynamically: [num.partitions]");
        assertThat(broker.topics.brokerConfig().dynamicValues()).isEmpty();
    }

    @Test
    void shouldRefuseTheSameResourceTwice() {
        AlterConfigsResponseData response = call(handler::handle, 2, request(false,
                resource(ConfigResource.Type.TOPIC, "altered", Map.of("segment.ms", "60000")),
                resource(ConfigResource.Type.TOPIC, "altered", Map.of("segment.ms", "70000"))));

        assertThat(response.responses()).hasSize(1);
        assertThat(response.responses().get(0).errorCode()).isEqualTo(Errors.INVALID_REQUEST.code());
    }

    private static AlterConfigsResource resource(ConfigResource.Type type, String name, Map<String, String> configs) {
        AlterConfigsResource resource = new AlterConfigsResource().setResourceType(type.id()).setResourceName(name);
        configs.forEach((key, value) -> resource.configs().add(new AlterableConfig().setName(key).setValue(value)));
        return resource;
    }

    private static AlterConfigsRequestData request(boolean validateOnly, AlterConfigsResource... resources) {
        AlterConfigsRequestData request = new AlterConfigsRequestData().setValidateOnly(validateOnly);
        for (AlterConfigsResource resource : List.of(resources)) {
            request.resources().add(resource);
        }
        return request;
    }
}
