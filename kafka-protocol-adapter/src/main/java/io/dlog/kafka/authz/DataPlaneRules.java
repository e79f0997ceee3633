package io.dlog.kafka.authz;

import io.dlog.kafka.api.ApiHandler;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.message.DescribeProducersRequestData;
import org.apache.kafka.common.message.DescribeProducersResponseData;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.ListOffsetsResponseData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.resource.ResourceType;

/**
 * Produce (WRITE on each topic, WRITE on the transactional id), Fetch (READ on each topic; CLUSTER_ACTION
 * for followers), ListOffsets, OffsetForLeaderEpoch and Metadata (DESCRIBE on each topic; CREATE on the
 * cluster or topic to auto-create; unauthorized topics hidden from an all-topics listing),
 * DescribeProducers (READ). Topics refused get TOPIC_AUTHORIZATION_FAILED in their partitions; the others
 * are served. Stateless.
 */
final class DataPlaneRules {
    private static final short TOPIC_DENIED = Errors.TOPIC_AUTHORIZATION_FAILED.code();

    private DataPlaneRules() {
    }

    static CompletionStage<? extends ApiMessage> produce(Check check, ApiMessage message, ApiHandler<ApiMessage> next) {
        ProduceRequestData data = (ProduceRequestData) message;
        if (data.transactionalId() != null && !check.transactionalId(AclOperation.WRITE, data.transactionalId())) {
            return Rule.refuse(check, data, Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
        }
        List<ProduceRequestData.TopicProduceData> denied = new ArrayList<>();
        for (ProduceRequestData.TopicProduceData topic : data.topicData()) {
            String name = check.topicName(topic.name(), topic.topicId());
            if (name != null && !check.topic(AclOperation.WRITE, name)) {
                denied.add(topic);
            }
        }
        if (denied.isEmpty()) {
            return next.handle(check.request(), data);
        }
        denied.forEach(data.topicData()::remove);
        CompletionStage<? extends ApiMessage> served = data.topicData().isEmpty()
                ? CompletableFuture.completedFuture(new ProduceResponseData()) : next.handle(check.request(), data);
        return served.thenApply(response -> {
            ProduceResponseData produce = (ProduceResponseData) response;
            for (ProduceRequestData.TopicProduceData topic : denied) {
                ProduceResponseData.TopicProduceResponse answer = new ProduceResponseData.TopicProduceResponse()
                        .setName(topic.name()).setTopicId(topic.topicId());
                topic.partitionData().forEach(p -> answer.partitionResponses().add(new ProduceResponseData.PartitionProduceResponse()
                        .setIndex(p.index()).setErrorCode(TOPIC_DENIED).setBaseOffset(-1).setLogAppendTimeMs(-1)
                        .setLogStartOffset(-1)));
                produce.responses().add(answer);
            }
            return produce;
        });
    }

    static CompletionStage<? extends ApiMessage> fetch(Check check, ApiMessage message, ApiHandler<ApiMessage> next) {
        FetchRequestData data = (FetchRequestData) message;
        int replicaId = data.replicaState().replicaId() >= 0 ? data.replicaState().replicaId() : data.replicaId();
        if (replicaId >= 0) {
            return check.cluster(AclOperation.CLUSTER_ACTION) ? next.handle(check.request(), data)
                    : Rule.refuse(check, data, Errors.CLUSTER_AUTHORIZATION_FAILED);
        }
        List<FetchRequestData.FetchTopic> denied = new ArrayList<>();
        for (FetchRequestData.FetchTopic topic : data.topics()) {
            String name = check.topicName(topic.topic(), topic.topicId());
            if (name != null && !check.topic(AclOperation.READ, name)) {
                denied.add(topic);
            }
        }
        if (denied.isEmpty()) {
            return next.handle(check.request(), data);
        }
        data.topics().removeAll(denied);
        data.setMaxWaitMs(0); // errors are answered at once, as Kafka does
        return next.handle(check.request(), data).thenApply(response -> {
            FetchResponseData fetch = (FetchResponseData) response;
            for (FetchRequestData.FetchTopic topic : denied) {
                FetchResponseData.FetchableTopicResponse answer = new FetchResponseData.FetchableTopicResponse()
                        .setTopic(topic.topic()).setTopicId(topic.topicId());
                topic.partitions().forEach(p -> answer.partitions().add(new FetchResponseData.PartitionData()
                        .setPartitionIndex(p.partition()).setErrorCode(TOPIC_DENIED).setHighWatermark(-1)
                        .setLastStableOffset(-1).setLogStartOffset(-1).setRecords(MemoryRecords.EMPTY)));
                fetch.responses().add(answer);
            }
            return fetch;
        });
    }

    static CompletionStage<? extends ApiMessage> listOffsets(Check check, ApiMessage message, ApiHandler<ApiMessage> next) {
        ListOffsetsRequestData data = (ListOffsetsRequestData) message;
        List<ListOffsetsRequestData.ListOffsetsTopic> denied = new ArrayList<>();
        data.topics().stream().filter(t -> !check.topic(AclOperation.DESCRIBE, t.name())).forEach(denied::add);
        if (denied.isEmpty()) {
            return next.handle(check.request(), data);
        }
        data.topics().removeAll(denied);
        return next.handle(check.request(), data).thenApply(response -> {
            ListOffsetsResponseData list = (ListOffsetsResponseData) response;
            for (ListOffsetsRequestData.ListOffsetsTopic topic : denied) {
                ListOffsetsResponseData.ListOffsetsTopicResponse answer = new ListOffsetsResponseData.ListOffsetsTopicResponse()
                        .setName(topic.name());
                topic.partitions().forEach(p -> answer.partitions().add(new ListOffsetsResponseData.ListOffsetsPartitionResponse()
                        .setPartitionIndex(p.partitionIndex()).setErrorCode(TOPIC_DENIED).setTimestamp(-1).setOffset(-1)
                        .setLeaderEpoch(-1)));
                list.topics().add(answer);
            }
            return list;
        });
    }

    static CompletionStage<? extends ApiMessage> offsetForLeaderEpoch(Check check, ApiMessage message, ApiHandler<ApiMessage> next) {
        OffsetForLeaderEpochRequestData data = (OffsetForLeaderEpochRequestData) message;
        if (data.replicaId() >= 0) {
            return check.cluster(AclOperation.CLUSTER_ACTION) ? next.handle(check.request(), data)
                    : Rule.refuse(check, data, Errors.CLUSTER_AUTHORIZATION_FAILED);
        }
        List<OffsetForLeaderEpochRequestData.OffsetForLeaderTopic> denied = new ArrayList<>();
        data.topics().stream().filter(t -> !check.topic(AclOperation.DESCRIBE, t.topic())).forEach(denied::add);
        if (denied.isEmpty()) {
            return next.handle(check.request(), data);
        }
        denied.forEach(data.topics()::remove);
        return next.handle(check.request(), data).thenApply(response -> {
            OffsetForLeaderEpochResponseData epochs = (OffsetForLeaderEpochResponseData) response;
            for (OffsetForLeaderEpochRequestData.OffsetForLeaderTopic topic : denied) {
                OffsetForLeaderEpochResponseData.OffsetForLeaderTopicResult answer =
                        new OffsetForLeaderEpochResponseData.OffsetForLeaderTopicResult().setTopic(topic.topic());
                topic.partitions().forEach(p -> answer.partitions().add(new OffsetForLeaderEpochResponseData.EpochEndOffset()
                        .setPartition(p.partition()).setErrorCode(TOPIC_DENIED).setLeaderEpoch(-1).setEndOffset(-1)));
                epochs.topics().add(answer);
            }
            return epochs;
        });
    }

    static CompletionStage<? extends ApiMessage> describeProducers(Check check, ApiMessage message, ApiHandler<ApiMessage> next) {
        DescribeProducersRequestData data = (DescribeProducersRequestData) message;
        List<DescribeProducersRequestData.TopicRequest> denied = new ArrayList<>();
        data.topics().stream().filter(t -> !check.topic(AclOperation.READ, t.name())).forEach(denied::add);
        if (denied.isEmpty()) {
            return next.handle(check.request(), data);
        }
        data.topics().removeAll(denied);
        return next.handle(check.request(), data).thenApply(response -> {
            DescribeProducersResponseData producers = (DescribeProducersResponseData) response;
            for (DescribeProducersRequestData.TopicRequest topic : denied) {
                DescribeProducersResponseData.TopicResponse answer = new DescribeProducersResponseData.TopicResponse()
                        .setName(topic.name());
                topic.partitionIndexes().forEach(p -> answer.partitions().add(new DescribeProducersResponseData.PartitionResponse()
                        .setPartitionIndex(p).setErrorCode(TOPIC_DENIED)));
                producers.topics().add(answer);
            }
            return producers;
        });
    }

    static CompletionStage<? extends ApiMessage> metadata(Check check, ApiMessage message, ApiHandler<ApiMessage> next) {
        MetadataRequestData data = (MetadataRequestData) message;
        short version = check.request().apiVersion();
        boolean allTopics = data.topics() == null || data.topics().isEmpty() && version == 0;
        boolean mayCreate = version < 4 || data.allowAutoTopicCreation();
        List<String> denied = new ArrayList<>();
        if (!allTopics) {
            for (MetadataRequestData.MetadataRequestTopic topic : new ArrayList<>(data.topics())) {
                String name = topic.name();
                if (name == null || name.isEmpty()) {
                    continue; // by id: checked on the answer, where the name is known
                }
                boolean refused = !check.topic(AclOperation.DESCRIBE, name) || mayCreate && !check.topicExists(name)
                        && !check.cluster(AclOperation.CREATE) && !check.topic(AclOperation.CREATE, name);
                if (refused) {
                    denied.add(name);
                    data.topics().remove(topic);
                }
            }
        }
        CompletionStage<? extends ApiMessage> served = !allTopics && data.topics().isEmpty() && !denied.isEmpty() && version == 0
                ? CompletableFuture.completedFuture(new MetadataResponseData()) : next.handle(check.request(), data);
        return served.thenApply(response -> {
            MetadataResponseData metadata = (MetadataResponseData) response;
            List<MetadataResponseData.MetadataResponseTopic> hidden = new ArrayList<>();
            for (MetadataResponseData.MetadataResponseTopic topic : metadata.topics()) {
                String name = check.topicName(topic.name(), topic.topicId());
                if (name == null || topic.errorCode() == Errors.UNKNOWN_TOPIC_ID.code()) {
                    continue;
                }
                if (!check.topic(AclOperation.DESCRIBE, name)) {
                    if (allTopics) {
                        hidden.add(topic);
                    } else {
                        topic.setErrorCode(TOPIC_DENIED).setPartitions(new ArrayList<>()).setIsInternal(false);
                        if (topic.name() == null || topic.name().isEmpty()) {
                            topic.setName(null);
                        }
                    }
                } else if (data.includeTopicAuthorizedOperations()) {
                    topic.setTopicAuthorizedOperations(OperationBits.topic(check, name));
                }
            }
            hidden.forEach(metadata.topics()::remove);
            for (String name : denied) {
                metadata.topics().add(new MetadataResponseData.MetadataResponseTopic().setName(name).setErrorCode(TOPIC_DENIED)
                        .setIsInternal(false));
            }
            if (version >= 8 && version <= 10 && data.includeClusterAuthorizedOperations()) {
                metadata.setClusterAuthorizedOperations(OperationBits.cluster(check));
            }
            return metadata;
        });
    }

    /** KIP-430 bit fields of what the principal may do. */
    static final class OperationBits {
        private OperationBits() {
        }

        static int topic(Check check, String name) {
            return bits(check, ResourceType.TOPIC, name, AclOperation.READ, AclOperation.WRITE, AclOperation.CREATE,
                    AclOperation.DELETE, AclOperation.ALTER, AclOperation.DESCRIBE, AclOperation.DESCRIBE_CONFIGS,
                    AclOperation.ALTER_CONFIGS);
        }

        static int cluster(Check check) {
            return bits(check, ResourceType.CLUSTER, Check.CLUSTER_NAME, AclOperation.CREATE, AclOperation.ALTER,
                    AclOperation.DESCRIBE, AclOperation.CLUSTER_ACTION, AclOperation.DESCRIBE_CONFIGS,
                    AclOperation.ALTER_CONFIGS, AclOperation.IDEMPOTENT_WRITE);
        }

        static int group(Check check, String name) {
            return bits(check, ResourceType.GROUP, name, AclOperation.READ, AclOperation.DESCRIBE, AclOperation.DELETE);
        }

        private static int bits(Check check, ResourceType type, String name, AclOperation... operations) {
            Set<Byte> codes = new HashSet<>();
            for (AclOperation operation : operations) {
                if (check.allowed(operation, type, name)) {
                    codes.add(operation.code());
                }
            }
            return org.apache.kafka.common.utils.Utils.to32BitField(codes);
        }
    }
}
