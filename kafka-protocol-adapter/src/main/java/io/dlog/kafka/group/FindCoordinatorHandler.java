package io.dlog.kafka.group;

import io.dlog.kafka.BrokerContext;
import io.dlog.kafka.api.ApiHandler;
import io.dlog.kafka.api.RequestContext;
import io.dlog.kafka.common.ClusterView;
import io.dlog.kafka.coordinator.InternalTopics;
import io.dlog.kafka.topic.TopicService;
import io.dlog.log.metadata.MetadataImage;
import io.dlog.log.metadata.TopicImage;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.FindCoordinatorRequest.CoordinatorType;

/**
 * FindCoordinator v0-6 (batched coordinatorKeys from v4). The coordinator of a group is the leader of
 * its {@code __consumer_offsets} partition, of a transactional id the leader of its
 * {@code __transaction_state} partition ({@code abs(hash) % partitions}, as Kafka). While the topic is
 * being created or the partition has no leader the answer is COORDINATOR_NOT_AVAILABLE, which clients
 * retry. Share groups do not exist yet: Kafka would answer COORDINATOR_NOT_AVAILABLE, which clients
 * retry forever; DLog answers INVALID_REQUEST with a message instead, which fails the client at once
 * with a readable error. Stateless; thread-safe.
 */
public final class FindCoordinatorHandler implements ApiHandler<FindCoordinatorRequestData> {
    private static final short BATCHED_VERSION = 4;

    private final BrokerContext context;

    public FindCoordinatorHandler(BrokerContext context) {
        this.context = context;
    }

    @Override
    public CompletionStage<FindCoordinatorResponseData> handle(RequestContext request, FindCoordinatorRequestData data) {
        FindCoordinatorResponseData response = new FindCoordinatorResponseData();
        if (request.apiVersion() >= BATCHED_VERSION) {
            for (String key : data.coordinatorKeys()) {
                response.coordinators().add(find(request.listenerName(), data.keyType(), key));
            }
        } else {
            FindCoordinatorResponseData.Coordinator one = find(request.listenerName(), data.keyType(), data.key());
            response.setErrorCode(one.errorCode()).setErrorMessage(one.errorMessage()).setNodeId(one.nodeId())
                    .setHost(one.host()).setPort(one.port());
        }
        return CompletableFuture.completedFuture(response);
    }

    private FindCoordinatorResponseData.Coordinator find(String listener, byte keyType, String key) {
        FindCoordinatorResponseData.Coordinator answer = new FindCoordinatorResponseData.Coordinator().setKey(key);
        CoordinatorType type;
        try {
            type = CoordinatorType.forId(keyType);
        } catch (IllegalArgumentException e) {
            return noCoordinator(answer, Errors.INVALID_REQUEST, "Unknown coordinator key type " + keyType);
        }
        if (type != CoordinatorType.GROUP && type != CoordinatorType.TRANSACTION) {
            return noCoordinator(answer, Errors.INVALID_REQUEST, type + " coordinators are not supported by DLog yet");
        }
        if (key == null || key.isEmpty()) {
            return noCoordinator(answer, Errors.INVALID_REQUEST, type == CoordinatorType.GROUP ? "The group id is empty"
                    : "The transactional id is empty");
        }
        String topicName = type == CoordinatorType.GROUP ? InternalTopics.CONSUMER_OFFSETS : InternalTopics.TRANSACTION_STATE;
        MetadataImage image = context.topics().image();
        Optional<TopicImage> topic = image.topic(topicName);
        if (topic.isEmpty()) {
            return noCoordinator(answer, Errors.COORDINATOR_NOT_AVAILABLE, topicName + " is being created");
        }
        // Transactional ids: the coordinator's own rule (Kafka's Utils.abs). Groups: the sign mask the group
        // coordinator places them with (GroupCoordinator.partitionFor); both sides must agree.
        int partition = type == CoordinatorType.TRANSACTION
                ? InternalTopics.transactionPartition(key, topic.get().partitions())
                : (key.hashCode() & 0x7fffffff) % topic.get().partitions();
        int leader = TopicService.leaderOf(image, topic.get(), partition);
        Optional<ClusterView.Broker> coordinator = leader < 0 ? Optional.empty() : ClusterView.liveBroker(context, listener, leader);
        if (coordinator.isEmpty()) {
            return noCoordinator(answer, Errors.COORDINATOR_NOT_AVAILABLE, "The coordinator of " + key + " ("
                    + topicName + "-" + partition + ") is not available");
        }
        return answer.setErrorCode(Errors.NONE.code()).setErrorMessage(null).setNodeId(coordinator.get().id())
                .setHost(coordinator.get().host()).setPort(coordinator.get().port());
    }

    private static FindCoordinatorResponseData.Coordinator noCoordinator(FindCoordinatorResponseData.Coordinator answer,
                                                                         Errors error, String message) {
        return answer.setErrorCode(error.code()).setErrorMessage(message).setNodeId(-1).setHost("").setPort(-1);
    }
}
