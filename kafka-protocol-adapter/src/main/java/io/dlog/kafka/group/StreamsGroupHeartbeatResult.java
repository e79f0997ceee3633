package io.dlog.kafka.group;

import io.dlog.kafka.group.streams.StreamsTopology;
import java.util.List;
import org.apache.kafka.common.message.StreamsGroupHeartbeatResponseData;

/**
 * A StreamsGroupHeartbeat's answer and the internal topics the broker should create for the group (its
 * topology's repartition and changelog topics that do not exist yet), as Kafka's coordinator hands them
 * to the request layer. Immutable.
 */
public record StreamsGroupHeartbeatResult(StreamsGroupHeartbeatResponseData response,
                                          List<StreamsTopology.TopicInfo> topicsToCreate) {
    static StreamsGroupHeartbeatResult of(StreamsGroupHeartbeatResponseData response) {
        return new StreamsGroupHeartbeatResult(response, List.of());
    }
}
