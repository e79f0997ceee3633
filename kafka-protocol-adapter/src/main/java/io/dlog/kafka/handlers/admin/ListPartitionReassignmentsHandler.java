package io.dlog.kafka.handlers.admin;

import io.dlog.kafka.BrokerContext;
import io.dlog.kafka.api.ApiHandler;
import io.dlog.kafka.api.RequestContext;
import io.dlog.log.metadata.MetadataImage;
import io.dlog.log.metadata.PartitionState;
import io.dlog.log.metadata.TopicImage;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.stream.IntStream;
import org.apache.kafka.common.message.ListPartitionReassignmentsRequestData;
import org.apache.kafka.common.message.ListPartitionReassignmentsResponseData;
import org.apache.kafka.common.message.ListPartitionReassignmentsResponseData.OngoingPartitionReassignment;
import org.apache.kafka.common.message.ListPartitionReassignmentsResponseData.OngoingTopicReassignment;
import org.apache.kafka.common.protocol.Errors;

/**
 * ListPartitionReassignments ({@code kafka-reassign-partitions --verify / --list}): the moves in progress as the
 * image holds them (replicas = target + removing, adding, removing). With no topics named, every partition; named
 * topics or partitions that do not exist, or are not moving, are left out, as Kafka does. Reads the image only.
 */
public final class ListPartitionReassignmentsHandler implements ApiHandler<ListPartitionReassignmentsRequestData> {
    private final BrokerContext context;

    public ListPartitionReassignmentsHandler(BrokerContext context) {
        this.context = context;
    }

    @Override
    public CompletionStage<ListPartitionReassignmentsResponseData> handle(RequestContext request,
                                                                          ListPartitionReassignmentsRequestData data) {
        MetadataImage image = context.topics().image();
        ListPartitionReassignmentsResponseData response = new ListPartitionReassignmentsResponseData()
                .setErrorCode(Errors.NONE.code()).setErrorMessage(null);
        if (data.topics() == null) {
            for (TopicImage topic : new TreeMap<>(image.topics()).values()) {
                addTopic(response, topic, IntStream.range(0, topic.partitions()).boxed().toList());
            }
        } else {
            for (ListPartitionReassignmentsRequestData.ListPartitionReassignmentsTopics named : data.topics()) {
                Optional<TopicImage> topic = image.topic(named.name());
                topic.ifPresent(t -> addTopic(response, t, named.partitionIndexes()));
            }
        }
        return CompletableFuture.completedFuture(response);
    }

    private static void addTopic(ListPartitionReassignmentsResponseData response, TopicImage topic,
                                 List<Integer> partitions) {
        OngoingTopicReassignment ongoing = new OngoingTopicReassignment().setName(topic.name());
        for (int p : partitions) {
            if (p < 0 || p >= topic.partitions() || !topic.state(p).isReassigning()) {
                continue;
            }
            PartitionState state = topic.state(p);
            ongoing.partitions().add(new OngoingPartitionReassignment().setPartitionIndex(p)
                    .setReplicas(topic.replicas(p)).setAddingReplicas(state.adding()).setRemovingReplicas(state.removing()));
        }
        if (!ongoing.partitions().isEmpty()) {
            response.topics().add(ongoing);
        }
    }
}
