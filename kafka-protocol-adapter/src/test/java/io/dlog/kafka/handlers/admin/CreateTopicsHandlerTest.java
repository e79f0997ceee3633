package io.dlog.kafka.handlers.admin;

import static io.dlog.kafka.handlers.admin.AdminTestBroker.call;
import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.kafka.common.Uuids;
import io.dlog.log.metadata.TopicImage;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableReplicaAssignment;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopic;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopicConfig;
import org.apache.kafka.common.message.CreateTopicsResponseData;
import org.apache.kafka.common.message.CreateTopicsResponseData.CreatableTopicConfigs;
import org.apache.kafka.common.message.CreateTopicsResponseData.CreatableTopicResult;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DescribeConfigsResponse.ConfigSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CreateTopicsHandlerTest {
    @TempDir
    Path dir;
    private AdminTestBroker broker;
    private CreateTopicsHandler handler;

    @BeforeEach
    void setUp() throws Exception {
        broker = AdminTestBroker.open(dir, Map.of("num.partitions", "3", "log.retention.hours", "24"));
        handler = new CreateTopicsHandler(broker.context);
    }

    @AfterEach
    void tearDown() throws Exception {
        broker.close();
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 3, 4, 5, 6, 7})
    void shouldCreateTopicAndAnswerInEveryVersion(int version) {
        CreateTopicsResponseData response = call(handler::handle, version, request(topic("orders", 4, 1)));

        CreatableTopicResult result = AdminTestBroker.roundTrip(ApiKeys.CREATE_TOPICS, version, response)
                .topics().find("orders");
        assertThat(result.errorCode()).isEqualTo(Errors.NONE.code());
        TopicImage created = broker.topics.image().topic("orders").orElseThrow();
        assertThat(created.partitions()).isEqualTo(4);
        assertThat(broker.topics.partition("orders", 3)).isPresent();
        if (version >= 5) {
            assertThat(result.numPartitions()).isEqualTo(4);
            assertThat(result.replicationFactor()).isEqualTo((short) 1);
            assertThat(result.configs()).extracting(CreatableTopicConfigs::name).contains("retention.ms", "cleanup.policy");
        }
        if (version >= 7) {
            assertThat(result.topicId()).isEqualTo(Uuids.toKafka(created.topicId()));
        }
    }

    @Test
    void shouldUseBrokerDefaultsForMinusOne() {
        CreateTopicsResponseData response = call(handler::handle, 7, request(topic("defaults", -1, -1)));

        CreatableTopicResult result = response.topics().find("defaults");
        assertThat(result.errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(result.numPartitions()).isEqualTo(3);
        assertThat(broker.topics.image().topic("defaults").orElseThrow().partitions()).isEqualTo(3);
    }

    @Test
    void shouldReportConfigsWithTheirSources() {
        CreatableTopic topic = topic("with-configs", 1, 1);
        topic.configs().add(new CreatableTopicConfig().setName("cleanup.policy").setValue("compact"));

        CreatableTopicResult result = call(handler::handle, 7, request(topic)).topics().find("with-configs");

        CreatableTopicConfigs policy = config(result, "cleanup.policy");
        assertThat(policy.value()).isEqualTo("compact");
        assertThat(policy.configSource()).isEqualTo(ConfigSource.TOPIC_CONFIG.id());
        CreatableTopicConfigs retention = config(result, "retention.ms");
        assertThat(retention.value()).isEqualTo("86400000");
        assertThat(retention.configSource()).isEqualTo(ConfigSource.STATIC_BROKER_CONFIG.id());
        assertThat(config(result, "segment.bytes").configSource()).isEqualTo(ConfigSource.DEFAULT_CONFIG.id());
        assertThat(broker.topics.image().topic("with-configs").orElseThrow().configs())
                .containsExactly(Map.entry("cleanup.policy", "compact"));
    }

    @Test
    void shouldValidateOnlyWithoutCreating() {
        CreateTopicsRequestData request = request(topic("dry-run", 2, 1)).setValidateOnly(true);

        CreatableTopicResult result = call(handler::handle, 7, request).topics().find("dry-run");

        assertThat(result.errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(result.numPartitions()).isEqualTo(2);
        assertThat(result.topicId()).isEqualTo(Uuid.ZERO_UUID);
        assertThat(broker.topics.image().topic("dry-run")).isEmpty();
        assertThat(broker.topics.partition("dry-run", 0)).isEmpty();
    }

    @Test
    void shouldRefuseInvalidConfigWithMessage() {
        CreatableTopic topic = topic("bad-config", 1, 1);
        topic.configs().add(new CreatableTopicConfig().setName("retention.ms").setValue("soon"));
        CreatableTopic unknown = topic("unknown-config", 1, 1);
        unknown.configs().add(new CreatableTopicConfig().setName("no.such.config").setValue("1"));

        CreateTopicsResponseData response = call(handler::handle, 7, request(topic, unknown));

        assertError(response.topics().find("bad-config"), Errors.INVALID_CONFIG, "retention.ms");
        assertError(response.topics().find("unknown-config"), Errors.INVALID_CONFIG, "Unknown topic config name: no.such.config");
        assertThat(broker.topics.image().topics()).isEmpty();
    }

    @Test
    void shouldRefuseAReplicationFactorAboveTheRegisteredBrokers() {
        CreateTopicsResponseData response = call(handler::handle, 7, request(topic("rf3", 1, 3), topic("rf0", 1, 0)));

        assertError(response.topics().find("rf3"), Errors.INVALID_REPLICATION_FACTOR,
                "The target replication factor of 3 cannot be reached because only 1 broker(s) are registered.");
        assertError(response.topics().find("rf0"), Errors.INVALID_REPLICATION_FACTOR, "larger than 0");
        assertThat(broker.topics.image().topics()).isEmpty();
    }

    @Test
    void shouldRefuseNonPositivePartitions() {
        CreateTopicsResponseData response = call(handler::handle, 7, request(topic("zero", 0, 1), topic("negative", -5, 1)));

        assertError(response.topics().find("zero"), Errors.INVALID_PARTITIONS, "non-positive");
        assertError(response.topics().find("negative"), Errors.INVALID_PARTITIONS, "non-positive");
    }

    @Test
    void shouldRefuseInvalidAndCollidingNames() {
        broker.createTopic("metrics_cpu", 1);

        CreateTopicsResponseData response = call(handler::handle, 7,
                request(topic("bad name!", 1, 1), topic("..", 1, 1), topic("metrics.cpu", 1, 1)));

        assertError(response.topics().find("bad name!"), Errors.INVALID_TOPIC_EXCEPTION, "illegal");
        assertError(response.topics().find(".."), Errors.INVALID_TOPIC_EXCEPTION, "cannot be");
        assertError(response.topics().find("metrics.cpu"), Errors.INVALID_TOPIC_EXCEPTION, "collides with existing topic: metrics_cpu");
    }

    @Test
    void shouldAnswerDuplicatesInOneRequestWithInvalidRequest() {
        CreateTopicsResponseData response = call(handler::handle, 7,
                request(topic("twice", 1, 1), topic("twice", 2, 1), topic("once", 1, 1)));

        assertThat(response.topics()).hasSize(2);
        assertError(response.topics().find("twice"), Errors.INVALID_REQUEST, "Duplicate topic name.");
        assertThat(response.topics().find("once").errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(broker.topics.image().topic("twice")).isEmpty();
    }

    @Test
    void shouldRefuseKafkasMetadataLogNameAsKafkaDoes() {
        CreateTopicsResponseData response = call(handler::handle, 7, request(topic("__cluster_metadata", 1, 1)));

        assertError(response.topics().find("__cluster_metadata"), Errors.INVALID_REQUEST,
                "Creation of internal topic __cluster_metadata is prohibited.");
        assertThat(broker.topics.image().topic("__cluster_metadata")).isEmpty();
    }

    @Test
    void shouldAnswerTopicAlreadyExists() {
        broker.createTopic("existing", 1);

        CreatableTopicResult result = call(handler::handle, 7, request(topic("existing", 1, 1))).topics().find("existing");

        assertError(result, Errors.TOPIC_ALREADY_EXISTS, "Topic 'existing' already exists.");
    }

    @Test
    void shouldAcceptSingleReplicaAssignmentsOnThisNode() {
        CreatableTopic topic = topic("assigned", -1, -1);
        topic.assignments().add(assignment(0, AdminTestBroker.NODE_ID));
        topic.assignments().add(assignment(1, AdminTestBroker.NODE_ID));

        CreatableTopicResult result = call(handler::handle, 7, request(topic)).topics().find("assigned");

        assertThat(result.errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(result.numPartitions()).isEqualTo(2);
        assertThat(broker.topics.image().topic("assigned").orElseThrow().partitions()).isEqualTo(2);
    }

    @Test
    void shouldRefuseAssignmentsElsewhereOrReplicated() {
        CreatableTopic otherNode = topic("other-node", -1, -1);
        otherNode.assignments().add(assignment(0, 2));
        CreatableTopic replicated = topic("replicated", -1, -1);
        replicated.assignments().add(assignment(0, AdminTestBroker.NODE_ID, 2));
        CreatableTopic gap = topic("gap", -1, -1);
        gap.assignments().add(assignment(1, AdminTestBroker.NODE_ID));
        CreatableTopic withCount = topic("with-count", 1, -1);
        withCount.assignments().add(assignment(0, AdminTestBroker.NODE_ID));

        CreateTopicsResponseData response = call(handler::handle, 7, request(otherNode, replicated, gap, withCount));

        assertError(response.topics().find("other-node"), Errors.INVALID_REPLICA_ASSIGNMENT, "broker 2");
        assertError(response.topics().find("replicated"), Errors.INVALID_REPLICA_ASSIGNMENT, "broker 2");
        assertError(response.topics().find("gap"), Errors.INVALID_REPLICA_ASSIGNMENT, "consecutive");
        assertError(response.topics().find("with-count"), Errors.INVALID_REQUEST, "numPartitions was not set to -1");
        assertThat(broker.topics.image().topics()).isEmpty();
    }

    private static void assertError(CreatableTopicResult result, Errors error, String messagePart) {
        assertThat(result.errorCode()).as(result.name()).isEqualTo(error.code());
        assertThat(result.errorMessage()).contains(messagePart);
    }

    private static CreatableTopicConfigs config(CreatableTopicResult result, String name) {
        return result.configs().stream().filter(c -> c.name().equals(name)).findFirst().orElseThrow();
    }

    static CreatableTopic topic(String name, int partitions, int replicationFactor) {
        return new CreatableTopic().setName(name).setNumPartitions(partitions).setReplicationFactor((short) replicationFactor);
    }

    static CreatableReplicaAssignment assignment(int partition, Integer... brokers) {
        return new CreatableReplicaAssignment().setPartitionIndex(partition).setBrokerIds(List.of(brokers));
    }

    static CreateTopicsRequestData request(CreatableTopic... topics) {
        CreateTopicsRequestData request = new CreateTopicsRequestData().setTimeoutMs(30_000);
        for (CreatableTopic topic : topics) {
            request.topics().add(topic);
        }
        return request;
    }
}
