package io.dlog.kafka.share;

import io.dlog.kafka.interbroker.InterBrokerClient;
import io.dlog.kafka.topic.TopicService;
import io.dlog.log.PartitionLog;
import io.dlog.log.metadata.MetadataImage;
import io.dlog.log.metadata.TopicImage;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.ListOffsetsResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ListOffsetsRequest;
import org.apache.kafka.common.requests.ListOffsetsResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The end offsets (high watermarks) of topic partitions for share group lag (DescribeShareGroupOffsets v1):
 * from this node's log where it leads the partition, else by ListOffsets LATEST (read_uncommitted: the high
 * watermark) to the partition's leader over the inter-broker client, one request per leader, as Kafka's group
 * coordinator asks the leaders. A partition without a live leader, or whose leader does not answer, has none
 * (its lag is then -1, Kafka's "unknown").
 *
 * <p>Thread-safety: stateless; futures complete on the inter-broker thread or at once, and nothing blocks.
 */
final class EndOffsets {
    private static final Logger LOG = LoggerFactory.getLogger(EndOffsets.class);

    private final TopicService topics;
    private final InterBrokerClient client;

    EndOffsets(TopicService topics, InterBrokerClient client) {
        this.topics = topics;
        this.client = client;
    }

    /** The high watermark of each of {@code partitions} that could be learnt; the others are missing. */
    CompletableFuture<Map<TopicPartition, Long>> of(Set<TopicPartition> partitions) {
        Map<TopicPartition, Long> out = new ConcurrentHashMap<>();
        Map<Integer, List<TopicPartition>> byLeader = new HashMap<>();
        MetadataImage image = topics.image();
        for (TopicPartition tp : partitions) {
            Optional<PartitionLog> log = topics.partition(tp.topic(), tp.partition());
            Optional<TopicImage> topic = image.topic(tp.topic());
            if (log.isPresent()) {
                out.put(tp, log.get().highWatermark());
            } else if (client != null && topic.isPresent() && tp.partition() < topic.get().partitions()) {
                int leader = TopicService.leaderOf(image, topic.get(), tp.partition());
                if (leader >= 0 && leader != topics.nodeId()) {
                    byLeader.computeIfAbsent(leader, n -> new ArrayList<>()).add(tp);
                }
            }
        }
        List<CompletableFuture<Void>> calls = new ArrayList<>();
        byLeader.forEach((leader, asked) -> calls.add(client.send(leader, ListOffsetsRequest.Builder
                .forConsumer(false, IsolationLevel.READ_UNCOMMITTED).setTargetTimes(latest(asked)))
                .handle((response, failure) -> {
                    if (failure != null) {
                        LOG.debug("ListOffsets to node {} for share group lag failed", leader, failure);
                    } else {
                        answer(((ListOffsetsResponse) response).data(), out);
                    }
                    return null;
                })));
        return CompletableFuture.allOf(calls.toArray(new CompletableFuture<?>[0])).thenApply(ignored -> out);
    }

    private static List<ListOffsetsRequestData.ListOffsetsTopic> latest(List<TopicPartition> partitions) {
        Map<String, ListOffsetsRequestData.ListOffsetsTopic> byTopic = new HashMap<>();
        for (TopicPartition tp : partitions) {
            byTopic.computeIfAbsent(tp.topic(), name -> new ListOffsetsRequestData.ListOffsetsTopic().setName(name))
                    .partitions().add(new ListOffsetsRequestData.ListOffsetsPartition().setPartitionIndex(tp.partition())
                            .setTimestamp(ListOffsetsRequest.LATEST_TIMESTAMP));
        }
        return new ArrayList<>(byTopic.values());
    }

    private static void answer(ListOffsetsResponseData data, Map<TopicPartition, Long> out) {
        for (ListOffsetsResponseData.ListOffsetsTopicResponse t : data.topics()) {
            for (ListOffsetsResponseData.ListOffsetsPartitionResponse p : t.partitions()) {
                if (p.errorCode() == Errors.NONE.code() && p.offset() >= 0) {
                    out.put(new TopicPartition(t.name(), p.partitionIndex()), p.offset());
                }
            }
        }
    }
}
