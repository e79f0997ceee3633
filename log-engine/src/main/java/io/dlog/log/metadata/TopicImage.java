package io.dlog.log.metadata;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A topic as the cluster image knows it. Immutable.
 *
 * @param configs    the topic's config overrides only (Kafka names); defaults come from the broker
 * @param assignment the replica set of each partition, by partition index; the first replica is the
 *                   preferred leader. Its size is {@code partitions}.
 */
public record TopicImage(String name, UUID topicId, int partitions, Map<String, String> configs,
                         List<List<Integer>> assignment) {
    public TopicImage {
        configs = Map.copyOf(configs);
        List<List<Integer>> copy = new ArrayList<>(assignment.size());
        for (List<Integer> replicas : assignment) {
            copy.add(List.copyOf(replicas));
        }
        assignment = List.copyOf(copy);
        if (assignment.size() != partitions) {
            throw new IllegalArgumentException("topic " + name + " has " + partitions + " partitions but "
                    + assignment.size() + " replica sets");
        }
    }

    /** A topic whose every partition lives on {@code node} alone (single node, and images from before replica sets). */
    public static TopicImage onNode(String name, UUID topicId, int partitions, Map<String, String> configs, int node) {
        return new TopicImage(name, topicId, partitions, configs, java.util.Collections.nCopies(partitions, List.of(node)));
    }

    public List<Integer> replicas(int partition) {
        return assignment.get(partition);
    }

    public short replicationFactor() {
        return (short) (assignment.isEmpty() ? 0 : assignment.get(0).size());
    }
}
