package io.dlog.migrate;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.ListGroupsOptions;
import org.apache.kafka.clients.admin.CreateTopicsOptions;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsSpec;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.GroupType;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.PolicyViolationException;

/**
 * What a migration does, read from both clusters: the source topics matching the pattern with their
 * partition counts, replication factors and the configs set on them; for each, whether the target gets a
 * new mirror, already has one (a resumed run) or has a topic in the way; the configs the target refuses
 * (dropped, with the target's reason); and the consumer groups whose offsets carry over.
 */
final class MigrationPlan {
    /** The topic config that makes a DLog topic a mirror of a source cluster's topic of the same name. */
    static final String MIRROR_SOURCE = "dlog.mirror.source.bootstrap.servers";
    static final String MIRROR_SOURCE_TOPIC = "dlog.mirror.source.topic";

    enum Action { CREATE, RESUME, CONFLICT }

    record TopicPlan(String name, int partitions, short sourceReplicationFactor, short replicationFactor,
                     Map<String, String> configs, Map<String, String> dropped, Action action, String why,
                     int targetPartitions) {
    }

    record GroupPlan(String groupId, Map<TopicPartition, OffsetAndMetadata> offsets) {
    }

    final String sourceBootstrap;
    final List<TopicPlan> topics;
    final List<GroupPlan> groups;

    private MigrationPlan(String sourceBootstrap, List<TopicPlan> topics, List<GroupPlan> groups) {
        this.sourceBootstrap = sourceBootstrap;
        this.topics = topics;
        this.groups = groups;
    }

    /** Source topic names (internal ones excluded) that match entirely. */
    static List<String> sourceTopics(Admin source, Pattern topics) throws Exception {
        return Clusters.get(source.listTopics().names()).stream()
                .filter(n -> topics.matcher(n).matches() && !n.startsWith("__"))
                .sorted().toList();
    }

    static MigrationPlan build(String sourceBootstrap, Admin source, Admin target, Pattern topics,
                               Optional<Pattern> groups) throws Exception {
        List<String> names = sourceTopics(source, topics);
        Map<String, TopicDescription> descriptions = names.isEmpty() ? Map.of()
                : Clusters.get(source.describeTopics(names).allTopicNames());
        Map<String, Map<String, String>> configs = setConfigs(source, names);
        int targetBrokers = Clusters.get(target.describeCluster().nodes()).size();
        Set<String> targetTopics = Clusters.get(target.listTopics().names());
        Map<String, TopicDescription> existing = new HashMap<>();
        List<String> present = names.stream().filter(targetTopics::contains).toList();
        if (!present.isEmpty()) {
            existing.putAll(Clusters.get(target.describeTopics(present).allTopicNames()));
        }
        Map<String, Map<String, String>> existingConfigs = setConfigs(target, present);
        List<TopicPlan> plans = new ArrayList<>();
        for (String name : names) {
            TopicDescription d = descriptions.get(name);
            short sourceRf = (short) d.partitions().get(0).replicas().size();
            short rf = (short) Math.max(1, Math.min(sourceRf, targetBrokers));
            Map<String, String> wanted = new TreeMap<>(configs.get(name));
            if (existing.containsKey(name)) {
                Map<String, String> theirs = existingConfigs.get(name);
                int targetPartitions = existing.get(name).partitions().size();
                if (sourceBootstrap.equals(theirs.get(MIRROR_SOURCE))) {
                    plans.add(new TopicPlan(name, d.partitions().size(), sourceRf, rf, wanted, Map.of(), Action.RESUME,
                            "already a mirror of this source: copying resumes at its end", targetPartitions));
                } else {
                    String why = theirs.containsKey(MIRROR_SOURCE)
                            ? "the target's topic mirrors another source (" + theirs.get(MIRROR_SOURCE) + ")"
                            : "the target already has an ordinary topic of that name (cut over or created by hand)";
                    plans.add(new TopicPlan(name, d.partitions().size(), sourceRf, rf, wanted, Map.of(), Action.CONFLICT,
                            why, targetPartitions));
                }
                continue;
            }
            Map<String, String> dropped = dropRefused(target, name, d.partitions().size(), rf, wanted, sourceBootstrap);
            plans.add(new TopicPlan(name, d.partitions().size(), sourceRf, rf, wanted, dropped, Action.CREATE,
                    "new mirror", 0));
        }
        List<GroupPlan> groupPlans = groups.isPresent() ? groups(source, groups.get(), names) : List.of();
        return new MigrationPlan(sourceBootstrap, plans, groupPlans);
    }

    /** The configs set on each topic (not defaults), by DescribeConfigs. */
    static Map<String, Map<String, String>> setConfigs(Admin admin, Collection<String> names) throws Exception {
        Map<String, Map<String, String>> result = new HashMap<>();
        if (names.isEmpty()) {
            return result;
        }
        List<ConfigResource> resources = names.stream().map(n -> new ConfigResource(ConfigResource.Type.TOPIC, n)).toList();
        Map<ConfigResource, Config> described = Clusters.get(admin.describeConfigs(resources).all());
        for (Map.Entry<ConfigResource, Config> entry : described.entrySet()) {
            Map<String, String> set = new TreeMap<>();
            for (ConfigEntry config : entry.getValue().entries()) {
                if (config.source() == ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG && config.value() != null) {
                    set.put(config.name(), config.value());
                }
            }
            result.put(entry.getKey().name(), set);
        }
        return result;
    }

