package io.dlog.kafka.handlers;

import io.dlog.kafka.BrokerContext;
import io.dlog.kafka.api.ApiHandler;
import io.dlog.kafka.api.RequestContext;
import io.dlog.kafka.group.GroupCoordinator;
import io.dlog.kafka.group.streams.ConfiguredTopology;
import io.dlog.kafka.group.streams.StreamsTopology;
import io.dlog.kafka.security.AclAuthorizer;
import io.dlog.kafka.topic.FeatureLevels;
import io.dlog.kafka.topic.TopicService;
import io.dlog.log.metadata.MetadataException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.message.StreamsGroupHeartbeatRequestData;
import org.apache.kafka.common.message.StreamsGroupHeartbeatResponseData;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.resource.ResourceType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * StreamsGroupHeartbeat v0 (KIP-1071), as Kafka 4.2+ serves it: UNSUPPORTED_VERSION while the cluster's
 * {@code streams.version} is 0; otherwise the group coordinator answers, and the internal topics it
 * reports missing (MISSING_INTERNAL_TOPICS) are created here in the background with the partition
 * counts, replication factor and configs the topology asks for, as Kafka's request layer creates them.
 * The member's next heartbeat finds them and gets its tasks. With an authorizer, only topics the principal
 * may CREATE (on the cluster or the topic) are created; the others are named in a MISSING_INTERNAL_TOPICS
 * status, as Kafka does.
 *
 * <p>Thread-safe: the set of creations in flight is concurrent, so a topic is proposed once at a time.
 */
public final class StreamsGroupHeartbeatHandler implements ApiHandler<StreamsGroupHeartbeatRequestData> {
    private static final Logger LOG = LoggerFactory.getLogger(StreamsGroupHeartbeatHandler.class);
    private static final String UNSUPPORTED = "The cluster does not support the streams group protocol"
            + " (feature streams.version is not enabled).";

    private static final String CLUSTER = "kafka-cluster";

    private final BrokerContext context;
    private final GroupCoordinator groups;
    private final AclAuthorizer authorizer;
    private final Set<String> creating = ConcurrentHashMap.newKeySet();

    /** @param authorizer checks CREATE before an internal topic is created; null when no authorizer is configured */
    public StreamsGroupHeartbeatHandler(BrokerContext context, GroupCoordinator groups, AclAuthorizer authorizer) {
        this.context = context;
        this.groups = groups;
        this.authorizer = authorizer;
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
            List<StreamsTopology.TopicInfo> allowed = new ArrayList<>();
            List<String> refused = new ArrayList<>();
            for (StreamsTopology.TopicInfo topic : result.topicsToCreate()) {
                if (mayCreate(request, topic.name())) {
                    allowed.add(topic);
                } else {
                    refused.add(topic.name());
                }
            }
            create(data.groupId(), allowed);
            if (!refused.isEmpty()) {
                // As Kafka: the member hears why the topics do not appear.
                result.response().status().add(new StreamsGroupHeartbeatResponseData.Status()
                        .setStatusCode(ConfiguredTopology.MISSING_INTERNAL_TOPICS)
                        .setStatusDetail("Unauthorized to CREATE on topics " + String.join(", ", refused) + "."));
            }
            return result.response();
        });
    }

    /** CREATE on the cluster or on the topic, as Kafka checks before it creates a streams internal topic. */
    private boolean mayCreate(RequestContext request, String topic) {
        if (authorizer == null) {
            return true;
        }
        String host = request.clientAddress() == null ? "" : request.clientAddress().getAddress().getHostAddress();
        return authorizer.authorize(request.principal(), host, AclOperation.CREATE, ResourceType.CLUSTER, CLUSTER)
                || authorizer.authorize(request.principal(), host, AclOperation.CREATE, ResourceType.TOPIC, topic);
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
