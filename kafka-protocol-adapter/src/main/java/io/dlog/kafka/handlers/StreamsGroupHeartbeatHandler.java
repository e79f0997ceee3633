package io.dlog.kafka.handlers;

import io.dlog.kafka.BrokerContext;
import io.dlog.kafka.api.ApiHandler;
import io.dlog.kafka.api.RequestContext;
import io.dlog.kafka.group.GroupCoordinator;
import io.dlog.kafka.group.streams.StreamsTopology;
import io.dlog.kafka.topic.FeatureLevels;
import io.dlog.kafka.topic.TopicService;
import io.dlog.log.metadata.MetadataException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.message.StreamsGroupHeartbeatRequestData;
import org.apache.kafka.common.message.StreamsGroupHeartbeatResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * StreamsGroupHeartbeat v0 (KIP-1071), as Kafka 4.2+ serves it: UNSUPPORTED_VERSION while the cluster's
 * {@code streams.version} is 0; otherwise the group coordinator answers, and the internal topics it
 * reports missing (MISSING_INTERNAL_TOPICS) are created here in the background with the partition
 * counts, replication factor and configs the topology asks for, as Kafka's request layer creates them.
 * The member's next heartbeat finds them and gets its tasks.
 *
 * <p>Thread-safe: the set of creations in flight is concurrent, so a topic is proposed once at a time.
 */
public final class StreamsGroupHeartbeatHandler implements ApiHandler<StreamsGroupHeartbeatRequestData> {
    private static final Logger LOG = LoggerFactory.getLogger(StreamsGroupHeartbeatHandler.class);
    private static final String UNSUPPORTED = "The cluster does not support the streams group protocol"
            + " (feature streams.version is not enabled).";

    private final BrokerContext context;
    private final GroupCoordinator groups;
    private final Set<String> creating = ConcurrentHashMap.newKeySet();

    public StreamsGroupHeartbeatHandler(BrokerContext context, GroupCoordinator groups) {
        this.context = context;
        this.groups = groups;
    }

    @Override
    public CompletionStage<StreamsGroupHeartbeatResponseData> handle(RequestContext request,
                                                                     StreamsGroupHeartbeatRequestData data) {
        if (FeatureLevels.streamsVersion(context.topics().image()) < 1) {
            return CompletableFuture.completedFuture(new StreamsGroupHeartbeatResponseData()
                    .setErrorCode(Errors.UNSUPPORTED_VERSION.code()).setErrorMessage(UNSUPPORTED));
        }
        String clientHost = request.clientAddress() == null || request.clientAddress().getAddress() == null ? ""
                : "/" + request.clientAddress().getAddress().getHostAddress();
        return groups.streamsGroupHeartbeat(request.clientId(), clientHost, data).thenApply(result -> {
            create(data.groupId(), result.topicsToCreate());
            return result.response();
        });
    }

    private void create(String groupId, List<StreamsTopology.TopicInfo> topics) {
        for (StreamsTopology.TopicInfo topic : topics) {
            if (!creating.add(topic.name())) {
                continue;
            }
            short replication = topic.replicationFactor() <= 0 ? (short) -1 : topic.replicationFactor();
            context.topics().create(topic.name(), topic.partitions(), replication, topic.configs(),
                    TopicService.DEFAULT_PROPOSAL_TIMEOUT).whenComplete((created, failure) -> {
                        creating.remove(topic.name());
                        Throwable cause = failure instanceof CompletionException ? failure.getCause() : failure;
                        if (failure == null) {
                            LOG.info("Created internal topic {} ({} partitions) of streams group {}", topic.name(),
                                    topic.partitions(), groupId);
                        } else if (!(cause instanceof MetadataException e
                                && e.reason() == MetadataException.Reason.TOPIC_ALREADY_EXISTS)) {
                            LOG.warn("Creating internal topic {} of streams group {} failed; retried on a later heartbeat",
                                    topic.name(), groupId, cause);
                        }
                    });
        }
    }
}
