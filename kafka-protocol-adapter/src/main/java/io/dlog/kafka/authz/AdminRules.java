package io.dlog.kafka.authz;

import io.dlog.kafka.api.ApiHandler;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.message.AlterConfigsRequestData;
import org.apache.kafka.common.message.AlterConfigsResponseData;
import org.apache.kafka.common.message.CreatePartitionsRequestData;
import org.apache.kafka.common.message.CreatePartitionsResponseData;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsResponseData;
import org.apache.kafka.common.message.DeleteRecordsRequestData;
import org.apache.kafka.common.message.DeleteTopicsRequestData;
import org.apache.kafka.common.message.DeleteTopicsResponseData;
import org.apache.kafka.common.message.DescribeConfigsRequestData;
import org.apache.kafka.common.message.DescribeConfigsResponseData;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData;
import org.apache.kafka.common.message.IncrementalAlterConfigsResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/**
 * Topic and config administration, as Kafka checks it: CreateTopics (CREATE on the cluster or the
 * topic), DeleteTopics and DeleteRecords (DELETE on the topic), CreatePartitions (ALTER on the topic),
 * DescribeConfigs / AlterConfigs / IncrementalAlterConfigs (DESCRIBE_CONFIGS / ALTER_CONFIGS on the
 * topic, or on the cluster for broker resources). Refused topics and resources get
 * TOPIC_AUTHORIZATION_FAILED or CLUSTER_AUTHORIZATION_FAILED; the rest are served. Stateless.
 */
final class AdminRules {
    private static final String DENIED_MESSAGE = "Authorization failed.";

    private AdminRules() {
    }

    /** Anyone may describe the cluster (as Kafka); its authorized operations are the principal's. */
    static CompletionStage<? extends ApiMessage> describeCluster(Check check, ApiMessage message, ApiHandler<ApiMessage> next) {
        org.apache.kafka.common.message.DescribeClusterRequestData data = (org.apache.kafka.common.message.DescribeClusterRequestData) message;
        return next.handle(check.request(), data).thenApply(response -> {
            if (data.includeClusterAuthorizedOperations()) {
                ((org.apache.kafka.common.message.DescribeClusterResponseData) response)
                        .setClusterAuthorizedOperations(check.cluster(AclOperation.DESCRIBE) ? DataPlaneRules.OperationBits.cluster(check) : 0);
            }
            return response;
        });
    }

