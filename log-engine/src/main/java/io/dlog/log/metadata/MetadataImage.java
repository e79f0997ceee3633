package io.dlog.log.metadata;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * An immutable snapshot of the cluster image: the cluster id, registered brokers, topics with their
 * replica sets, and dynamic broker configs. Every node applies the same sequence of changes (the
 * metadata Raft log), so every node that applied up to {@code version} holds the same image.
 *
 * @param version        the index of the last change applied (the Raft log index; 0 for the empty image)
 * @param clusterId      the cluster's id, fixed by the first change; null before it
 * @param brokers        registered brokers by node id, fenced ones included
 * @param brokerConfigs  cluster-wide dynamic broker config overrides (broker resource "")
 * @param nodeConfigs    per-node dynamic broker config overrides (broker resource "&lt;id&gt;")
 * @param security       SCRAM credentials and ACLs
 * @param features       finalized feature levels set through UpdateFeatures (Kafka's {@code kafka-features}),
 *                       by feature name; a feature absent here is at the level the node's config gives it
 * @param groupConfigs   group config overrides (Kafka's GROUP config resources, KIP-848/932/1071) by group id;
 *                       a group without overrides is absent
 */
public record MetadataImage(long version, String clusterId, Map<Integer, BrokerImage> brokers,
                            Map<String, TopicImage> topics, Map<String, String> brokerConfigs,
                            Map<Integer, Map<String, String>> nodeConfigs, SecurityImage security,
                            Map<String, Short> features, Map<String, Map<String, String>> groupConfigs) {
    public static final MetadataImage EMPTY = new MetadataImage(0, null, Map.of(), Map.of(), Map.of(), Map.of());

    /** An image without credentials or ACLs. */
    public MetadataImage(long version, String clusterId, Map<Integer, BrokerImage> brokers,
                         Map<String, TopicImage> topics, Map<String, String> brokerConfigs,
                         Map<Integer, Map<String, String>> nodeConfigs) {
        this(version, clusterId, brokers, topics, brokerConfigs, nodeConfigs, SecurityImage.EMPTY);
    }

    /** An image without finalized features. */
    public MetadataImage(long version, String clusterId, Map<Integer, BrokerImage> brokers,
                         Map<String, TopicImage> topics, Map<String, String> brokerConfigs,
                         Map<Integer, Map<String, String>> nodeConfigs, SecurityImage security) {
        this(version, clusterId, brokers, topics, brokerConfigs, nodeConfigs, security, Map.of());
    }

    /** An image without group configs. */
    public MetadataImage(long version, String clusterId, Map<Integer, BrokerImage> brokers,
                         Map<String, TopicImage> topics, Map<String, String> brokerConfigs,
                         Map<Integer, Map<String, String>> nodeConfigs, SecurityImage security, Map<String, Short> features) {
        this(version, clusterId, brokers, topics, brokerConfigs, nodeConfigs, security, features, Map.of());
    }

    public MetadataImage {
        brokers = Map.copyOf(brokers);
        topics = TopicsByName.of(topics);
        brokerConfigs = Map.copyOf(brokerConfigs);
        Map<Integer, Map<String, String>> copy = new HashMap<>();
        nodeConfigs.forEach((node, configs) -> copy.put(node, Map.copyOf(configs)));
        nodeConfigs = Map.copyOf(copy);
        security = security == null ? SecurityImage.EMPTY : security;
        features = Map.copyOf(features);
        Map<String, Map<String, String>> groups = new HashMap<>();
        groupConfigs.forEach((group, configs) -> {
            if (!configs.isEmpty()) {
                groups.put(group, Map.copyOf(configs));
            }
        });
        groupConfigs = Map.copyOf(groups);
    }

    /** The image of a single-node release before clusters (no brokers, no cluster id recorded). */
    public MetadataImage(long version, Map<String, TopicImage> topics, Map<String, String> brokerConfigs) {
        this(version, null, Map.of(), topics, brokerConfigs, Map.of());
    }

    public Optional<TopicImage> topic(String name) {
        return Optional.ofNullable(topics.get(name));
    }

    public Optional<TopicImage> topic(UUID topicId) {
        return Optional.ofNullable(((TopicsByName) topics).byId(topicId));
    }

    public Optional<BrokerImage> broker(int id) {
        return Optional.ofNullable(brokers.get(id));
    }

    /** True when {@code id} is registered and not fenced. */
    public boolean isLive(int id) {
        BrokerImage broker = brokers.get(id);
        return broker != null && !broker.fenced();
    }

    /** The dynamic overrides in force on {@code node}: the cluster default, then the node's own. */
    public Map<String, String> dynamicConfigsFor(int node) {
        Map<String, String> merged = new HashMap<>(brokerConfigs);
        merged.putAll(nodeConfigs.getOrDefault(node, Map.of()));
        return merged;
    }

    /** A copy with one part replaced: the builders the state machine's apply uses. */
    public MetadataImage withVersion(long newVersion) {
        return new MetadataImage(newVersion, clusterId, brokers, topics, brokerConfigs, nodeConfigs, security, features, groupConfigs);
    }

    public MetadataImage withClusterId(String id) {
        return new MetadataImage(version, id, brokers, topics, brokerConfigs, nodeConfigs, security, features, groupConfigs);
    }

    public MetadataImage withBrokers(Map<Integer, BrokerImage> newBrokers) {
        return new MetadataImage(version, clusterId, newBrokers, topics, brokerConfigs, nodeConfigs, security, features, groupConfigs);
    }

    public MetadataImage withTopics(Map<String, TopicImage> newTopics) {
        return new MetadataImage(version, clusterId, brokers, newTopics, brokerConfigs, nodeConfigs, security, features, groupConfigs);
    }

    public MetadataImage withBrokerConfigs(Map<String, String> clusterDefault, Map<Integer, Map<String, String>> perNode) {
        return new MetadataImage(version, clusterId, brokers, topics, clusterDefault, perNode, security, features, groupConfigs);
    }

    public MetadataImage withSecurity(SecurityImage newSecurity) {
        return new MetadataImage(version, clusterId, brokers, topics, brokerConfigs, nodeConfigs, newSecurity, features, groupConfigs);
    }

    public MetadataImage withFeatures(Map<String, Short> newFeatures) {
        return new MetadataImage(version, clusterId, brokers, topics, brokerConfigs, nodeConfigs, security, newFeatures, groupConfigs);
    }

    public MetadataImage withGroupConfigs(Map<String, Map<String, String>> newGroupConfigs) {
        return new MetadataImage(version, clusterId, brokers, topics, brokerConfigs, nodeConfigs, security, features,
                newGroupConfigs);
    }

    /** The config overrides of a group (empty when it has none). */
    public Map<String, String> groupConfigs(String groupId) {
        return groupConfigs.getOrDefault(groupId, Map.of());
    }

    /** The finalized level of a feature, if UpdateFeatures set one. */
    public Optional<Short> feature(String name) {
        return Optional.ofNullable(features.get(name));
    }
}
