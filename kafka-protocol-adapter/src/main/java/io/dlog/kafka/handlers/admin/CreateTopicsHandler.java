package io.dlog.kafka.handlers.admin;

import io.dlog.kafka.BrokerContext;
import io.dlog.kafka.api.ApiHandler;
import io.dlog.kafka.api.RequestContext;
import io.dlog.kafka.common.Uuids;
import io.dlog.kafka.config.BrokerConfig;
import io.dlog.kafka.config.TopicConfigs;
import io.dlog.kafka.topic.TopicService;
import io.dlog.log.metadata.MetadataImage;
import io.dlog.log.metadata.TopicImage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.internals.Topic;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableReplicaAssignment;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopic;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopicConfig;
import org.apache.kafka.common.message.CreateTopicsResponseData;
import org.apache.kafka.common.message.CreateTopicsResponseData.CreatableTopicConfigs;
import org.apache.kafka.common.message.CreateTopicsResponseData.CreatableTopicResult;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsResourceResult;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ApiError;

/**
 * CreateTopics with Kafka's checks in Kafka's order: duplicate names in the request (INVALID_REQUEST),
 * invalid or colliding names (INVALID_TOPIC_EXCEPTION), existing topics, configs (INVALID_CONFIG), then
 * partitions, replication factor (at most the live brokers) and manual assignments (registered
 * brokers, one replica set size). Replica sets are chosen by the cluster's placement. A created topic's answer carries its id, partition count, replication factor and (v5+) its
 * effective configs; validate-only runs every check and creates nothing.
 */
public final class CreateTopicsHandler implements ApiHandler<CreateTopicsRequestData> {
    private final BrokerContext context;

    public CreateTopicsHandler(BrokerContext context) {
        this.context = context;
    }

    /** A topic that passed every check: what to create. */
    private record Plan(String name, int partitions, short replicationFactor, List<List<Integer>> assignment,
                        Map<String, String> configs) {
    }

