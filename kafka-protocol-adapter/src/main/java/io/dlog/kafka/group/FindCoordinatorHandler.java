package io.dlog.kafka.group;

import io.dlog.idcoord.CoordinatorPlacement;
import io.dlog.kafka.BrokerContext;
import io.dlog.kafka.api.ApiHandler;
import io.dlog.kafka.api.RequestContext;
import io.dlog.kafka.config.BrokerConfig;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.FindCoordinatorRequest.CoordinatorType;

/**
 * FindCoordinator v0-6 (batched coordinatorKeys from v4). Groups and transactional ids: this node
 * (single node; see {@link GroupCoordinator} on placement; transactional ids use the same rule). Share
 * groups do not exist yet: Kafka would
 * answer COORDINATOR_NOT_AVAILABLE, which clients retry forever (a producer's initTransactions would
 * hang until max.block.ms); DLog answers INVALID_REQUEST with a message instead, which fails the
 * client at once with a readable error. (TRANSACTIONAL_ID_AUTHORIZATION_FAILED would be misleading.)
 * Stateless; thread-safe.
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
                response.coordinators().add(find(data.keyType(), key));
            }
        } else {
            FindCoordinatorResponseData.Coordinator one = find(data.keyType(), data.key());
            response.setErrorCode(one.errorCode()).setErrorMessage(one.errorMessage()).setNodeId(one.nodeId())
                    .setHost(one.host()).setPort(one.port());
        }
        return CompletableFuture.completedFuture(response);
    }

    private FindCoordinatorResponseData.Coordinator find(byte keyType, String key) {
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
        // Rendezvous hashing over the live nodes: with more nodes only the leaving node's groups move.
        int owner = CoordinatorPlacement.ownerOf(key, liveNodes());
        if (owner != context.nodeId()) {
            return noCoordinator(answer, Errors.NOT_COORDINATOR, key + " is coordinated by node " + owner);
        }
        BrokerConfig.Listener endpoint = context.advertisedListener();
        return answer.setErrorCode(Errors.NONE.code()).setErrorMessage(null).setNodeId(context.nodeId())
                .setHost(endpoint.host()).setPort(endpoint.port());
    }

    /** The nodes that can coordinate: this one until the metadata image holds more brokers. */
    private java.util.List<Integer> liveNodes() {
        return java.util.List.of(context.nodeId());
    }

    private static FindCoordinatorResponseData.Coordinator noCoordinator(FindCoordinatorResponseData.Coordinator answer,
                                                                         Errors error, String message) {
        return answer.setErrorCode(error.code()).setErrorMessage(message).setNodeId(-1).setHost("").setPort(-1);
    }

}