    /**
     * Asks the target to validate the topic as it would be created, dropping each config it refuses (a
     * source-only config such as a vendor's) until it accepts; returns the dropped ones with the reason.
     */
    private static Map<String, String> dropRefused(Admin target, String name, int partitions, short rf,
                                                   Map<String, String> configs, String sourceBootstrap) throws Exception {
        Map<String, String> dropped = new LinkedHashMap<>();
        for (int attempt = 0; attempt <= configs.size() + 1; attempt++) {
            NewTopic topic = new NewTopic(name, partitions, rf).configs(withMirror(configs, sourceBootstrap));
            try {
                Clusters.get(target.createTopics(List.of(topic), new CreateTopicsOptions().validateOnly(true)).all());
                return dropped;
            } catch (InvalidConfigurationException | PolicyViolationException e) {
                String message = String.valueOf(e.getMessage());
                Optional<String> culprit = configs.keySet().stream().filter(message::contains).findFirst();
                if (culprit.isEmpty() && message.contains(MIRROR_SOURCE)) {
                    throw new IllegalStateException("the target refuses the topic config " + MIRROR_SOURCE
                            + " (" + message + "): is the target a DLog cluster with migration support?", e);
                }
                if (culprit.isEmpty()) {
                    throw e;
                }
                dropped.put(culprit.get(), message);
                configs.remove(culprit.get());
            }
        }
        return dropped;
    }

    static Map<String, String> withMirror(Map<String, String> configs, String sourceBootstrap) {
        Map<String, String> all = new TreeMap<>(configs);
        all.put(MIRROR_SOURCE, sourceBootstrap);
        return all;
    }

    /** The groups matching the pattern, with their committed offsets on the topics being migrated. */
    static List<GroupPlan> groups(Admin source, Pattern pattern, Collection<String> topics) throws Exception {
        // Every group, then only consumer ones: a group that only ever committed offsets has no protocol type.
        List<String> ids = Clusters.get(source.listGroups(new ListGroupsOptions()).all()).stream()
                .filter(g -> g.type().isEmpty() || g.type().get() == GroupType.CLASSIC || g.type().get() == GroupType.CONSUMER)
                .map(GroupListing::groupId).filter(g -> pattern.matcher(g).matches()).sorted().toList();
        List<GroupPlan> result = new ArrayList<>();
        for (String id : ids) {
            Map<TopicPartition, OffsetAndMetadata> offsets = Clusters.get(source.listConsumerGroupOffsets(
                    Map.of(id, new ListConsumerGroupOffsetsSpec())).partitionsToOffsetAndMetadata(id));
            Map<TopicPartition, OffsetAndMetadata> kept = new TreeMap<>(java.util.Comparator
                    .comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition));
            offsets.forEach((tp, om) -> {
                if (om != null && topics.contains(tp.topic())) {
                    kept.put(tp, om);
                }
            });
            if (!kept.isEmpty()) {
                result.add(new GroupPlan(id, kept));
            }
        }
        return result;
    }

    boolean hasConflicts() {
        return topics.stream().anyMatch(t -> t.action() == Action.CONFLICT);
    }

    void print(PrintWriter out) {
        if (topics.isEmpty()) {
            out.println("No source topic matches.");
        }
        for (TopicPlan t : topics) {
            out.printf("topic %s: %d partitions, replication factor %d on the target%s: %s (%s)%n", t.name(),
                    t.partitions(), t.replicationFactor(),
                    t.replicationFactor() < t.sourceReplicationFactor()
                            ? " (capped from " + t.sourceReplicationFactor() + " by the target's brokers)" : "",
                    switch (t.action()) {
                        case CREATE -> "create mirror and copy every partition from its log start, offsets preserved";
                        case RESUME -> "resume copying";
                        case CONFLICT -> "CANNOT migrate";
                    }, t.why());
            if (t.action() == Action.RESUME && t.targetPartitions() < t.partitions()) {
                out.printf("  partitions: the target has %d, the source %d: the missing ones are added%n",
                        t.targetPartitions(), t.partitions());
            }
            if (!t.configs().isEmpty()) {
                out.printf("  configs copied: %s%n", t.configs());
            }
            t.dropped().forEach((name, why) -> out.printf("  config NOT copied: %s (the target refuses it: %s)%n", name, why));
        }
        for (GroupPlan g : groups) {
            out.printf("group %s: committed offsets of %d partitions copied unchanged%n", g.groupId(), g.offsets().size());
        }
    }

    /** The AlterConfigs that turn a mirror into an ordinary topic. */
    static List<AlterConfigOp> cutoverOps() {
        return List.of(new AlterConfigOp(new ConfigEntry(MIRROR_SOURCE, ""), AlterConfigOp.OpType.DELETE),
                new AlterConfigOp(new ConfigEntry(MIRROR_SOURCE_TOPIC, ""), AlterConfigOp.OpType.DELETE));
    }
}
