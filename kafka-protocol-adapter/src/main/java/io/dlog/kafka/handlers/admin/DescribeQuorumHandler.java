package io.dlog.kafka.handlers.admin;

import io.dlog.cluster.MetadataQuorum;
import io.dlog.kafka.BrokerContext;
import io.dlog.kafka.api.ApiHandler;
import io.dlog.kafka.api.RequestContext;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.DescribeQuorumRequestData;
import org.apache.kafka.common.message.DescribeQuorumResponseData;
import org.apache.kafka.common.message.DescribeQuorumResponseData.ReplicaState;
import org.apache.kafka.common.protocol.Errors;

/**
 * DescribeQuorum v0-2 ({@code kafka-metadata-quorum describe --status/--replication}): the metadata
 * Raft group as its leader sees it, under Kafka's name for the metadata log, {@code __cluster_metadata-0}.
 * Leader epoch is the Raft term, the high watermark the commit index, each voter's log end offset the
 * index the leader knows it has replicated. Observers are the broker-only nodes ({@code process.roles=broker}), as
 * the leader last heard from them: each one's log end offset is one past the index of the image it held. Asked on any node,
 * answered by the leader (over the metadata group), as a Kafka broker forwards to the controller.
 */
public final class DescribeQuorumHandler implements ApiHandler<DescribeQuorumRequestData> {
    static final String METADATA_TOPIC = io.dlog.kafka.topic.TopicService.KAFKA_METADATA_TOPIC;
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final BrokerContext context;

    public DescribeQuorumHandler(BrokerContext context) {
        this.context = context;
    }

    @Override
    public CompletionStage<DescribeQuorumResponseData> handle(RequestContext request, DescribeQuorumRequestData data) {
        boolean asksForMetadataLog = data.topics().size() == 1 && METADATA_TOPIC.equals(data.topics().get(0).topicName())
                && data.topics().get(0).partitions().size() == 1 && data.topics().get(0).partitions().get(0).partitionIndex() == 0;
        if (!asksForMetadataLog) {
            return CompletableFuture.completedFuture(new DescribeQuorumResponseData()
                    .setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code())
                    .setErrorMessage("DLog's metadata quorum is " + METADATA_TOPIC + "-0"));
        }
        MetadataQuorum quorum = context.topics().quorum();
        return quorum.describe(TIMEOUT).handle((description, failure) -> {
            if (failure != null) {
                return new DescribeQuorumResponseData().setErrorCode(Errors.REQUEST_TIMED_OUT.code())
                        .setErrorMessage("no metadata leader answered: " + failure.getMessage());
            }
            return build(request.apiVersion(), description, quorum.voterAddresses());
        });
    }

    private DescribeQuorumResponseData build(short version, MetadataQuorum.QuorumDescription description,
                                             Map<Integer, InetSocketAddress> addresses) {
        long now = context.clock().millis();
        List<ReplicaState> voters = new ArrayList<>();
        for (MetadataQuorum.VoterState voter : description.voters()) {
            long lastFetch = voter.lastContactMs() < 0 ? -1 : now - voter.lastContactMs();
            voters.add(new ReplicaState()
                    .setReplicaId(voter.nodeId())
                    .setReplicaDirectoryId(Uuid.ZERO_UUID)
                    // Raft indexes start at 0 and Kafka offsets count entries: end offset = index + 1.
                    .setLogEndOffset(voter.matchIndex() + 1)
                    .setLastFetchTimestamp(lastFetch)
                    .setLastCaughtUpTimestamp(voter.matchIndex() >= description.commitIndex() ? lastFetch : -1));
        }
        List<ReplicaState> observers = new ArrayList<>();
        for (MetadataQuorum.ObserverState observer : description.observers()) {
            observers.add(new ReplicaState()
                    .setReplicaId(observer.nodeId())
                    .setReplicaDirectoryId(Uuid.ZERO_UUID)
                    .setLogEndOffset(observer.appliedIndex() + 1)
                    .setLastFetchTimestamp(now - observer.lastContactMs())
                    .setLastCaughtUpTimestamp(observer.lastCaughtUpMs() < 0 ? -1 : now - observer.lastCaughtUpMs()));
        }
        DescribeQuorumResponseData response = new DescribeQuorumResponseData().setErrorCode(Errors.NONE.code());
        response.topics().add(new DescribeQuorumResponseData.TopicData().setTopicName(METADATA_TOPIC)
                .setPartitions(List.of(new DescribeQuorumResponseData.PartitionData()
                        .setPartitionIndex(0)
                        .setErrorCode(Errors.NONE.code())
                        .setLeaderId(description.leaderId())
                        .setLeaderEpoch((int) Math.min(Integer.MAX_VALUE, description.term()))
                        .setHighWatermark(description.commitIndex() + 1)
                        .setCurrentVoters(voters)
                        .setObservers(observers))));
        if (version >= 2) {
            String listener = context.config().controllerListenerName();
            addresses.forEach((id, address) -> {
                DescribeQuorumResponseData.ListenerCollection listeners = new DescribeQuorumResponseData.ListenerCollection();
                listeners.add(new DescribeQuorumResponseData.Listener().setName(listener)
                        .setHost(address.getHostString()).setPort(address.getPort()));
                response.nodes().add(new DescribeQuorumResponseData.Node().setNodeId(id).setListeners(listeners));
            });
        }
        return response;
    }
}
