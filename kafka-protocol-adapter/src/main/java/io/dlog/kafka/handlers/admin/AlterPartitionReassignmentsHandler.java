package io.dlog.kafka.handlers.admin;

import io.dlog.cluster.MetadataCommand;
import io.dlog.kafka.BrokerContext;
import io.dlog.kafka.api.ApiHandler;
import io.dlog.kafka.api.RequestContext;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.AlterPartitionReassignmentsRequestData;
import org.apache.kafka.common.message.AlterPartitionReassignmentsResponseData;
import org.apache.kafka.common.message.AlterPartitionReassignmentsResponseData.ReassignablePartitionResponse;
import org.apache.kafka.common.message.AlterPartitionReassignmentsResponseData.ReassignableTopicResponse;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ApiError;

/**
 * AlterPartitionReassignments ({@code kafka-reassign-partitions --execute / --cancel}): each partition's move
 * (or cancel, replicas null) is one proposal to the metadata group, decided there by Kafka's rules (the cluster
 * module's PartitionReassignment): UNKNOWN_TOPIC_OR_PARTITION, INVALID_REPLICA_ASSIGNMENT (empty, duplicate or
 * unregistered brokers; a cancel that would need an unclean election), NO_REASSIGNMENT_IN_PROGRESS, and with
 * {@code allow_replication_factor_change} false (v1, KIP-860) INVALID_REPLICATION_FACTOR. The answer comes once
 * the move is started here; it completes in the background when the new replicas are in sync.
 */
public final class AlterPartitionReassignmentsHandler implements ApiHandler<AlterPartitionReassignmentsRequestData> {
    private final BrokerContext context;

    public AlterPartitionReassignmentsHandler(BrokerContext context) {
        this.context = context;
    }

    @Override
    public CompletionStage<AlterPartitionReassignmentsResponseData> handle(RequestContext request,
                                                                           AlterPartitionReassignmentsRequestData data) {
        boolean allowRfChange = request.apiVersion() < 1 || data.allowReplicationFactorChange();
        Duration timeout = ProposalTimeouts.of(data.timeoutMs());
        List<CompletableFuture<ApiError>> results = new ArrayList<>();
        for (AlterPartitionReassignmentsRequestData.ReassignableTopic topic : data.topics()) {
            for (AlterPartitionReassignmentsRequestData.ReassignablePartition partition : topic.partitions()) {
                results.add(context.topics().quorum().propose(new MetadataCommand.AlterReassignment(topic.name(),
                                partition.partitionIndex(), partition.replicas(), allowRfChange), timeout)
                        .handle((applied, failure) -> failure == null ? ApiError.NONE : AdminErrors.fromThrowable(failure)));
            }
        }
        return CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).thenApply(done -> {
            AlterPartitionReassignmentsResponseData response = new AlterPartitionReassignmentsResponseData()
                    .setErrorCode(Errors.NONE.code()).setErrorMessage(null).setAllowReplicationFactorChange(allowRfChange);
            int next = 0;
            for (AlterPartitionReassignmentsRequestData.ReassignableTopic topic : data.topics()) {
                ReassignableTopicResponse topicResponse = new ReassignableTopicResponse().setName(topic.name());
                for (AlterPartitionReassignmentsRequestData.ReassignablePartition partition : topic.partitions()) {
                    ApiError error = results.get(next++).join();
                    topicResponse.partitions().add(new ReassignablePartitionResponse()
                            .setPartitionIndex(partition.partitionIndex()).setErrorCode(error.error().code())
                            .setErrorMessage(error.message()));
                }
                response.responses().add(topicResponse);
            }
            return response;
        });
    }
}