    @Override
    public CompletionStage<CreateTopicsResponseData> handle(RequestContext request, CreateTopicsRequestData data) {
        Map<String, Integer> counts = new HashMap<>();
        for (CreatableTopic topic : data.topics()) {
            counts.merge(topic.name(), 1, Integer::sum);
        }
        MetadataImage image = context.topics().image();
        BrokerConfig broker = context.config();
        List<CompletableFuture<CreatableTopicResult>> answers = new ArrayList<>();
        Set<String> answeredDuplicates = new HashSet<>();
        for (CreatableTopic topic : data.topics()) {
            if (counts.get(topic.name()) > 1) {
                if (answeredDuplicates.add(topic.name())) {
                    answers.add(CompletableFuture.completedFuture(
                            error(topic.name(), new ApiError(Errors.INVALID_REQUEST, "Duplicate topic name."))));
                }
                continue;
            }
            if (topic.name().equals(TopicService.KAFKA_METADATA_TOPIC)) {
                answers.add(CompletableFuture.completedFuture(error(topic.name(), new ApiError(Errors.INVALID_REQUEST,
                        "Creation of internal topic " + TopicService.KAFKA_METADATA_TOPIC + " is prohibited."))));
                continue;
            }
            Plan plan;
            try {
                plan = plan(topic, image, broker);
            } catch (PlanException e) {
                answers.add(CompletableFuture.completedFuture(error(topic.name(), e.error)));
                continue;
            }
            answers.add(data.validateOnly() ? CompletableFuture.completedFuture(success(plan, Uuid.ZERO_UUID, broker))
                    : create(plan, ProposalTimeouts.of(data.timeoutMs())));
        }
        return CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).thenApply(done -> {
            CreateTopicsResponseData response = new CreateTopicsResponseData();
            for (CompletableFuture<CreatableTopicResult> answer : answers) {
                response.topics().add(answer.join());
            }
            return response;
        });
    }

    private CompletableFuture<CreatableTopicResult> create(Plan plan, Duration timeout) {
        TopicService topics = context.topics();
        CompletableFuture<TopicImage> created = plan.assignment() != null
                ? topics.createWithAssignment(plan.name(), plan.assignment(), plan.configs(), timeout)
                : topics.create(plan.name(), plan.partitions(), plan.replicationFactor(), plan.configs(), timeout);
        return created.handle((topic, failure) -> failure != null
                ? error(plan.name(), AdminErrors.fromThrowable(failure))
                : success(plan, Uuids.toKafka(topic.topicId()), topics.brokerConfig()));
    }

    /** Runs every check; throws with the first failure. */
    private Plan plan(CreatableTopic topic, MetadataImage image, BrokerConfig broker) throws PlanException {
        String name = topic.name();
        Optional<String> invalidName = TopicService.invalidTopicNameReason(name);
        if (invalidName.isPresent()) {
            throw new PlanException(Errors.INVALID_TOPIC_EXCEPTION, invalidName.get());
        }
        if (image.topic(name).isPresent()) {
            throw new PlanException(Errors.TOPIC_ALREADY_EXISTS, "Topic '" + name + "' already exists.");
        }
        if (Topic.hasCollisionChars(name)) {
            for (String existing : image.topics().keySet()) {
                if (Topic.hasCollision(name, existing)) {
                    throw new PlanException(Errors.INVALID_TOPIC_EXCEPTION,
                            "Topic '" + name + "' collides with existing topic: " + existing);
                }
            }
        }
        Map<String, String> configs = new HashMap<>();
        for (CreatableTopicConfig config : topic.configs()) {
            if (config.value() == null) {
                throw new PlanException(Errors.INVALID_CONFIG, "Null value not supported for topic configs: " + config.name());
            }
            configs.put(config.name(), config.value());
        }
        Optional<String> invalidConfig = TopicConfigs.validate(configs, broker);
        if (invalidConfig.isPresent()) {
            throw new PlanException(Errors.INVALID_CONFIG, invalidConfig.get());
        }
        if (topic.assignments().isEmpty()) {
            int partitions = plainPartitionCount(topic, broker, image);
            short rf = topic.replicationFactor() == -1 ? broker.defaultReplicationFactor() : topic.replicationFactor();
            return new Plan(name, partitions, rf, null, configs);
        }
        List<List<Integer>> assignment = assignment(topic, image);
        return new Plan(name, assignment.size(), (short) assignment.get(0).size(), assignment, configs);
    }

    private static int plainPartitionCount(CreatableTopic topic, BrokerConfig broker, MetadataImage image) throws PlanException {
        int partitions = topic.numPartitions() == -1 ? broker.numPartitions() : topic.numPartitions();
        short replicationFactor = topic.replicationFactor() == -1 ? broker.defaultReplicationFactor() : topic.replicationFactor();
        if (partitions <= 0) {
            throw new PlanException(Errors.INVALID_PARTITIONS, "Number of partitions was set to an invalid non-positive value.");
        }
        if (replicationFactor <= 0) {
            throw new PlanException(Errors.INVALID_REPLICATION_FACTOR,
                    "Replication factor must be larger than 0, or -1 to use the default value.");
        }
        int live = TopicService.liveBrokers(image).size();
        if (replicationFactor > live) {
            throw new PlanException(Errors.INVALID_REPLICATION_FACTOR, "Unable to replicate the partition "
                    + replicationFactor + " time(s): The target replication factor of " + replicationFactor
                    + " cannot be reached because only " + live + " broker(s) are registered.");
        }
        return partitions;
    }

    /** Manual assignments: Kafka wants -1 for both counts, partitions 0..n-1 once each, one replica set size. */
    private static List<List<Integer>> assignment(CreatableTopic topic, MetadataImage image) throws PlanException {
        if (topic.replicationFactor() != -1) {
            throw new PlanException(Errors.INVALID_REQUEST,
                    "A manual partition assignment was specified, but replication factor was not set to -1.");
        }
        if (topic.numPartitions() != -1) {
            throw new PlanException(Errors.INVALID_REQUEST,
                    "A manual partition assignment was specified, but numPartitions was not set to -1.");
        }
        Map<Integer, List<Integer>> byPartition = new HashMap<>();
        for (CreatableReplicaAssignment assignment : topic.assignments()) {
            if (byPartition.put(assignment.partitionIndex(), assignment.brokerIds()) != null) {
                throw new PlanException(Errors.INVALID_REPLICA_ASSIGNMENT,
                        "Found multiple manual partition assignments for partition " + assignment.partitionIndex());
            }
            Optional<ApiError> invalid = ReplicaAssignments.validate(assignment.brokerIds(), image);
            if (invalid.isPresent()) {
                throw new PlanException(invalid.get());
            }
        }
        List<List<Integer>> assignment = new ArrayList<>();
        for (int p = 0; p < byPartition.size(); p++) {
            if (!byPartition.containsKey(p)) {
                throw new PlanException(Errors.INVALID_REPLICA_ASSIGNMENT,
                        "partitions should be a consecutive 0-based integer sequence");
            }
            if (byPartition.get(p).size() != byPartition.get(0).size()) {
                throw new PlanException(Errors.INVALID_REPLICA_ASSIGNMENT,
                        "All partitions should have the same number of replicas");
            }
            assignment.add(byPartition.get(p));
        }
        return assignment;
    }

    private static CreatableTopicResult success(Plan plan, Uuid topicId, BrokerConfig broker) {
        CreatableTopicResult result = new CreatableTopicResult()
                .setName(plan.name())
                .setTopicId(topicId)
                .setErrorCode(Errors.NONE.code())
                .setNumPartitions(plan.partitions())
                .setReplicationFactor(plan.replicationFactor());
        List<CreatableTopicConfigs> configs = new ArrayList<>();
        for (DescribeConfigsResourceResult entry : ConfigDescriber.topicConfigs(plan.configs(), broker, key -> true, false, false)) {
            configs.add(new CreatableTopicConfigs().setName(entry.name()).setValue(entry.value())
                    .setReadOnly(entry.readOnly()).setConfigSource(entry.configSource()).setIsSensitive(entry.isSensitive()));
        }
        return result.setConfigs(configs);
    }

    private static CreatableTopicResult error(String name, ApiError error) {
        return new CreatableTopicResult()
                .setName(name)
                .setErrorCode(error.error().code())
                .setErrorMessage(error.message())
                .setNumPartitions(-1)
                .setReplicationFactor((short) -1);
    }

    /** A check that failed, with the error to answer. */
    private static final class PlanException extends Exception {
        private static final long serialVersionUID = 1L;
        final transient ApiError error;

        PlanException(Errors error, String message) {
            this(new ApiError(error, message));
        }

        PlanException(ApiError error) {
            super(error.message(), null, false, false);
            this.error = error;
        }
    }
}
