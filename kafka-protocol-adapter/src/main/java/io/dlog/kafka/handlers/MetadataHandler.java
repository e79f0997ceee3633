package io.dlog.kafka.handlers;

import io.dlog.kafka.BrokerContext;
import io.dlog.kafka.api.ApiHandler;
import io.dlog.kafka.api.RequestContext;
import io.dlog.kafka.common.AuthorizedOperations;
import io.dlog.kafka.common.ClusterView;
import io.dlog.kafka.common.Uuids;
import io.dlog.kafka.coordinator.InternalTopics;
import io.dlog.kafka.topic.TopicService;
import io.dlog.log.metadata.MetadataException;
import io.dlog.log.metadata.MetadataImage;
import io.dlog.log.metadata.PartitionState;
import io.dlog.log.metadata.TopicImage;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponseBroker;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponsePartition;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponseTopic;
import org.apache.kafka.common.protocol.Errors;

/**
 * Metadata: the cluster's live brokers and each partition's replicas, leader and in-sync replicas from
 * the cluster image (until replicated partitions exist the leader alone holds the data, so the ISR is
 * the leader; a partition whose leader is fenced answers LEADER_NOT_AVAILABLE). Unknown topics are created when
 * {@code auto.create.topics.enable} and the client allow it; the answer waits for the creation, so the
 * client gets the topic at once instead of LEADER_NOT_AVAILABLE.
 */
public final class MetadataHandler implements ApiHandler<MetadataRequestData> {
    private final BrokerContext context;

    public MetadataHandler(BrokerContext context) {
        this.context = context;
    }

