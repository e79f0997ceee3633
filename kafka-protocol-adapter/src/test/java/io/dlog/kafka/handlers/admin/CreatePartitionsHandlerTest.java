package io.dlog.kafka.handlers.admin;

import static io.dlog.kafka.handlers.admin.AdminTestBroker.call;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.message.CreatePartitionsRequestData;
import org.apache.kafka.common.message.CreatePartitionsRequestData.CreatePartitionsAssignment;
import org.apache.kafka.common.message.CreatePartitionsRequestData.CreatePartitionsTopic;
import org.apache.kafka.common.message.CreatePartitionsResponseData;
import org.apache.kafka.common.message.CreatePartitionsResponseData.CreatePartitionsTopicResult;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CreatePartitionsHandlerTest {
    @TempDir
    Path dir;
    private AdminTestBroker broker;
    private CreatePartitionsHandler handler;

    @BeforeEach
    void setUp() throws Exception {
        broker = AdminTestBroker.open(dir);
        handler = new CreatePartitionsHandler(broker.context);
        broker.createTopic("grow", 2);
    }

    @AfterEach
    void tearDown() throws Exception {
        broker.close();
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3})
    void shouldIncreasePartitions(int version) {
        CreatePartitionsResponseData response = call(handler::handle, version, request(false, topic("grow", 5, null)));

        response = AdminTestBroker.roundTrip(ApiKeys.CREATE_PARTITIONS, version, response);
        assertThat(result(response, "grow").errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(broker.topics.image().topic("grow").orElseThrow().partitions()).isEqualTo(5);
        assertThat(broker.topics.partition("grow", 4)).isPresent();
    }

    @Test
    void shouldRefuseNoIncreaseWithKafkasMessages() {
        CreatePartitionsResponseData response = call(handler::handle, 3, request(false, topic("grow", 2, null)));
        assertThat(result(response, "grow").errorCode()).isEqualTo(Errors.INVALID_PARTITIONS.code());
        assertThat(result(response, "grow").errorMessage()).isEqualTo("Topic already has 2 partition(s).");

        response = call(handler::handle, 3, request(false, topic("grow", 1, null)));
        assertThat(result(response, "grow").errorCode()).isEqualTo(Errors.INVALID_PARTITIONS.code());
        assertThat(result(response, "grow").errorMessage()).contains("1 would not be an increase");
        assertThat(broker.topics.image().topic("grow").orElseThrow().partitions()).isEqualTo(2);
    }

    @Test
    void shouldValidateOnlyWithoutChanging() {
        CreatePartitionsResponseData response = call(handler::handle, 3, request(true, topic("grow", 4, null)));

        assertThat(result(response, "grow").errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(broker.topics.image().topic("grow").orElseThrow().partitions()).isEqualTo(2);
        assertThat(broker.topics.partition("grow", 2)).isEmpty();
    }

    @Test
    void shouldAnswerUnknownTopic() {
        CreatePartitionsResponseData response = call(handler::handle, 3, request(false, topic("missing", 4, null)));

        assertThat(result(response, "missing").errorCode()).isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
    }

    @Test
    void shouldAcceptAssignmentsOnThisNodeOnly() {
        CreatePartitionsResponseData ok = call(handler::handle, 3,
                request(false, topic("grow", 3, List.of(List.of(AdminTestBroker.NODE_ID)))));
        assertThat(result(ok, "grow").errorCode()).isEqualTo(Errors.NONE.code());

        CreatePartitionsResponseData elsewhere = call(handler::handle, 3, request(false, topic("grow", 4, List.of(List.of(7)))));
        CreatePartitionsResponseData replicated = call(handler::handle, 3,
                request(false, topic("grow", 4, List.of(List.of(AdminTestBroker.NODE_ID, 2)))));
        CreatePartitionsResponseData tooFew = call(handler::handle, 3,
                request(false, topic("grow", 5, List.of(List.of(AdminTestBroker.NODE_ID)))));

        assertThat(result(elsewhere, "grow").errorCode()).isEqualTo(Errors.INVALID_REPLICA_ASSIGNMENT.code());
        assertThat(result(replicated, "grow").errorCode()).isEqualTo(Errors.INVALID_REPLICA_ASSIGNMENT.code());
        assertThat(result(tooFew, "grow").errorCode()).isEqualTo(Errors.INVALID_REPLICA_ASSIGNMENT.code());
        assertThat(result(tooFew, "grow").errorMessage()).contains("Attempted to add 2 additional partition(s)");
        assertThat(broker.topics.image().topic("grow").orElseThrow().partitions()).isEqualTo(3);
    }

    @Test
    void shouldRefuseDuplicateTopics() {
        CreatePartitionsResponseData response = call(handler::handle, 3,
                request(false, topic("grow", 3, null), topic("grow", 4, null)));

        assertThat(response.results()).hasSize(1);
        assertThat(result(response, "grow").errorCode()).isEqualTo(Errors.INVALID_REQUEST.code());
        assertThat(broker.topics.image().topic("grow").orElseThrow().partitions()).isEqualTo(2);
    }

    private static CreatePartitionsTopicResult result(CreatePartitionsResponseData response, String name) {
        return response.results().stream().filter(r -> r.name().equals(name)).findFirst().orElseThrow();
    }

    private static CreatePartitionsTopic topic(String name, int count, List<List<Integer>> assignments) {
        List<CreatePartitionsAssignment> list = null;
        if (assignments != null) {
            list = new ArrayList<>();
            for (List<Integer> brokers : assignments) {
                list.add(new CreatePartitionsAssignment().setBrokerIds(brokers));
            }
        }
        return new CreatePartitionsTopic().setName(name).setCount(count).setAssignments(list);
    }

    private static CreatePartitionsRequestData request(boolean validateOnly, CreatePartitionsTopic... topics) {
        CreatePartitionsRequestData request = new CreatePartitionsRequestData().setTimeoutMs(1000).setValidateOnly(validateOnly);
        for (CreatePartitionsTopic topic : topics) {
            request.topics().add(topic);
        }
        return request;
    }
}
