package io.dlog.kafka.handlers.admin;

import static io.dlog.kafka.handlers.admin.AdminTestBroker.call;
import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.cluster.MetadataCommand;
import io.dlog.kafka.handlers.ListOffsetsHandler;
import io.dlog.kafka.handlers.MetadataHandler;
import io.dlog.kafka.topic.TopicService;
import io.dlog.log.metadata.BrokerImage;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.ListOffsetsResponseData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Partitions another broker leads, as this node answers for them: Metadata names that leader (and
 * LEADER_NOT_AVAILABLE once it is fenced), data-plane requests get NOT_LEADER_OR_FOLLOWER (the client
 * refreshes its metadata), and a partition that does not exist stays UNKNOWN_TOPIC_OR_PARTITION.
 */
class PartitionLeadershipHandlersTest {
    private AdminTestBroker broker;

    @BeforeEach
    void open(@TempDir Path dir) throws Exception {
        broker = AdminTestBroker.open(dir);
        broker.topics.quorum().propose(new MetadataCommand.RegisterBroker(2, 77, List.of(new BrokerImage.Endpoint(
                "PLAINTEXT", "127.0.0.1", 9093)), "rack-b"), TopicService.DEFAULT_PROPOSAL_TIMEOUT).join();
        broker.topics.createWithAssignment("elsewhere", List.of(List.of(2, 1), List.of(1, 2)), Map.of(),
                TopicService.DEFAULT_PROPOSAL_TIMEOUT).join();
    }

    @AfterEach
    void close() throws Exception {
        broker.close();
    }

    @Test
    void shouldDescribeEachPartitionsLeaderAndReplicasAndEveryLiveBroker() {
        MetadataResponseData response = call(new MetadataHandler(broker.context)::handle, 12,
                new MetadataRequestData().setTopics(List.of(new MetadataRequestData.MetadataRequestTopic().setName("elsewhere"))));

        assertThat(response.brokers()).extracting(MetadataResponseData.MetadataResponseBroker::nodeId).containsExactlyInAnyOrder(1, 2);
        assertThat(response.brokers().find(2).rack()).isEqualTo("rack-b");
        var partitions = response.topics().find("elsewhere").partitions();
        assertThat(partitions.get(0).leaderId()).isEqualTo(2);
        assertThat(partitions.get(0).replicaNodes()).containsExactly(2, 1);
        assertThat(partitions.get(0).isrNodes()).containsExactly(2, 1);
        assertThat(partitions.get(1).leaderId()).isEqualTo(1);
    }

    @Test
    void shouldMoveLeadershipToTheOtherInSyncReplicaOnceTheLeaderIsFenced() {
        broker.topics.quorum().propose(new MetadataCommand.FenceBroker(2, 77), TopicService.DEFAULT_PROPOSAL_TIMEOUT).join();

        MetadataResponseData response = call(new MetadataHandler(broker.context)::handle, 12,
                new MetadataRequestData().setTopics(List.of(new MetadataRequestData.MetadataRequestTopic().setName("elsewhere"))));

        var partition = response.topics().find("elsewhere").partitions().get(0);
        assertThat(partition.errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(partition.leaderId()).isEqualTo(1);
        assertThat(partition.leaderEpoch()).isEqualTo(1);
        assertThat(partition.isrNodes()).containsExactly(1);
        assertThat(partition.offlineReplicas()).containsExactly(2);
    }

    @Test
    void shouldAnswerLeaderNotAvailableOnceTheOnlyReplicaIsFenced() {
        broker.topics.createWithAssignment("solo", List.of(List.of(2)), Map.of(), TopicService.DEFAULT_PROPOSAL_TIMEOUT).join();
        broker.topics.quorum().propose(new MetadataCommand.FenceBroker(2, 77), TopicService.DEFAULT_PROPOSAL_TIMEOUT).join();

        MetadataResponseData response = call(new MetadataHandler(broker.context)::handle, 12,
                new MetadataRequestData().setTopics(List.of(new MetadataRequestData.MetadataRequestTopic().setName("solo"))));

        var partition = response.topics().find("solo").partitions().get(0);
        assertThat(partition.errorCode()).isEqualTo(Errors.LEADER_NOT_AVAILABLE.code());
        assertThat(partition.leaderId()).isEqualTo(-1);
        assertThat(partition.offlineReplicas()).containsExactly(2);
        assertThat(response.brokers()).extracting(MetadataResponseData.MetadataResponseBroker::nodeId).containsExactly(1);
    }

    @Test
    void shouldSendClientsToTheLeaderWithNotLeaderOrFollower() {
        ListOffsetsResponseData response = call(new ListOffsetsHandler(broker.context)::handle, 7, new ListOffsetsRequestData()
                .setReplicaId(-1).setTopics(List.of(
                        topic("elsewhere", 0), topic("elsewhere", 1), topic("elsewhere", 5), topic("nowhere", 0))));

        assertThat(response.topics().get(0).partitions().get(0).errorCode()).isEqualTo(Errors.NOT_LEADER_OR_FOLLOWER.code());
        assertThat(response.topics().get(1).partitions().get(0).errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(response.topics().get(2).partitions().get(0).errorCode()).isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
        assertThat(response.topics().get(3).partitions().get(0).errorCode()).isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
    }

    @Test
    void shouldNameTheCurrentLeaderAndItsEndpointWhenRefusingAProduce() {
        byte[] value = "v".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        var records = org.apache.kafka.common.record.internal.MemoryRecords.withRecords(
                org.apache.kafka.common.compress.Compression.NONE,
                new org.apache.kafka.common.record.internal.SimpleRecord(value));
        ProduceRequestData request = new ProduceRequestData().setAcks((short) -1).setTimeoutMs(5000)
                .setTopicData(new ProduceRequestData.TopicProduceDataCollection(List.of(
                        new ProduceRequestData.TopicProduceData().setName("elsewhere").setPartitionData(List.of(
                                new ProduceRequestData.PartitionProduceData().setIndex(0).setRecords(records)))).iterator()));
        var handler = new io.dlog.kafka.handlers.produce.ProduceHandler(broker.context,
                new io.dlog.kafka.purgatory.FetchPurgatory(broker.context.scheduler()), null);

        ProduceResponseData response = call(handler::handle, 10, request);

        var partition = response.responses().iterator().next().partitionResponses().get(0);
        assertThat(partition.errorCode()).isEqualTo(Errors.NOT_LEADER_OR_FOLLOWER.code());
        assertThat(partition.currentLeader().leaderId()).isEqualTo(2);
        assertThat(partition.currentLeader().leaderEpoch()).isEqualTo(0);
        assertThat(response.nodeEndpoints()).extracting(ProduceResponseData.NodeEndpoint::nodeId).containsExactly(2);
        assertThat(response.nodeEndpoints().find(2).port()).isEqualTo(9093);
    }

    private static ListOffsetsRequestData.ListOffsetsTopic topic(String name, int partition) {
        return new ListOffsetsRequestData.ListOffsetsTopic().setName(name).setPartitions(List.of(
                new ListOffsetsRequestData.ListOffsetsPartition().setPartitionIndex(partition).setTimestamp(-1L)));
    }
}