    @Override
    public CompletionStage<MetadataResponseData> handle(RequestContext request, MetadataRequestData data) {
        TopicService topics = context.topics();
        // v0 has no allowAutoTopicCreation field; those clients always allowed it.
        boolean allowCreate = (request.apiVersion() < 4 || data.allowAutoTopicCreation())
                && context.config().autoCreateTopicsEnable();
        boolean allTopics = data.topics() == null || (request.apiVersion() == 0 && data.topics().isEmpty());
        List<CompletableFuture<MetadataResponseTopic>> answers = new ArrayList<>();
        if (allTopics) {
            for (TopicImage topic : topics.image().topics().values()) {
                answers.add(CompletableFuture.completedFuture(describe(topic, data.includeTopicAuthorizedOperations())));
            }
        } else if (byTopicId(data.topics(), request.apiVersion())) {
            for (Uuid id : distinctIds(data.topics())) {
                answers.add(CompletableFuture.completedFuture(answerById(id, data.includeTopicAuthorizedOperations())));
            }
        } else {
            for (MetadataRequestData.MetadataRequestTopic wanted : data.topics()) {
                answers.add(answer(wanted, allowCreate, data.includeTopicAuthorizedOperations()));
            }
        }
        return CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).thenApply(done -> {
            MetadataResponseData response = new MetadataResponseData()
                    .setClusterId(context.clusterId())
                    .setControllerId(ClusterView.controllerId(context))
                    .setClusterAuthorizedOperations(AuthorizedOperations.cluster(data.includeClusterAuthorizedOperations()));
            for (ClusterView.Broker broker : ClusterView.liveBrokers(context, request.listenerName())) {
                response.brokers().add(new MetadataResponseBroker().setNodeId(broker.id())
                        .setHost(broker.host()).setPort(broker.port()).setRack(broker.rack()));
            }
            for (CompletableFuture<MetadataResponseTopic> answer : answers) {
                response.topics().add(answer.join());
            }
            return response;
        });
    }

    /**
     * Kafka's rule: a request naming any topic by a non-zero id is answered by id, one answer per distinct
     * id (names are ignored; the Admin client sends "" beside each id). Ids exist from v12; v10 and v11 carry
     * the field but Kafka refuses a request that uses it, or that leaves a name null.
     */
    private static boolean byTopicId(List<MetadataRequestData.MetadataRequestTopic> topics, short version) {
        boolean anyId = false;
        for (MetadataRequestData.MetadataRequestTopic topic : topics) {
            boolean hasId = topic.topicId() != null && !Uuid.ZERO_UUID.equals(topic.topicId());
            if (version < 12 && (hasId || topic.name() == null)) {
                throw new InvalidRequestException("Topic IDs and null topic names are not supported in Metadata v" + version);
            }
            anyId |= hasId;
        }
        return anyId;
    }

    private static Set<Uuid> distinctIds(List<MetadataRequestData.MetadataRequestTopic> topics) {
        Set<Uuid> ids = new LinkedHashSet<>();
        for (MetadataRequestData.MetadataRequestTopic topic : topics) {
            if (topic.topicId() != null && !Uuid.ZERO_UUID.equals(topic.topicId())) {
                ids.add(topic.topicId());
            }
        }
        return ids;
    }

    private MetadataResponseTopic answerById(Uuid id, boolean authorizedOps) {
        return context.topics().image().topic(Uuids.fromKafka(id)).map(t -> describe(t, authorizedOps))
                .orElseGet(() -> error(null, id, Errors.UNKNOWN_TOPIC_ID));
    }

    private CompletableFuture<MetadataResponseTopic> answer(MetadataRequestData.MetadataRequestTopic wanted,
                                                            boolean allowCreate, boolean authorizedOps) {
        MetadataImage image = context.topics().image();
        String name = wanted.name();
        if (name == null) {
            // v12+ with a null name and a zero id: Kafka finds no such topic.
            return CompletableFuture.completedFuture(error(null, Uuid.ZERO_UUID, Errors.UNKNOWN_TOPIC_ID));
        }
        Optional<TopicImage> known = image.topic(name);
        if (known.isPresent()) {
            return CompletableFuture.completedFuture(describe(known.get(), authorizedOps));
        }
        if (TopicService.invalidTopicNameReason(name).isPresent()) {
            return CompletableFuture.completedFuture(error(name, Uuid.ZERO_UUID, Errors.INVALID_TOPIC_EXCEPTION));
        }
        if (!allowCreate || name.equals(TopicService.KAFKA_METADATA_TOPIC)) {
            // Kafka's metadata log's name is never created, as Kafka refuses it.
            return CompletableFuture.completedFuture(error(name, Uuid.ZERO_UUID, Errors.UNKNOWN_TOPIC_OR_PARTITION));
        }
        return context.topics().create(name, context.config().numPartitions(), (short) -1, java.util.Map.of(),
                        io.dlog.kafka.topic.TopicService.DEFAULT_PROPOSAL_TIMEOUT)
                .handle((created, failure) -> {
                    if (failure == null) {
                        return describe(created, authorizedOps);
                    }
                    Throwable cause = failure instanceof CompletionException ? failure.getCause() : failure;
                    if (cause instanceof MetadataException e && e.reason() == MetadataException.Reason.TOPIC_ALREADY_EXISTS) {
                        // Another request created it meanwhile.
                        return context.topics().image().topic(name).map(t -> describe(t, authorizedOps))
                                .orElseGet(() -> error(name, Uuid.ZERO_UUID, Errors.LEADER_NOT_AVAILABLE));
                    }
                    // Kafka answers a failed auto-creation (too few brokers, no metadata quorum) with a
                    // retriable LEADER_NOT_AVAILABLE, and the client asks again.
                    return error(name, Uuid.ZERO_UUID, Errors.LEADER_NOT_AVAILABLE);
                });
    }

    private MetadataResponseTopic describe(TopicImage topic, boolean authorizedOps) {
        MetadataResponseTopic answer = new MetadataResponseTopic()
                .setName(topic.name())
                .setTopicId(Uuids.toKafka(topic.topicId()))
                .setIsInternal(InternalTopics.isInternal(topic.name()))
                .setErrorCode(Errors.NONE.code())
                .setTopicAuthorizedOperations(AuthorizedOperations.topic(authorizedOps));
        MetadataImage image = context.topics().image();
        for (int p = 0; p < topic.partitions(); p++) {
            List<Integer> replicas = topic.replicas(p);
            int leader = TopicService.leaderOf(image, topic, p);
            PartitionState state = topic.state(p);
            List<Integer> offline = replicas.stream().filter(r -> !image.isLive(r)).toList();
            answer.partitions().add(new MetadataResponsePartition()
                    .setPartitionIndex(p)
                    .setErrorCode(leader < 0 ? Errors.LEADER_NOT_AVAILABLE.code() : Errors.NONE.code())
                    .setLeaderId(leader)
                    .setLeaderEpoch(state.leaderEpoch())
                    .setReplicaNodes(replicas)
                    .setIsrNodes(state.isr())
                    .setOfflineReplicas(offline));
        }
        return answer;
    }

    private static MetadataResponseTopic error(String name, Uuid id, Errors error) {
        return new MetadataResponseTopic().setName(name).setTopicId(id == null ? Uuid.ZERO_UUID : id)
                .setErrorCode(error.code()).setTopicAuthorizedOperations(AuthorizedOperations.NOT_REQUESTED);
    }
}
