package io.dlog.kafka.handlers.admin;

import io.dlog.kafka.BrokerContext;
import io.dlog.kafka.config.BrokerConfig;
import io.dlog.kafka.config.GroupConfigs;
import io.dlog.kafka.config.TopicConfigs;
import io.dlog.kafka.topic.TopicService;
import io.dlog.log.metadata.TopicImage;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ApiError;

/**
 * The part AlterConfigs and IncrementalAlterConfigs share: find the resource, compute its new overrides
 * from the current ones, validate them, and store them through the TopicService. Topics and groups keep
 * their overrides in the image; the broker keeps one dynamic layer (resource "" and the node id both alter it)
 * in which only {@link BrokerConfig#isDynamic dynamic} keys may change.
 *
 * <p>Thread-safe: alterations are chained through one {@link ConfigChangeQueue}; validate-only requests
 * read the current image and are not queued.
 */
final class ConfigAlterations {

    /** What a change may ask about the resource it alters. */
    interface Target {
        /** The key's type, or empty when the resource has no such key. */
        Optional<ConfigDef.Type> typeOf(String key);

        /** The value the key has when the resource does not override it. */
        String inheritedValue(String key);

        /** The INVALID_CONFIG message for a key the resource does not have. */
        String unknownKeyMessage(String key);
    }

    /** Computes a resource's new overrides from its current ones; throws a Kafka ApiException to refuse. */
    @FunctionalInterface
    interface Change {
        Map<String, String> apply(Map<String, String> current, Target target);
    }

    private final BrokerContext context;
    private final ConfigChangeQueue queue;

    ConfigAlterations(BrokerContext context, ConfigChangeQueue queue) {
        this.context = context;
        this.queue = queue;
    }

    /** A resource of the request and what became of it. */
    record Outcome<R>(R resource, ApiError error) {
    }

    /**
     * Alters each resource of a request; answers in request order. A resource named more than once is
     * answered once with INVALID_REQUEST and not altered, as Kafka does.
     */
    <R> CompletableFuture<List<Outcome<R>>> alterEach(Collection<R> resources, Function<R, Byte> type,
                                                      Function<R, String> name, Function<R, Change> change,
                                                      boolean validateOnly) {
        Map<String, Integer> counts = new HashMap<>();
        for (R resource : resources) {
            counts.merge(type.apply(resource) + "/" + name.apply(resource), 1, Integer::sum);
        }
        List<R> answered = new ArrayList<>();
        List<CompletableFuture<ApiError>> outcomes = new ArrayList<>();
        Set<String> answeredDuplicates = new HashSet<>();
        for (R resource : resources) {
            String key = type.apply(resource) + "/" + name.apply(resource);
            if (counts.get(key) > 1) {
                if (answeredDuplicates.add(key)) {
                    answered.add(resource);
                    outcomes.add(CompletableFuture.completedFuture(
                            new ApiError(Errors.INVALID_REQUEST, "Each resource must appear at most once.")));
                }
                continue;
            }
            answered.add(resource);
            outcomes.add(alter(type.apply(resource), name.apply(resource), change.apply(resource), validateOnly));
        }
        return CompletableFuture.allOf(outcomes.toArray(CompletableFuture[]::new)).thenApply(done -> {
            List<Outcome<R>> result = new ArrayList<>(answered.size());
            for (int i = 0; i < answered.size(); i++) {
                result.add(new Outcome<>(answered.get(i), outcomes.get(i).join()));
            }
            return result;
        });
    }

    /** Alters one resource; the future completes with its outcome (never exceptionally). */
    CompletableFuture<ApiError> alter(byte resourceType, String resourceName, Change change, boolean validateOnly) {
        CompletableFuture<Void> outcome = validateOnly
                ? attempt(resourceType, resourceName, change, true)
                : queue.submit(() -> attempt(resourceType, resourceName, change, false));
        return outcome.handle((done, failure) -> failure == null ? ApiError.NONE : AdminErrors.fromThrowable(failure));
    }

