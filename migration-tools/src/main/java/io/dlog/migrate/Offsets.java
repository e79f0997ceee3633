package io.dlog.migrate;

import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;

/** Partition log ranges as ListOffsets reports them (read_uncommitted: the end is the high watermark). */
final class Offsets {

    /** A partition's log start offset and end offset. */
    record Range(long start, long end) {
    }

    private Offsets() {
    }

    static List<TopicPartition> partitions(Admin admin, Collection<String> topics) throws Exception {
        if (topics.isEmpty()) {
            return List.of();
        }
        Map<String, TopicDescription> described = Clusters.get(admin.describeTopics(topics).allTopicNames());
        return described.values().stream()
                .flatMap(d -> d.partitions().stream().map(p -> new TopicPartition(d.name(), p.partition())))
                .sorted(java.util.Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition))
                .toList();
    }

    static Map<TopicPartition, Range> ranges(Admin admin, Collection<TopicPartition> partitions) throws Exception {
        Map<TopicPartition, Long> starts = list(admin, partitions, OffsetSpec.earliest());
        Map<TopicPartition, Long> ends = list(admin, partitions, OffsetSpec.latest());
        Map<TopicPartition, Range> ranges = new HashMap<>();
        for (TopicPartition tp : partitions) {
            ranges.put(tp, new Range(starts.get(tp), ends.get(tp)));
        }
        return ranges;
    }

    static Map<TopicPartition, Long> ends(Admin admin, Collection<TopicPartition> partitions) throws Exception {
        return list(admin, partitions, OffsetSpec.latest());
    }

    private static Map<TopicPartition, Long> list(Admin admin, Collection<TopicPartition> partitions, OffsetSpec spec)
            throws Exception {
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        partitions.forEach(tp -> request.put(tp, spec));
        Map<TopicPartition, Long> result = new HashMap<>();
        if (request.isEmpty()) {
            return result;
        }
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> listed = Clusters.get(
                admin.listOffsets(request, new ListOffsetsOptions(IsolationLevel.READ_UNCOMMITTED)).all());
        listed.forEach((tp, info) -> result.put(tp, info.offset()));
        return result;
    }
}
