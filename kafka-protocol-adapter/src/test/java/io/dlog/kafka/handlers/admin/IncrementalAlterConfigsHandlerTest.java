package io.dlog.kafka.handlers.admin;

import static io.dlog.kafka.handlers.admin.AdminTestBroker.call;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.AlterConfigOp.OpType;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData.AlterConfigsResource;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData.AlterableConfig;
import org.apache.kafka.common.message.IncrementalAlterConfigsResponseData;
import org.apache.kafka.common.message.IncrementalAlterConfigsResponseData.AlterConfigsResourceResponse;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IncrementalAlterConfigsHandlerTest {
    @TempDir
    Path dir;
    private AdminTestBroker broker;
    private IncrementalAlterConfigsHandler handler;

    @BeforeEach
    void setUp() throws Exception {
        broker = AdminTestBroker.open(dir);
        handler = new IncrementalAlterConfigsHandler(broker.context, new ConfigChangeQueue());
        broker.createTopic("inc", 1, Map.of("retention.ms", "1000", "segment.ms", "2000"));
    }

    @AfterEach
    void tearDown() throws Exception {
        broker.close();
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1})
    void shouldSetAndDeleteKeepingTheRest(int version) {
        IncrementalAlterConfigsResponseData response = call(handler::handle, version, request(false, topic("inc",
                op("retention.ms", OpType.SET, "5000"), op("segment.ms", OpType.DELETE, null),
                op("max.message.bytes", OpType.SET, "4096"))));

        response = AdminTestBroker.roundTrip(ApiKeys.INCREMENTAL_ALTER_CONFIGS, version, response);
        assertThat(response.responses().get(0).errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(overrides()).containsOnly(Map.entry("retention.ms", "5000"), Map.entry("max.message.bytes", "4096"));
        assertThat(broker.topics.partition("inc", 0).orElseThrow().config().maxMessageBytes()).isEqualTo(4096);
    }

    @Test
    void shouldAppendAndSubtractListValues() {
        assertOk(call(handler::handle, 1, request(false, topic("inc", op("cleanup.policy", OpType.APPEND, "compact")))));
        assertThat(overrides()).containsEntry("cleanup.policy", "delete,compact");
        assertOk(call(handler::handle, 1, request(false, topic("inc", op("cleanup.policy", OpType.APPEND, "compact")))));
        assertThat(overrides()).containsEntry("cleanup.policy", "delete,compact");

        assertOk(call(handler::handle, 1, request(false, topic("inc", op("cleanup.policy", OpType.SUBTRACT, "delete")))));

        assertThat(overrides()).containsEntry("cleanup.policy", "compact");
        assertThat(broker.topics.partition("inc", 0).orElseThrow().config().compact()).isTrue();
        assertThat(broker.topics.partition("inc", 0).orElseThrow().config().delete()).isFalse();
    }

    @Test
    void shouldRefuseAppendToNonListKey() {
        AlterConfigsResourceResponse result = call(handler::handle, 1,
                request(false, topic("inc", op("retention.ms", OpType.APPEND, "1")))).responses().get(0);

        assertThat(result.errorCode()).isEqualTo(Errors.INVALID_CONFIG.code());
        assertThat(result.errorMessage()).contains("not LIST");
    }

    @Test
    void shouldRefuseInvalidValuesUnknownKeysDuplicatesAndNulls() {
        IncrementalAlterConfigsResponseData response = call(handler::handle, 1, request(false,
                topic("inc", op("retention.ms", OpType.SET, "forever"))));
        IncrementalAlterConfigsResponseData unknown = call(handler::handle, 1, request(false,
                topic("inc", op("bogus", OpType.DELETE, null))));
        IncrementalAlterConfigsResponseData duplicate = call(handler::handle, 1, request(false,
                topic("inc", op("retention.ms", OpType.SET, "1"), op("retention.ms", OpType.DELETE, null))));
        IncrementalAlterConfigsResponseData nullValue = call(handler::handle, 1, request(false,
                topic("inc", op("retention.ms", OpType.SET, null))));
        IncrementalAlterConfigsResponseData badPolicy = call(handler::handle, 1, request(false,
                topic("inc", op("cleanup.policy", OpType.APPEND, "shred"))));

        assertThat(response.responses().get(0).errorCode()).isEqualTo(Errors.INVALID_CONFIG.code());
        assertThat(response.responses().get(0).errorMessage()).contains("retention.ms");
        assertThat(unknown.responses().get(0).errorCode()).isEqualTo(Errors.INVALID_CONFIG.code());
        assertThat(duplicate.responses().get(0).errorCode()).isEqualTo(Errors.INVALID_REQUEST.code());
        assertThat(nullValue.responses().get(0).errorCode()).isEqualTo(Errors.INVALID_REQUEST.code());
        assertThat(badPolicy.responses().get(0).errorCode()).isEqualTo(Errors.INVALID_CONFIG.code());
        assertThat(overrides()).containsOnly(Map.entry("retention.ms", "1000"), Map.entry("segment.ms", "2000"));
    }

    @Test
    void shouldHonourValidateOnly() {
        assertOk(call(handler::handle, 1, request(true, topic("inc", op("retention.ms", OpType.SET, "5000")))));

        assertThat(overrides()).containsEntry("retention.ms", "1000");
    }

    @Test
    void shouldSetDynamicBrokerDefaultsAndApplyThemToTopics() {
        broker.createTopic("plain", 1);

        assertOk(call(handler::handle, 1, request(false, resource(ConfigResource.Type.BROKER, "1",
                op("log.retention.ms", OpType.SET, "7200000")))));
        assertOk(call(handler::handle, 1, request(false, resource(ConfigResource.Type.BROKER, "",
                op("log.cleanup.policy", OpType.APPEND, "compact")))));

        assertThat(broker.topics.brokerConfig().dynamicValues())
                .containsOnly(Map.entry("log.retention.ms", "7200000"), Map.entry("log.cleanup.policy", "delete,compact"));
        assertThat(broker.topics.image().brokerConfigs()).containsOnly(Map.entry("log.cleanup.policy", "delete,compact"));
        assertThat(broker.topics.image().nodeConfigs().get(1)).containsOnly(Map.entry("log.retention.ms", "7200000"));
        assertThat(broker.topics.partition("plain", 0).orElseThrow().config().retentionMs()).isEqualTo(7_200_000L);
        assertThat(broker.topics.partition("plain", 0).orElseThrow().config().compact()).isTrue();
        assertThat(broker.topics.partition("inc", 0).orElseThrow().config().retentionMs()).isEqualTo(1000L);

        assertOk(call(handler::handle, 1, request(false, resource(ConfigResource.Type.BROKER, "1",
                op("log.retention.ms", OpType.DELETE, null)))));
        assertThat(broker.topics.brokerConfig().dynamicValues()).doesNotContainKey("log.retention.ms");
    }

    @Test
    void shouldRefuseBrokerKeysKafkaCannotChangeDynamically() {
        AlterConfigsResourceResponse hours = call(handler::handle, 1, request(false, resource(ConfigResource.Type.BROKER, "1",
                op("log.retention.hours", OpType.SET, "1")))).responses().get(0);
        AlterConfigsResourceResponse listeners = call(handler::handle, 1, request(false, resource(ConfigResource.Type.BROKER, "1",
                op("listeners", OpType.SET, "PLAINTEXT://:9093")))).responses().get(0);
        AlterConfigsResourceResponse unknown = call(handler::handle, 1, request(false, resource(ConfigResource.Type.BROKER, "1",
                op("no.such.key", OpType.SET, "1")))).responses().get(0);
        AlterConfigsResourceResponse invalid = call(handler::handle, 1, request(false, resource(ConfigResource.Type.BROKER, "1",
                op("log.segment.bytes", OpType.SET, "12")))).responses().get(0);
        AlterConfigsResourceResponse otherNode = call(handler::handle, 1, request(false, resource(ConfigResource.Type.BROKER, "2",
                op("log.segment.bytes", OpType.SET, "2097152")))).responses().get(0);

        assertThat(hours.errorCode()).isEqualTo(Errors.INVALID_REQUEST.code());
        assertThat(hours.errorMessage()).contains("Cannot update these configs dynamically: [log.retention.hours]");
        assertThat(listeners.errorCode()).isEqualTo(Errors.INVALID_REQUEST.code());
        assertThat(unknown.errorCode()).isEqualTo(Errors.INVALID_CONFIG.code());
        assertThat(invalid.errorCode()).isEqualTo(Errors.INVALID_CONFIG.code());
        assertThat(invalid.errorMessage()).contains("log.segment.bytes");
        assertThat(otherNode.errorCode()).isEqualTo(Errors.INVALID_REQUEST.code());
        assertThat(broker.topics.brokerConfig().dynamicValues()).isEmpty();
    }

    @Test
    void shouldSetAndClearReplicationThrottlesAsTheReassignToolDoes() {
        // Given: what kafka-reassign-partitions --execute --throttle sets (and a cluster-wide follower rate)
        assertOk(call(handler::handle, 1, request(false,
                resource(ConfigResource.Type.BROKER, "1", op("leader.replication.throttled.rate", OpType.SET, "500000"),
                        op("replica.alter.log.dirs.io.max.bytes.per.second", OpType.SET, "1000")),
                resource(ConfigResource.Type.BROKER, "", op("follower.replication.throttled.rate", OpType.SET, "700000")),
                topic("inc", op("leader.replication.throttled.replicas", OpType.SET, "0:1,1:2"),
                        op("follower.replication.throttled.replicas", OpType.SET, "*")))));

        assertThat(broker.topics.brokerConfig().leaderReplicationThrottledRate()).isEqualTo(500_000L);
        assertThat(broker.topics.brokerConfig().followerReplicationThrottledRate()).isEqualTo(700_000L);
        assertThat(overrides()).containsEntry("leader.replication.throttled.replicas", "0:1,1:2")
                .containsEntry("follower.replication.throttled.replicas", "*");

        // When: what --verify (without --preserve-throttles) clears: every key on the node, set or not
        assertOk(call(handler::handle, 1, request(false,
                resource(ConfigResource.Type.BROKER, "1", op("leader.replication.throttled.rate", OpType.DELETE, null),
                        op("follower.replication.throttled.rate", OpType.DELETE, null),
                        op("replica.alter.log.dirs.io.max.bytes.per.second", OpType.DELETE, null)),
                topic("inc", op("leader.replication.throttled.replicas", OpType.DELETE, null),
                        op("follower.replication.throttled.replicas", OpType.DELETE, null)))));

        // Then: the node's overrides are gone; the cluster default stays
        assertThat(broker.topics.brokerConfig().leaderReplicationThrottledRate()).isEqualTo(Long.MAX_VALUE);
        assertThat(broker.topics.brokerConfig().followerReplicationThrottledRate()).isEqualTo(700_000L);
        assertThat(broker.topics.image().nodeConfigs().getOrDefault(1, Map.of())).isEmpty();
        assertThat(overrides()).containsOnly(Map.entry("retention.ms", "1000"), Map.entry("segment.ms", "2000"));
    }

    @Test
    void shouldRefuseBadReplicationThrottlesWithInvalidConfig() {
        AlterConfigsResourceResponse negative = call(handler::handle, 1, request(false, resource(ConfigResource.Type.BROKER,
                "1", op("leader.replication.throttled.rate", OpType.SET, "-1")))).responses().get(0);
        AlterConfigsResourceResponse notANumber = call(handler::handle, 1, request(false, resource(ConfigResource.Type.BROKER,
                "", op("follower.replication.throttled.rate", OpType.SET, "fast")))).responses().get(0);
        AlterConfigsResourceResponse badList = call(handler::handle, 1, request(false,
                topic("inc", op("leader.replication.throttled.replicas", OpType.SET, "0-1")))).responses().get(0);
        AlterConfigsResourceResponse wildcardAndPairs = call(handler::handle, 1, request(false,
                topic("inc", op("follower.replication.throttled.replicas", OpType.SET, "*,0:1")))).responses().get(0);

        assertThat(negative.errorCode()).isEqualTo(Errors.INVALID_CONFIG.code());
        assertThat(negative.errorMessage()).isEqualTo(
                "Invalid value -1 for configuration leader.replication.throttled.rate: Value must be at least 0");
        assertThat(notANumber.errorCode()).isEqualTo(Errors.INVALID_CONFIG.code());
        assertThat(notANumber.errorMessage()).contains("follower.replication.throttled.rate").doesNotContain("\n");
        assertThat(badList.errorCode()).isEqualTo(Errors.INVALID_CONFIG.code());
        assertThat(badList.errorMessage()).contains("leader.replication.throttled.replicas must be the literal '*' or a "
                + "list of replicas in the following format: [partitionId]:[brokerId],[partitionId]:[brokerId],...");
        assertThat(wildcardAndPairs.errorCode()).isEqualTo(Errors.INVALID_CONFIG.code());
        assertThat(broker.topics.brokerConfig().dynamicValues()).isEmpty();
        assertThat(overrides()).doesNotContainKeys("leader.replication.throttled.replicas",
                "follower.replication.throttled.replicas");
    }

    @Test
    void shouldAnswerBrokerLoggerWithAnErrorForThatResourceOnly() {
        IncrementalAlterConfigsResponseData response = call(handler::handle, 1, request(false,
                resource(ConfigResource.Type.BROKER_LOGGER, "1", op("root", OpType.SET, "DEBUG")),
                topic("inc", op("retention.ms", OpType.SET, "3000"))));

        assertThat(response.responses().get(0).errorCode()).isEqualTo(Errors.INVALID_REQUEST.code());
        assertThat(response.responses().get(1).errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(overrides()).containsEntry("retention.ms", "3000");
    }

    @Test
    void shouldNotLoseConcurrentAlterations() throws Exception {
        List<CompletableFuture<?>> pending = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            IncrementalAlterConfigsRequestData request = request(false, topic("inc",
                    op(i % 2 == 0 ? "cleanup.policy" : "segment.ms", i % 2 == 0 ? OpType.APPEND : OpType.SET,
                            i % 2 == 0 ? (i % 4 == 0 ? "compact" : "delete") : Integer.toString(10_000 + i))));
            pending.add(handler.handle(AdminTestBroker.version(1), request).toCompletableFuture());
        }
        CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).get(20, TimeUnit.SECONDS);

        assertThat(overrides()).containsEntry("segment.ms", "10019").containsEntry("retention.ms", "1000");
        assertThat(overrides().get("cleanup.policy")).isIn("delete,compact", "compact,delete");
    }

    private Map<String, String> overrides() {
        return broker.topics.image().topic("inc").orElseThrow().configs();
    }

    private static void assertOk(IncrementalAlterConfigsResponseData response) {
        assertThat(response.responses()).allSatisfy(r ->
                assertThat(r.errorCode()).as(String.valueOf(r.errorMessage())).isEqualTo(Errors.NONE.code()));
    }

    private static AlterableConfig op(String name, OpType type, String value) {
        return new AlterableConfig().setName(name).setConfigOperation(type.id()).setValue(value);
    }

    private static AlterConfigsResource topic(String name, AlterableConfig... ops) {
        return resource(ConfigResource.Type.TOPIC, name, ops);
    }

    private static AlterConfigsResource resource(ConfigResource.Type type, String name, AlterableConfig... ops) {
        AlterConfigsResource resource = new AlterConfigsResource().setResourceType(type.id()).setResourceName(name);
        for (AlterableConfig op : ops) {
            resource.configs().add(op);
        }
        return resource;
    }

    private static IncrementalAlterConfigsRequestData request(boolean validateOnly, AlterConfigsResource... resources) {
        IncrementalAlterConfigsRequestData request = new IncrementalAlterConfigsRequestData().setValidateOnly(validateOnly);
        for (AlterConfigsResource resource : resources) {
            request.resources().add(resource);
        }
        return request;
    }
}
