package io.dlog.kafka.handlers.admin;

import static io.dlog.kafka.handlers.admin.AdminTestBroker.call;
import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.kafka.common.Uuids;
import io.dlog.log.metadata.TopicImage;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.DeleteTopicsRequestData;
import org.apache.kafka.common.message.DeleteTopicsRequestData.DeleteTopicState;
import org.apache.kafka.common.message.DeleteTopicsResponseData;
import org.apache.kafka.common.message.DeleteTopicsResponseData.DeletableTopicResult;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DeleteTopicsHandlerTest {
    @TempDir
    Path dir;
    private AdminTestBroker broker;
    private DeleteTopicsHandler handler;

    @BeforeEach
    void setUp() throws Exception {
        broker = AdminTestBroker.open(dir);
        handler = new DeleteTopicsHandler(broker.context);
    }

    @AfterEach
    void tearDown() throws Exception {
        broker.close();
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4, 5})
    void shouldDeleteByNameInOlderVersions(int version) {
        TopicImage topic = broker.createTopic("doomed", 2);

        DeleteTopicsResponseData response = call(handler::handle, version,
                new DeleteTopicsRequestData().setTopicNames(List.of("doomed", "never-was")).setTimeoutMs(1000));

        response = AdminTestBroker.roundTrip(ApiKeys.DELETE_TOPICS, version, response);
        assertThat(response.responses().find("doomed").errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(response.responses().find("never-was").errorCode()).isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
        assertThat(broker.topics.image().topic("doomed")).isEmpty();
        assertThat(broker.topics.partition("doomed", 0)).isEmpty();
        assertThat(topic.partitions()).isEqualTo(2);
    }

    @Test
    void shouldDeleteByNameAndByIdInV6() {
        TopicImage byName = broker.createTopic("by-name", 1);
        TopicImage byId = broker.createTopic("by-id", 1);
        Uuid unknown = Uuid.randomUuid();

        DeleteTopicsResponseData response = call(handler::handle, 6, new DeleteTopicsRequestData().setTopics(List.of(
                new DeleteTopicState().setName("by-name"),
                new DeleteTopicState().setTopicId(Uuids.toKafka(byId.topicId())),
                new DeleteTopicState().setTopicId(unknown))));

        response = AdminTestBroker.roundTrip(ApiKeys.DELETE_TOPICS, 6, response);
        List<DeletableTopicResult> results = List.copyOf(response.responses());
        assertThat(results.get(0).name()).isEqualTo("by-name");
        assertThat(results.get(0).topicId()).isEqualTo(Uuids.toKafka(byName.topicId()));
        assertThat(results.get(0).errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(results.get(1).name()).isEqualTo("by-id");
        assertThat(results.get(1).errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(results.get(2).topicId()).isEqualTo(unknown);
        assertThat(results.get(2).errorCode()).isEqualTo(Errors.UNKNOWN_TOPIC_ID.code());
        assertThat(broker.topics.image().topics()).isEmpty();
    }

    @Test
    void shouldRefuseTheSameTopicTwice() {
        TopicImage topic = broker.createTopic("twice", 1);

        DeleteTopicsResponseData response = call(handler::handle, 6, new DeleteTopicsRequestData().setTopics(List.of(
                new DeleteTopicState().setName("twice"),
                new DeleteTopicState().setTopicId(Uuids.toKafka(topic.topicId())))));

        assertThat(response.responses()).allMatch(r -> r.errorCode() == Errors.INVALID_REQUEST.code());
        assertThat(broker.topics.image().topic("twice")).isPresent();
    }

    @Test
    void shouldAnswerTopicDeletionDisabled() throws Exception {
        broker.close();
        broker = AdminTestBroker.open(dir.resolve("disabled"), Map.of("delete.topic.enable", "false"));
        handler = new DeleteTopicsHandler(broker.context);
        broker.createTopic("kept", 1);

        DeleteTopicsResponseData v6 = call(handler::handle, 6, new DeleteTopicsRequestData().setTopics(List.of(
                new DeleteTopicState().setName("kept"))));
        DeleteTopicsResponseData v2 = call(handler::handle, 2, new DeleteTopicsRequestData().setTopicNames(List.of("kept")));

        assertThat(v6.responses().find("kept").errorCode()).isEqualTo(Errors.TOPIC_DELETION_DISABLED.code());
        assertThat(v2.responses().find("kept").errorCode()).isEqualTo(Errors.INVALID_REQUEST.code());
        assertThat(broker.topics.image().topic("kept")).isPresent();
    }
}
