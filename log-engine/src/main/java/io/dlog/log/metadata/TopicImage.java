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
 *                   preferred leader. Its size is {@code partitions}. During a reassignment it is the
 *                   target followed by the replicas being removed ({@link PartitionState#removing}).
 * @param states     leader, leader epoch and ISR of each partition, by partition index
 */
public record TopicImage(String name, UUID topicId, int partitions, Map<String, String> configs,
                         List<List<Integer>> assignment, List<PartitionState> states) {
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
        states = List.copyOf(states);
        if (states.size() != partitions) {
            throw new IllegalArgumentException("topic " + name + " has " + partitions + " partitions but "
                    + states.size() + " partition states");
        }
    }

    /** A topic whose partitions are in their {@link PartitionState#initial} state (images from before leadership). */
    public TopicImage(String name, UUID topicId, int partitions, Map<String, String> configs,
                      List<List<Integer>> assignment) {
        this(name, topicId, partitions, configs, assignment,
                assignment.stream().map(PartitionState::initial).toList());
    }

    /** A topic whose every partition lives on {@code node} alone (single node, and images from before replica sets). */
    public static TopicImage onNode(String name, UUID topicId, int partitions, Map<String, String> configs, int node) {
        return new TopicImage(name, topicId, partitions, configs, java.util.Collections.nCopies(partitions, List.of(node)));
    }

    public List<Integer> replicas(int partition) {
        return assignment.get(partition);
    }

    public PartitionState state(int partition) {
        return states.get(partition);
    }

    public TopicImage withConfigs(Map<String, String> newConfigs) {
        return new TopicImage(name, topicId, partitions, newConfigs, assignment, states);
    }

    public TopicImage withState(int partition, PartitionState state) {
        List<PartitionState> copy = new ArrayList<>(states);
        copy.set(partition, state);
        return new TopicImage(name, topicId, partitions, configs, assignment, copy);
    }

    /** With partition {@code partition}'s replica list and state replaced (a reassignment's start or end). */
    public TopicImage withReplicas(int partition, List<Integer> replicas, PartitionState state) {
        List<List<Integer>> copy = new ArrayList<>(assignment);
        copy.set(partition, replicas);
        List<PartitionState> stateCopy = new ArrayList<>(states);
        stateCopy.set(partition, state);
        return new TopicImage(name, topicId, partitions, configs, copy, stateCopy);
    }

    /** With partitions added at the end, in the given states. */
    public TopicImage withPartitions(List<List<Integer>> added, List<PartitionState> addedStates) {
        List<List<Integer>> moreReplicas = new ArrayList<>(assignment);
        moreReplicas.addAll(added);
        List<PartitionState> moreStates = new ArrayList<>(states);
        moreStates.addAll(addedStates);
        return new TopicImage(name, topicId, moreReplicas.size(), configs, moreReplicas, moreStates);
    }

    public short replicationFactor() {
        return (short) (assignment.isEmpty() ? 0 : assignment.get(0).size());
    }
}
