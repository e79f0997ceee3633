package io.dlog.kafka.handlers.admin;

import io.dlog.cluster.MetadataCommand;
import io.dlog.kafka.BrokerContext;
import io.dlog.kafka.api.ApiHandler;
import io.dlog.kafka.api.RequestContext;
import io.dlog.log.metadata.MetadataImage;
import io.dlog.log.metadata.TopicImage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.ElectionType;
import org.apache.kafka.common.message.ElectLeadersRequestData;
import org.apache.kafka.common.message.ElectLeadersResponseData;
import org.apache.kafka.common.message.ElectLeadersResponseData.PartitionResult;
import org.apache.kafka.common.message.ElectLeadersResponseData.ReplicaElectionResult;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ApiError;

/**
 * ElectLeaders ({@code kafka-leader-election}): a preferred election makes each partition's first replica
 * its leader again if it is live and in sync; an unclean one gives an offline partition its first live
 * replica. Each election is a proposal to the metadata group, decided by the same rules as failover.
 * With no partitions named, every partition is considered and only those whose election was tried
 * (not ELECTION_NOT_NEEDED) are reported, as Kafka does.
 */
public final class ElectLeadersHandler implements ApiHandler<ElectLeadersRequestData> {
    private final BrokerContext context;

    public ElectLeadersHandler(BrokerContext context) {
        this.context = context;
    }

    private record Target(String topic, int partition) {
    }

    @Override
    public CompletionStage<ElectLeadersResponseData> handle(RequestContext request, ElectLeadersRequestData data) {
        boolean unclean = request.apiVersion() >= 1 && data.electionType() == ElectionType.UNCLEAN.value;
        boolean all = data.topicPartitions() == null;
        MetadataImage image = context.topics().image();
        List<Target> targets = new ArrayList<>();
        if (all) {
            for (TopicImage topic : image.topics().values()) {
                for (int p = 0; p < topic.partitions(); p++) {
                    targets.add(new Target(topic.name(), p));
                }
            }
        } else {
            for (ElectLeadersRequestData.TopicPartitions topic : data.topicPartitions()) {
                for (int p : topic.partitions()) {
                    targets.add(new Target(topic.topic(), p));
                }
            }
        }
        Duration timeout = ProposalTimeouts.of(data.timeoutMs());
        Map<Target, CompletableFuture<ApiError>> results = new LinkedHashMap<>();
        for (Target target : targets) {
            results.put(target, elect(image, target, unclean, timeout));
        }
        return CompletableFuture.allOf(results.values().toArray(CompletableFuture[]::new)).thenApply(done -> {
            ElectLeadersResponseData response = new ElectLeadersResponseData().setErrorCode(Errors.NONE.code());
            Map<String, ReplicaElectionResult> byTopic = new LinkedHashMap<>();
            results.forEach((target, future) -> {
                ApiError error = future.join();
                if (all && error.error() == Errors.ELECTION_NOT_NEEDED) {
                    return;
                }
                byTopic.computeIfAbsent(target.topic(), t -> {
                    ReplicaElectionResult created = new ReplicaElectionResult().setTopic(t);
                    response.replicaElectionResults().add(created);
                    return created;
                }).partitionResult().add(new PartitionResult().setPartitionId(target.partition())
                        .setErrorCode(error.error().code()).setErrorMessage(error.message()));
            });
            return response;
        });
    }

    private CompletableFuture<ApiError> elect(MetadataImage image, Target target, boolean unclean, Duration timeout) {
        Optional<TopicImage> topic = image.topic(target.topic());
        if (topic.isEmpty() || target.partition() < 0 || target.partition() >= topic.get().partitions()) {
            return CompletableFuture.completedFuture(new ApiError(Errors.UNKNOWN_TOPIC_OR_PARTITION,
                    "The partition does not exist."));
        }
        int preferred = topic.get().replicas(target.partition()).get(0);
        return context.topics().quorum().propose(new MetadataCommand.ElectLeader(target.topic(), target.partition(),
                        unclean ? -1 : preferred, unclean), timeout)
                .handle((applied, failure) -> failure == null ? ApiError.NONE : AdminErrors.fromThrowable(failure));
    }
}
