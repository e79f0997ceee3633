package io.dlog.kafka.handlers.admin;

import static io.dlog.kafka.handlers.admin.AdminTestBroker.call;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.message.DeleteRecordsRequestData;
import org.apache.kafka.common.message.DeleteRecordsRequestData.DeleteRecordsPartition;
import org.apache.kafka.common.message.DeleteRecordsRequestData.DeleteRecordsTopic;
import org.apache.kafka.common.message.DeleteRecordsResponseData;
import org.apache.kafka.common.message.DeleteRecordsResponseData.DeleteRecordsPartitionResult;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DeleteRecordsHandlerTest {
    @TempDir
    Path dir;
    private AdminTestBroker broker;
    private DeleteRecordsHandler handler;

    @BeforeEach
    void setUp() throws Exception {
        broker = AdminTestBroker.open(dir);
        handler = new DeleteRecordsHandler(broker.context);
        broker.createTopic("records", 2);
        broker.append("records", 0, 10);
        broker.append("records", 1, 4);
    }

    @AfterEach
    void tearDown() throws Exception {
        broker.close();
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2})
    void shouldMoveLogStartOffsetAndAnswerLowWatermark(int version) {
        DeleteRecordsResponseData response = call(handler::handle, version, request("records", Map.of(0, 6L, 1, -1L)));

        response = AdminTestBroker.roundTrip(ApiKeys.DELETE_RECORDS, version, response);
        DeleteRecordsPartitionResult p0 = partition(response, "records", 0);
        DeleteRecordsPartitionResult p1 = partition(response, "records", 1);
        assertThat(p0.errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(p0.lowWatermark()).isEqualTo(6L);
        assertThat(p1.errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(p1.lowWatermark()).isEqualTo(4L);
        assertThat(broker.topics.partition("records", 0).orElseThrow().logStartOffset()).isEqualTo(6L);
        assertThat(broker.topics.partition("records", 1).orElseThrow().logStartOffset()).isEqualTo(4L);
    }

    @Test
    void shouldNotMoveBackwards() {
        call(handler::handle, 2, request("records", Map.of(0, 6L)));

        DeleteRecordsResponseData response = call(handler::handle, 2, request("records", Map.of(0, 2L)));

        assertThat(partition(response, "records", 0).lowWatermark()).isEqualTo(6L);
        assertThat(broker.topics.partition("records", 0).orElseThrow().logStartOffset()).isEqualTo(6L);
    }

    @Test
    void shouldRefuseOffsetsBeyondHighWatermark() {
        DeleteRecordsResponseData response = call(handler::handle, 2, request("records", Map.of(0, 11L, 1, -7L)));

        assertThat(partition(response, "records", 0).errorCode()).isEqualTo(Errors.OFFSET_OUT_OF_RANGE.code());
        assertThat(partition(response, "records", 0).lowWatermark()).isEqualTo(-1L);
        assertThat(partition(response, "records", 1).errorCode()).isEqualTo(Errors.OFFSET_OUT_OF_RANGE.code());
        assertThat(broker.topics.partition("records", 0).orElseThrow().logStartOffset()).isZero();
    }

    @Test
    void shouldAnswerUnknownPartitions() {
        DeleteRecordsResponseData response = call(handler::handle, 2, new DeleteRecordsRequestData().setTimeoutMs(1000).setTopics(List.of(
                topic("records", Map.of(5, 0L)), topic("missing", Map.of(0, 0L)))));

        assertThat(partition(response, "records", 5).errorCode()).isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
        assertThat(partition(response, "missing", 0).errorCode()).isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
    }

    @Test
    void shouldRefuseCompactedTopicsAsPolicyViolation() {
        broker.createTopic("compacted", 1, Map.of("cleanup.policy", "compact"));

        DeleteRecordsResponseData response = call(handler::handle, 2, request("compacted", Map.of(0, 0L)));

        assertThat(partition(response, "compacted", 0).errorCode()).isEqualTo(Errors.POLICY_VIOLATION.code());
    }

    private static DeleteRecordsPartitionResult partition(DeleteRecordsResponseData response, String topic, int partition) {
        return response.topics().find(topic).partitions().find(partition);
    }

    private static DeleteRecordsTopic topic(String name, Map<Integer, Long> offsets) {
        DeleteRecordsTopic topic = new DeleteRecordsTopic().setName(name);
        offsets.forEach((partition, offset) ->
                topic.partitions().add(new DeleteRecordsPartition().setPartitionIndex(partition).setOffset(offset)));
        return topic;
    }

    private static DeleteRecordsRequestData request(String name, Map<Integer, Long> offsets) {
        return new DeleteRecordsRequestData().setTimeoutMs(1000).setTopics(List.of(topic(name, offsets)));
    }
}