    static CompletionStage<? extends ApiMessage> createTopics(Check check, ApiMessage message, ApiHandler<ApiMessage> next) {
        CreateTopicsRequestData data = (CreateTopicsRequestData) message;
        if (check.cluster(AclOperation.CREATE)) {
            return next.handle(check.request(), data);
        }
        List<CreateTopicsRequestData.CreatableTopic> denied = new ArrayList<>();
        data.topics().stream().filter(t -> !check.topic(AclOperation.CREATE, t.name())).forEach(denied::add);
        if (denied.isEmpty()) {
            return next.handle(check.request(), data);
        }
        denied.forEach(data.topics()::remove);
        return served(check, next, data, data.topics().isEmpty(), new CreateTopicsResponseData()).thenApply(response -> {
            CreateTopicsResponseData created = (CreateTopicsResponseData) response;
            denied.forEach(t -> created.topics().add(new CreateTopicsResponseData.CreatableTopicResult().setName(t.name())
                    .setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code()).setErrorMessage(DENIED_MESSAGE)
                    .setNumPartitions(-1).setReplicationFactor((short) -1).setTopicId(Uuid.ZERO_UUID)));
            return created;
        });
    }

    static CompletionStage<? extends ApiMessage> deleteTopics(Check check, ApiMessage message, ApiHandler<ApiMessage> next) {
        DeleteTopicsRequestData data = (DeleteTopicsRequestData) message;
        List<String> deniedNames = new ArrayList<>();
        List<DeleteTopicsRequestData.DeleteTopicState> deniedStates = new ArrayList<>();
        for (String name : new ArrayList<>(data.topicNames())) {
            if (!check.topic(AclOperation.DELETE, name)) {
                deniedNames.add(name);
                data.topicNames().remove(name);
            }
        }
        for (DeleteTopicsRequestData.DeleteTopicState state : new ArrayList<>(data.topics())) {
            String name = check.topicName(state.name(), state.topicId());
            if (name != null && !check.topic(AclOperation.DELETE, name)) {
                deniedStates.add(state);
                data.topics().remove(state);
            }
        }
        if (deniedNames.isEmpty() && deniedStates.isEmpty()) {
            return next.handle(check.request(), data);
        }
        boolean nothingLeft = data.topicNames().isEmpty() && data.topics().isEmpty();
        return served(check, next, data, nothingLeft, new DeleteTopicsResponseData()).thenApply(response -> {
            DeleteTopicsResponseData deleted = (DeleteTopicsResponseData) response;
            short error = Errors.TOPIC_AUTHORIZATION_FAILED.code();
            deniedNames.forEach(name -> deleted.responses().add(new DeleteTopicsResponseData.DeletableTopicResult()
                    .setName(name).setErrorCode(error)));
            // Kafka leaves the name out when a topic given by id is refused, so its name is not revealed.
            deniedStates.forEach(state -> deleted.responses().add(new DeleteTopicsResponseData.DeletableTopicResult()
                    .setName(state.name() == null || state.name().isEmpty() ? null : state.name())
                    .setTopicId(state.topicId()).setErrorCode(error)));
            return deleted;
        });
    }

    static CompletionStage<? extends ApiMessage> createPartitions(Check check, ApiMessage message, ApiHandler<ApiMessage> next) {
        CreatePartitionsRequestData data = (CreatePartitionsRequestData) message;
        List<CreatePartitionsRequestData.CreatePartitionsTopic> denied = new ArrayList<>();
        data.topics().stream().filter(t -> !check.topic(AclOperation.ALTER, t.name())).forEach(denied::add);
        if (denied.isEmpty()) {
            return next.handle(check.request(), data);
        }
        denied.forEach(data.topics()::remove);
        return served(check, next, data, data.topics().isEmpty(), new CreatePartitionsResponseData()).thenApply(response -> {
            CreatePartitionsResponseData created = (CreatePartitionsResponseData) response;
            denied.forEach(t -> created.results().add(new CreatePartitionsResponseData.CreatePartitionsTopicResult()
                    .setName(t.name()).setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code()).setErrorMessage(DENIED_MESSAGE)));
            return created;
        });
    }

    static CompletionStage<? extends ApiMessage> deleteRecords(Check check, ApiMessage message, ApiHandler<ApiMessage> next) {
        DeleteRecordsRequestData data = (DeleteRecordsRequestData) message;
        boolean allowed = data.topics().stream().allMatch(t -> check.topic(AclOperation.DELETE, t.name()));
        return allowed ? next.handle(check.request(), data) : Rule.refuse(check, data, Errors.TOPIC_AUTHORIZATION_FAILED);
    }

    static CompletionStage<? extends ApiMessage> describeConfigs(Check check, ApiMessage message, ApiHandler<ApiMessage> next) {
        DescribeConfigsRequestData data = (DescribeConfigsRequestData) message;
        List<DescribeConfigsRequestData.DescribeConfigsResource> denied = new ArrayList<>();
        for (DescribeConfigsRequestData.DescribeConfigsResource resource : data.resources()) {
            if (deniedError(check, resource.resourceType(), resource.resourceName(), AclOperation.DESCRIBE_CONFIGS) != null) {
                denied.add(resource);
            }
        }
        if (denied.isEmpty()) {
            return next.handle(check.request(), data);
        }
        data.resources().removeAll(denied);
        return served(check, next, data, data.resources().isEmpty(), new DescribeConfigsResponseData()).thenApply(response -> {
            DescribeConfigsResponseData described = (DescribeConfigsResponseData) response;
            for (DescribeConfigsRequestData.DescribeConfigsResource resource : denied) {
                Errors error = deniedError(check, resource.resourceType(), resource.resourceName(), AclOperation.DESCRIBE_CONFIGS);
                described.results().add(new DescribeConfigsResponseData.DescribeConfigsResult().setErrorCode(error.code())
                        .setErrorMessage(error.message()).setResourceType(resource.resourceType())
                        .setResourceName(resource.resourceName()));
            }
            return described;
        });
    }

    static CompletionStage<? extends ApiMessage> alterConfigs(Check check, ApiMessage message, ApiHandler<ApiMessage> next) {
        AlterConfigsRequestData data = (AlterConfigsRequestData) message;
        List<AlterConfigsRequestData.AlterConfigsResource> denied = new ArrayList<>();
        for (AlterConfigsRequestData.AlterConfigsResource resource : data.resources()) {
            if (deniedError(check, resource.resourceType(), resource.resourceName(), AclOperation.ALTER_CONFIGS) != null) {
                denied.add(resource);
            }
        }
        if (denied.isEmpty()) {
            return next.handle(check.request(), data);
        }
        denied.forEach(data.resources()::remove);
        return served(check, next, data, data.resources().isEmpty(), new AlterConfigsResponseData()).thenApply(response -> {
            AlterConfigsResponseData altered = (AlterConfigsResponseData) response;
            for (AlterConfigsRequestData.AlterConfigsResource resource : denied) {
                Errors error = deniedError(check, resource.resourceType(), resource.resourceName(), AclOperation.ALTER_CONFIGS);
                altered.responses().add(new AlterConfigsResponseData.AlterConfigsResourceResponse().setErrorCode(error.code())
                        .setErrorMessage(error.message()).setResourceType(resource.resourceType())
                        .setResourceName(resource.resourceName()));
            }
            return altered;
        });
    }

    static CompletionStage<? extends ApiMessage> incrementalAlterConfigs(Check check, ApiMessage message,
                                                                        ApiHandler<ApiMessage> next) {
        IncrementalAlterConfigsRequestData data = (IncrementalAlterConfigsRequestData) message;
        List<IncrementalAlterConfigsRequestData.AlterConfigsResource> denied = new ArrayList<>();
        for (IncrementalAlterConfigsRequestData.AlterConfigsResource resource : data.resources()) {
            if (deniedError(check, resource.resourceType(), resource.resourceName(), AclOperation.ALTER_CONFIGS) != null) {
                denied.add(resource);
            }
        }
        if (denied.isEmpty()) {
            return next.handle(check.request(), data);
        }
        denied.forEach(data.resources()::remove);
        return served(check, next, data, data.resources().isEmpty(), new IncrementalAlterConfigsResponseData()).thenApply(response -> {
            IncrementalAlterConfigsResponseData altered = (IncrementalAlterConfigsResponseData) response;
            for (IncrementalAlterConfigsRequestData.AlterConfigsResource resource : denied) {
                Errors error = deniedError(check, resource.resourceType(), resource.resourceName(), AclOperation.ALTER_CONFIGS);
                altered.responses().add(new IncrementalAlterConfigsResponseData.AlterConfigsResourceResponse()
                        .setErrorCode(error.code()).setErrorMessage(error.message()).setResourceType(resource.resourceType())
                        .setResourceName(resource.resourceName()));
            }
            return altered;
        });
    }

    /**
     * The error for a config resource the principal may not touch, or null when allowed: topics by their
     * ACLs, the broker resources and their loggers by the cluster's.
     */
    private static Errors deniedError(Check check, byte resourceType, String name, AclOperation operation) {
        ConfigResource.Type type = ConfigResource.Type.forId(resourceType);
        if (type == ConfigResource.Type.TOPIC) {
            return check.topic(operation, name) ? null : Errors.TOPIC_AUTHORIZATION_FAILED;
        }
        if (type == ConfigResource.Type.GROUP) {
            return check.group(operation, name) ? null : Errors.GROUP_AUTHORIZATION_FAILED;
        }
        return check.cluster(operation) ? null : Errors.CLUSTER_AUTHORIZATION_FAILED;
    }

    /** The handler's answer for what is left, or {@code empty} when nothing is. */
    static CompletionStage<? extends ApiMessage> served(Check check, ApiHandler<ApiMessage> next, ApiMessage data,
                                                         boolean nothingLeft, ApiMessage empty) {
        return nothingLeft ? CompletableFuture.completedFuture(empty) : next.handle(check.request(), data);
    }
}
