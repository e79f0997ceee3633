package io.dlog.kafka.handlers.admin;

import static io.dlog.kafka.handlers.admin.AdminTestBroker.call;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.apache.kafka.common.message.AlterPartitionReassignmentsRequestData;
import org.apache.kafka.common.message.AlterPartitionReassignmentsRequestData.ReassignablePartition;
import org.apache.kafka.common.message.AlterPartitionReassignmentsRequestData.ReassignableTopic;
import org.apache.kafka.common.message.AlterPartitionReassignmentsResponseData;
import org.apache.kafka.common.message.AlterPartitionReassignmentsResponseData.ReassignablePartitionResponse;
import org.apache.kafka.common.message.ListPartitionReassignmentsRequestData;
import org.apache.kafka.common.message.ListPartitionReassignmentsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * AlterPartitionReassignments and ListPartitionReassignments on one node, at every version: per-partition errors
 * with Kafka's codes, answers Kafka's response classes parse. Moves between nodes: ReassignPartitionsTest
 * (compat-tests) and the cluster module's PartitionReassignmentTest.
 */
class PartitionReassignmentsHandlersTest {
    @TempDir
    Path dir;
    private AdminTestBroker broker;
    private AlterPartitionReassignmentsHandler alter;
    private ListPartitionReassignmentsHandler list;

    @BeforeEach
    void setUp() throws Exception {
        broker = AdminTestBroker.open(dir);
        alter = new AlterPartitionReassignmentsHandler(broker.context);
        list = new ListPartitionReassignmentsHandler(broker.context);
        broker.createTopic("t", 1);
    }

    @AfterEach
    void tearDown() throws Exception {
        broker.close();
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1})
    void shouldAnswerEachPartitionWithKafkasErrorCodes(int version) {
        AlterPartitionReassignmentsRequestData request = new AlterPartitionReassignmentsRequestData().setTimeoutMs(10_000);
        request.topics().add(new ReassignableTopic().setName("t").setPartitions(List.of(
                partition(0, 1), partition(0, 1, 2), partition(0, (Integer[]) null), partition(3, 1))));
        request.topics().add(new ReassignableTopic().setName("missing").setPartitions(List.of(partition(0, 1))));

        AlterPartitionReassignmentsResponseData response = AdminTestBroker.roundTrip(ApiKeys.ALTER_PARTITION_REASSIGNMENTS,
                version, call(alter::handle, version, request));

        assertThat(response.errorCode()).isEqualTo(Errors.NONE.code());
        List<ReassignablePartitionResponse> t = response.responses().get(0).partitions();
        assertThat(t).extracting(ReassignablePartitionResponse::errorCode).containsExactly(Errors.NONE.code(),
                Errors.INVALID_REPLICA_ASSIGNMENT.code(), Errors.NO_REASSIGNMENT_IN_PROGRESS.code(),
                Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
        assertThat(t.get(1).errorMessage()).contains("broker 2, but no such broker is registered");
        assertThat(response.responses().get(1).partitions().get(0).errorCode())
                .isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
        assertThat(broker.topics.image().topic("t").orElseThrow().replicas(0)).containsExactly(AdminTestBroker.NODE_ID);
    }

    @Test
    void shouldListNothingWhenNoPartitionMoves() {
        ListPartitionReassignmentsRequestData all = new ListPartitionReassignmentsRequestData().setTopics(null);
        ListPartitionReassignmentsRequestData named = new ListPartitionReassignmentsRequestData().setTopics(List.of(
                new ListPartitionReassignmentsRequestData.ListPartitionReassignmentsTopics().setName("t")
                        .setPartitionIndexes(List.of(0, 5))));

        ListPartitionReassignmentsResponseData everything = AdminTestBroker.roundTrip(ApiKeys.LIST_PARTITION_REASSIGNMENTS,
                0, call(list::handle, 0, all));
        ListPartitionReassignmentsResponseData some = call(list::handle, 0, named);

        assertThat(everything.errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(everything.topics()).isEmpty();
        assertThat(some.topics()).isEmpty();
    }

    private static ReassignablePartition partition(int index, Integer... replicas) {
        return new ReassignablePartition().setPartitionIndex(index).setReplicas(replicas == null ? null : Arrays.asList(replicas));
    }
}
