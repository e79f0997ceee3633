package io.dlog.kafka.group.streams;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.internals.Topic;
import org.apache.kafka.common.message.StreamsGroupHeartbeatRequestData;

/**
 * The topology a Streams application declares when a member joins (StreamsGroupHeartbeat with epoch 0):
 * its subtopologies with their source topics, the repartition topics they write and read and the
 * changelog topics of their state stores. Immutable.
 *
 * @param epoch         the topology epoch the application sets (a changed topology comes with a new one)
 * @param subtopologies in the order the client sent them (sorted by id)
 */
public record StreamsTopology(int epoch, List<Subtopology> subtopologies) {

    /**
     * An internal topic as the application wants it.
     *
     * @param partitions        0 when the application leaves the count to the broker (always for changelogs)
     * @param replicationFactor 0 or -1 for the broker's default
     */
    public record TopicInfo(String name, int partitions, short replicationFactor, Map<String, String> configs) {
        public TopicInfo withPartitions(int count) {
            return new TopicInfo(name, count, replicationFactor, configs);
        }
    }

    /**
     * One subtopology: its tasks are the partitions of its source topics.
     *
     * @param copartitionGroups sets of source topic names (plain and repartition) that must have equal partition counts
     */
    public record Subtopology(String id, List<String> sourceTopics, List<String> sourceTopicRegex,
                              List<String> repartitionSinkTopics, List<TopicInfo> repartitionSourceTopics,
                              List<TopicInfo> changelogTopics, List<Set<String>> copartitionGroups) {

        /** Every topic the subtopology reads: plain and repartition sources. */
        public List<String> allSourceTopics() {
            List<String> all = new ArrayList<>(sourceTopics);
            repartitionSourceTopics.forEach(t -> all.add(t.name()));
            return all;
        }
    }

    /** The topology of a joining member's heartbeat; the caller validates it with {@link #invalidReason}. */
    public static StreamsTopology from(StreamsGroupHeartbeatRequestData.Topology topology) {
        List<Subtopology> subtopologies = new ArrayList<>();
        for (StreamsGroupHeartbeatRequestData.Subtopology s : topology.subtopologies()) {
            List<TopicInfo> repartition = s.repartitionSourceTopics().stream().map(StreamsTopology::topicInfo).toList();
            List<Set<String>> groups = new ArrayList<>();
            for (StreamsGroupHeartbeatRequestData.CopartitionGroup g : s.copartitionGroups()) {
                Set<String> names = new LinkedHashSet<>();
                for (short i : g.sourceTopics()) {
                    names.add(i >= 0 && i < s.sourceTopics().size() ? s.sourceTopics().get(i) : null);
                }
                for (short i : g.repartitionSourceTopics()) {
                    names.add(i >= 0 && i < repartition.size() ? repartition.get(i).name() : null);
                }
                groups.add(names);
            }
            subtopologies.add(new Subtopology(s.subtopologyId(), List.copyOf(s.sourceTopics()),
                    List.copyOf(s.sourceTopicRegex()), List.copyOf(s.repartitionSinkTopics()), repartition,
                    s.stateChangelogTopics().stream().map(StreamsTopology::topicInfo).toList(), groups));
        }
        return new StreamsTopology(topology.epoch(), List.copyOf(subtopologies));
    }

    private static TopicInfo topicInfo(StreamsGroupHeartbeatRequestData.TopicInfo info) {
        Map<String, String> configs = new TreeMap<>();
        info.topicConfigs().forEach(kv -> configs.put(kv.key(), kv.value()));
        return new TopicInfo(info.name(), info.partitions(), info.replicationFactor(), Map.copyOf(configs));
    }

    /**
     * Why the broker refuses this topology (STREAMS_INVALID_TOPOLOGY), as Kafka checks it: no subtopology,
     * duplicate or empty ids, a subtopology without sources, invalid topic names, Kafka's own internal
     * topics used, a copartition group pointing outside its subtopology, a repartition topic written but
     * read by no subtopology; empty when valid.
     */
    public Optional<String> invalidReason() {
        if (subtopologies.isEmpty()) {
            return Optional.of("Topology must contain at least one subtopology.");
        }
        Set<String> ids = new HashSet<>();
        Set<String> repartitionSources = new HashSet<>();
        for (Subtopology s : subtopologies) {
            s.repartitionSourceTopics().forEach(t -> repartitionSources.add(t.name()));
        }
        for (Subtopology s : subtopologies) {
            if (s.id() == null || s.id().isEmpty()) {
                return Optional.of("Subtopology id must not be empty.");
            }
            if (!ids.add(s.id())) {
                return Optional.of("Duplicate subtopology id " + s.id() + ".");
            }
            if (s.sourceTopics().isEmpty() && s.sourceTopicRegex().isEmpty() && s.repartitionSourceTopics().isEmpty()) {
                return Optional.of("Subtopology " + s.id() + " has no source topics.");
            }
            List<String> names = new ArrayList<>(s.allSourceTopics());
            names.addAll(s.repartitionSinkTopics());
            s.changelogTopics().forEach(t -> names.add(t.name()));
            for (String name : names) {
                Optional<String> bad = badTopicName(name);
                if (bad.isPresent()) {
                    return bad;
                }
            }
            for (String sink : s.repartitionSinkTopics()) {
                if (!repartitionSources.contains(sink)) {
                    return Optional.of("Subtopology " + s.id() + " writes repartition topic " + sink
                            + " that no subtopology reads.");
                }
            }
            for (Set<String> group : s.copartitionGroups()) {
                if (group.contains(null)) {
                    return Optional.of("Copartition group of subtopology " + s.id() + " refers to an unknown source topic.");
                }
            }
        }
        return Optional.empty();
    }

    private static Optional<String> badTopicName(String name) {
        try {
            Topic.validate(name);
        } catch (InvalidTopicException e) {
            return Optional.of("Invalid topic name " + name + ": " + e.getMessage());
        }
        if (Topic.isInternal(name)) {
            return Optional.of("Use of Kafka internal topics " + name + " in a Kafka Streams topology is prohibited.");
        }
        return Optional.empty();
    }

    /** Every topic the topology names: sources, repartition and changelog topics. */
    public Set<String> topicNames() {
        Set<String> names = new java.util.TreeSet<>();
        for (Subtopology s : subtopologies) {
            names.addAll(s.allSourceTopics());
            s.changelogTopics().forEach(t -> names.add(t.name()));
        }
        return names;
    }
}