    private CompletableFuture<Void> attempt(byte resourceType, String resourceName, Change change, boolean validateOnly) {
        try {
            ConfigResource.Type type = ConfigResource.Type.forId(resourceType);
            return switch (type) {
                case TOPIC -> alterTopic(resourceName, change, validateOnly);
                case BROKER -> alterBroker(resourceName, change, validateOnly);
                case GROUP -> alterGroup(resourceName, change, validateOnly);
                case BROKER_LOGGER -> throw new InvalidRequestException(
                        "DLog does not serve BROKER_LOGGER configs; set log levels in the broker's logback configuration.");
                default -> throw new InvalidRequestException(
                        "AlterConfigs is only supported for topics, brokers and groups, but resource type is " + type);
            };
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private CompletableFuture<Void> alterTopic(String name, Change change, boolean validateOnly) {
        TopicService topics = context.topics();
        Optional<String> invalidName = TopicService.invalidTopicNameReason(name);
        if (invalidName.isPresent()) {
            throw new InvalidTopicException(invalidName.get());
        }
        TopicImage topic = topics.image().topic(name).orElseThrow(() ->
                new UnknownTopicOrPartitionException("Topic '" + name + "' does not exist."));
        BrokerConfig broker = topics.brokerConfig();
        Map<String, String> updated = change.apply(topic.configs(), new TopicTarget(broker));
        for (Map.Entry<String, String> entry : updated.entrySet()) {
            if (entry.getValue() == null) {
                throw new InvalidConfigurationException("Null value not supported for topic configs: " + entry.getKey());
            }
        }
        Optional<String> invalid = TopicConfigs.validate(updated, broker);
        if (invalid.isPresent()) {
            throw new InvalidConfigurationException(invalid.get());
        }
        if (validateOnly || updated.equals(topic.configs())) {
            return CompletableFuture.completedFuture(null);
        }
        return topics.setTopicConfigs(name, updated, TopicService.DEFAULT_PROPOSAL_TIMEOUT).thenApply(changed -> null);
    }

    /** A group's overrides live in the image (they need no group to exist yet, as on Kafka). */
    private CompletableFuture<Void> alterGroup(String groupId, Change change, boolean validateOnly) {
        TopicService topics = context.topics();
        if (groupId == null || groupId.isEmpty()) {
            throw new InvalidRequestException("Default group resources are not allowed.");
        }
        Map<String, String> current = topics.image().groupConfigs(groupId);
        Map<String, String> updated = change.apply(current, new GroupTarget(topics.brokerConfig()));
        GroupConfigs.validate(groupId, updated, topics.brokerConfig());
        if (validateOnly || updated.equals(current)) {
            return CompletableFuture.completedFuture(null);
        }
        return topics.setGroupConfigs(groupId, updated, TopicService.DEFAULT_PROPOSAL_TIMEOUT).thenApply(changed -> null);
    }

    private CompletableFuture<Void> alterBroker(String name, Change change, boolean validateOnly) {
        TopicService topics = context.topics();
        BrokerConfig broker = topics.brokerConfig();
        boolean clusterDefault = BrokerResources.isClusterDefault(name, broker.nodeId());
        // Resource "" is the cluster-wide default, "<this node's id>" this node's own overrides.
        Map<String, String> current = clusterDefault ? topics.image().brokerConfigs()
                : topics.image().nodeConfigs().getOrDefault(broker.nodeId(), Map.of());
        Map<String, String> updated = change.apply(current, new BrokerTarget(broker));
        TreeSet<String> notDynamic = new TreeSet<>();
        for (Map.Entry<String, String> entry : updated.entrySet()) {
            if (BrokerConfig.configKey(entry.getKey()).isEmpty()) {
                throw new InvalidConfigurationException("Unknown broker config name: " + entry.getKey());
            }
            if (!Objects.equals(current.get(entry.getKey()), entry.getValue()) && !BrokerConfig.isDynamic(entry.getKey())) {
                notDynamic.add(entry.getKey());
            }
        }
        if (!notDynamic.isEmpty()) {
            // Kafka's answer (KAFKA-13609 keeps it INVALID_REQUEST rather than INVALID_CONFIG).
            throw new InvalidRequestException("Cannot update these configs dynamically: " + notDynamic);
        }
        Optional<String> invalid = broker.invalidDynamicReason(updated);
        if (invalid.isPresent()) {
            throw new InvalidConfigurationException(invalid.get());
        }
        if (validateOnly || updated.equals(current)) {
            return CompletableFuture.completedFuture(null);
        }
        return topics.setBrokerConfigs(clusterDefault ? io.dlog.cluster.MetadataCommand.SetBrokerConfigs.CLUSTER_DEFAULT
                : broker.nodeId(), updated, TopicService.DEFAULT_PROPOSAL_TIMEOUT).thenApply(changed -> null);
    }

    /** A topic: keys are the topic configs; an unset key inherits the broker default. */
    private record TopicTarget(BrokerConfig broker) implements Target {
        @Override
        public Optional<ConfigDef.Type> typeOf(String key) {
            return Optional.ofNullable(TopicConfigs.definitions().get(key)).map(TopicConfigs.Definition::type);
        }

        @Override
        public String inheritedValue(String key) {
            TopicConfigs.Definition definition = TopicConfigs.definitions().get(key);
            return definition == null ? null : TopicConfigs.effectiveValue(definition, Map.of(), broker).value();
        }

        @Override
        public String unknownKeyMessage(String key) {
            return "Unknown topic config name: " + key;
        }
    }

    /** A group: keys are the group configs DLog honours; an unset key inherits the broker's group setting. */
    private record GroupTarget(BrokerConfig broker) implements Target {
        @Override
        public Optional<ConfigDef.Type> typeOf(String key) {
            return Optional.ofNullable(GroupConfigs.definition().configKeys().get(key)).map(k -> k.type);
        }

        @Override
        public String inheritedValue(String key) {
            return GroupConfigs.inheritedValue(key, broker);
        }

        @Override
        public String unknownKeyMessage(String key) {
            return GroupConfigs.unknownKeyMessage(key);
        }
    }

    /** The broker: keys are the broker's; an unset key has its static value or default. */
    private record BrokerTarget(BrokerConfig broker) implements Target {
        @Override
        public Optional<ConfigDef.Type> typeOf(String key) {
            return BrokerConfig.configKey(key).map(k -> k.type);
        }

        @Override
        public String inheritedValue(String key) {
            String fixed = broker.staticValues().get(key);
            if (fixed != null) {
                return fixed;
            }
            ConfigDef.ConfigKey definition = BrokerConfig.configKey(key).orElse(null);
            return definition == null || !definition.hasDefault() || definition.defaultValue == null ? null
                    : ConfigDef.convertToString(definition.defaultValue, definition.type);
        }

        @Override
        public String unknownKeyMessage(String key) {
            return "Unknown broker config name: " + key;
        }
    }
}
