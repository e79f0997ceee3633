package io.dlog.kafka.group.streams;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.ToIntFunction;

/**
 * A topology set against the topics that exist, as Kafka's group coordinator configures it before it
 * assigns tasks: a repartition topic without a declared partition count gets the largest count among
 * the source topics of the subtopologies writing it (repeated until nothing changes, so chains of
 * repartition topics resolve), then copartition groups give their repartition topics the count of their
 * plain source topics; a subtopology has as many tasks as its largest source topic has partitions, and
 * each of its changelog topics must have that many partitions.
 *
 * <p>The topology is ready (tasks can be assigned) only without problems: a source topic missing
 * (MISSING_SOURCE_TOPICS), topics whose partition counts disagree (INCORRECTLY_PARTITIONED_TOPICS) or
 * internal topics still to create (MISSING_INTERNAL_TOPICS, with {@link #missingInternalTopics} for the
 * broker to create). Immutable.
 *
 * @param taskCounts            tasks per subtopology id; empty unless ready
 * @param statuses              the group statuses to report, in Kafka's codes
 * @param missingInternalTopics repartition and changelog topics to create, with their partition counts
 */
public record ConfiguredTopology(Map<String, Integer> taskCounts, List<Status> statuses,
                                 Map<String, StreamsTopology.TopicInfo> missingInternalTopics) {

    /** Kafka's StreamsGroupHeartbeatResponse status codes. */
    public static final byte STALE_TOPOLOGY = 0;
    public static final byte MISSING_SOURCE_TOPICS = 1;
    public static final byte INCORRECTLY_PARTITIONED_TOPICS = 2;
    public static final byte MISSING_INTERNAL_TOPICS = 3;
    public static final byte SHUTDOWN_APPLICATION = 4;

    /** One status with its detail text. */
    public record Status(byte code, String detail) {
    }

    /** Tasks can be assigned. */
    public boolean isReady() {
        return statuses.isEmpty();
    }

    /** Every task of the topology, ordered. */
    public Set<TaskId> tasks() {
        Set<TaskId> tasks = new TreeSet<>();
        taskCounts.forEach((id, count) -> {
            for (int p = 0; p < count; p++) {
                tasks.add(new TaskId(id, p));
            }
        });
        return tasks;
    }

    /**
     * Configures the topology.
     *
     * @param partitionsOf the partition count of an existing topic, or -1 when it does not exist
     */
    public static ConfiguredTopology configure(StreamsTopology topology, ToIntFunction<String> partitionsOf) {
        List<Status> statuses = new ArrayList<>();
        Set<String> missingSources = new TreeSet<>();
        for (StreamsTopology.Subtopology s : topology.subtopologies()) {
            for (String source : s.sourceTopics()) {
                if (partitionsOf.applyAsInt(source) < 0) {
                    missingSources.add(source);
                }
            }
            if (!s.sourceTopicRegex().isEmpty()) {
                // The heartbeat refuses regex sources as Kafka does; a group stored before that never gets tasks for them.
                missingSources.addAll(s.sourceTopicRegex());
            }
        }
        if (!missingSources.isEmpty()) {
            statuses.add(new Status(MISSING_SOURCE_TOPICS, "Source topics " + String.join(", ", missingSources)
                    + " are missing."));
            return new ConfiguredTopology(Map.of(), statuses, Map.of());
        }
        Map<String, Integer> repartition = repartitionCounts(topology, partitionsOf);
        Set<String> incorrect = new TreeSet<>();
        copartition(topology, partitionsOf, repartition, incorrect);
        Map<String, Integer> taskCounts = new TreeMap<>();
        Map<String, StreamsTopology.TopicInfo> missing = new LinkedHashMap<>();
        for (StreamsTopology.Subtopology s : topology.subtopologies()) {
            int tasks = 0;
            for (String source : s.sourceTopics()) {
                tasks = Math.max(tasks, partitionsOf.applyAsInt(source));
            }
            for (StreamsTopology.TopicInfo r : s.repartitionSourceTopics()) {
                tasks = Math.max(tasks, repartition.getOrDefault(r.name(), 0));
            }
            taskCounts.put(s.id(), tasks);
            for (StreamsTopology.TopicInfo r : s.repartitionSourceTopics()) {
                check(r.withPartitions(repartition.getOrDefault(r.name(), 0)), partitionsOf, missing, incorrect);
            }
            for (StreamsTopology.TopicInfo c : s.changelogTopics()) {
                check(c.withPartitions(tasks), partitionsOf, missing, incorrect);
            }
        }
        if (!incorrect.isEmpty()) {
            statuses.add(new Status(INCORRECTLY_PARTITIONED_TOPICS, "Following topics do not have the expected"
                    + " number of partitions: " + String.join(", ", incorrect) + "."));
        }
        if (!missing.isEmpty()) {
            statuses.add(new Status(MISSING_INTERNAL_TOPICS, "Internal topics are missing: "
                    + String.join(", ", missing.keySet()) + "."));
        }
        return new ConfiguredTopology(statuses.isEmpty() ? taskCounts : Map.of(), statuses,
                incorrect.isEmpty() ? missing : Map.of());
    }

    /** An internal topic either exists with the expected count, is incorrect, or is to be created. */
    private static void check(StreamsTopology.TopicInfo expected, ToIntFunction<String> partitionsOf,
                              Map<String, StreamsTopology.TopicInfo> missing, Set<String> incorrect) {
        int actual = partitionsOf.applyAsInt(expected.name());
        if (expected.partitions() <= 0) {
            incorrect.add(expected.name()); // no count could be derived (a repartition cycle without sources)
        } else if (actual < 0) {
            missing.putIfAbsent(expected.name(), expected);
        } else if (actual != expected.partitions()) {
            incorrect.add(expected.name());
        }
    }

    /** Partition counts of every repartition topic: declared, else derived from the subtopologies writing it. */
    private static Map<String, Integer> repartitionCounts(StreamsTopology topology, ToIntFunction<String> partitionsOf) {
        Map<String, Integer> counts = new HashMap<>();
        for (StreamsTopology.Subtopology s : topology.subtopologies()) {
            for (StreamsTopology.TopicInfo r : s.repartitionSourceTopics()) {
                if (r.partitions() > 0) {
                    counts.put(r.name(), r.partitions());
                }
            }
        }
        boolean changed = true;
        while (changed) {
            changed = false;
            for (StreamsTopology.Subtopology s : topology.subtopologies()) {
                int max = 0;
                for (String source : s.sourceTopics()) {
                    max = Math.max(max, partitionsOf.applyAsInt(source));
                }
                for (StreamsTopology.TopicInfo r : s.repartitionSourceTopics()) {
                    max = Math.max(max, counts.getOrDefault(r.name(), 0));
                }
                for (String sink : s.repartitionSinkTopics()) {
                    if (max > 0 && declared(topology, sink) == 0 && counts.getOrDefault(sink, 0) < max) {
                        counts.put(sink, max);
                        changed = true;
                    }
                }
            }
        }
        return counts;
    }

    /** The declared partition count of a repartition topic (0: none declared), -1 when the topic is not one. */
    private static int declared(StreamsTopology topology, String repartitionTopic) {
        for (StreamsTopology.Subtopology s : topology.subtopologies()) {
            for (StreamsTopology.TopicInfo r : s.repartitionSourceTopics()) {
                if (r.name().equals(repartitionTopic)) {
                    return r.partitions();
                }
            }
        }
        return -1;
    }

    /**
     * Copartition groups: plain source topics must agree; repartition topics without a declared count
     * take the group's count (of its plain sources, else the largest of its repartition topics).
     */
    private static void copartition(StreamsTopology topology, ToIntFunction<String> partitionsOf,
                                    Map<String, Integer> repartition, Set<String> incorrect) {
        for (StreamsTopology.Subtopology s : topology.subtopologies()) {
            for (Set<String> group : s.copartitionGroups()) {
                int count = -1;
                for (String topic : group) {
                    boolean isRepartition = declared(topology, topic) >= 0;
                    if (!isRepartition || declared(topology, topic) > 0) {
                        int n = isRepartition ? repartition.get(topic) : partitionsOf.applyAsInt(topic);
                        if (count >= 0 && n != count) {
                            incorrect.addAll(group);
                        }
                        count = Math.max(count, n);
                    }
                }
                if (count < 0) {
                    for (String topic : group) {
                        count = Math.max(count, repartition.getOrDefault(topic, 0));
                    }
                }
                for (String topic : group) {
                    if (declared(topology, topic) == 0) {
                        repartition.put(topic, count);
                    }
                }
            }
        }
    }
}
