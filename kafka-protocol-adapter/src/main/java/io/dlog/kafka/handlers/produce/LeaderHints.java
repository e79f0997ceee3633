package io.dlog.kafka.handlers.produce;

import io.dlog.kafka.BrokerContext;
import io.dlog.kafka.common.ClusterView;
import io.dlog.kafka.topic.TopicService;
import io.dlog.log.metadata.MetadataImage;
import io.dlog.log.metadata.TopicImage;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.Errors;

/**
 * KIP-951: a NOT_LEADER_OR_FOLLOWER answer names the partition's current leader and epoch, and the
 * response carries that leader's endpoint, so a producer moves to the new leader without a metadata
 * round trip after a failover. Stateless; reads the image.
 */
final class LeaderHints {
    private LeaderHints() {
    }

    static void addTo(BrokerContext context, ProduceResponseData response) {
        MetadataImage image = context.topics().image();
        Set<Integer> leaders = new TreeSet<>();
        for (ProduceResponseData.TopicProduceResponse topic : response.responses()) {
            Optional<TopicImage> known = topic.name().isEmpty()
                    ? image.topic(io.dlog.kafka.common.Uuids.fromKafka(topic.topicId())) : image.topic(topic.name());
            if (known.isEmpty()) {
                continue;
            }
            for (ProduceResponseData.PartitionProduceResponse partition : topic.partitionResponses()) {
                if (partition.errorCode() != Errors.NOT_LEADER_OR_FOLLOWER.code() || partition.index() < 0
                        || partition.index() >= known.get().partitions()) {
                    continue;
                }
                int leader = TopicService.leaderOf(image, known.get(), partition.index());
                if (leader < 0) {
                    continue;
                }
                partition.setCurrentLeader(new ProduceResponseData.LeaderIdAndEpoch().setLeaderId(leader)
                        .setLeaderEpoch(known.get().state(partition.index()).leaderEpoch()));
                leaders.add(leader);
            }
        }
        for (int leader : leaders) {
            ClusterView.liveBroker(context, leader).ifPresent(b -> response.nodeEndpoints().add(
                    new ProduceResponseData.NodeEndpoint().setNodeId(b.id()).setHost(b.host()).setPort(b.port())
                            .setRack(b.rack())));
        }
    }
}
