package io.dlog.kafka.handlers.admin;

import io.dlog.kafka.BrokerContext;
import io.dlog.kafka.api.ApiHandler;
import io.dlog.kafka.api.RequestContext;
import io.dlog.kafka.config.BrokerConfig;
import io.dlog.kafka.topic.TopicService;
import io.dlog.log.metadata.TopicImage;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Predicate;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.message.DescribeConfigsRequestData;
import org.apache.kafka.common.message.DescribeConfigsRequestData.DescribeConfigsResource;
import org.apache.kafka.common.message.DescribeConfigsResponseData;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsResourceResult;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsResult;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ApiError;

/**
 * DescribeConfigs for TOPIC, BROKER (node id, or "" for the dynamic defaults) and GROUP resources (any
 * group name, existing or not, as Kafka), with synonyms, documentation and types when asked, and the
 * requested keys only when keys are named. Other resource types (BROKER_LOGGER, CLIENT_METRICS) get an
 * error for that resource. Answers from
 * the in-memory image: never waits.
 */
public final class DescribeConfigsHandler implements ApiHandler<DescribeConfigsRequestData> {
    private final BrokerContext context;

    public DescribeConfigsHandler(BrokerContext context) {
        this.context = context;
    }

    @Override
    public CompletionStage<DescribeConfigsResponseData> handle(RequestContext request, DescribeConfigsRequestData data) {
        DescribeConfigsResponseData response = new DescribeConfigsResponseData();
        for (DescribeConfigsResource resource : data.resources()) {
            DescribeConfigsResult result = new DescribeConfigsResult()
                    .setResourceType(resource.resourceType())
                    .setResourceName(resource.resourceName());
            try {
                result.setConfigs(describe(resource, data.includeSynonyms(), data.includeDocumentation()))
                        .setErrorCode(Errors.NONE.code());
            } catch (RuntimeException e) {
                ApiError error = AdminErrors.fromThrowable(e);
                result.setErrorCode(error.error().code()).setErrorMessage(error.message()).setConfigs(new ArrayList<>());
            }
            response.results().add(result);
        }
        return CompletableFuture.completedFuture(response);
    }

    private List<DescribeConfigsResourceResult> describe(DescribeConfigsResource resource, boolean synonyms, boolean docs) {
        Predicate<String> wanted = wanted(resource.configurationKeys());
        ConfigResource.Type type = ConfigResource.Type.forId(resource.resourceType());
        TopicService topics = context.topics();
        BrokerConfig broker = topics.brokerConfig();
        switch (type) {
            case TOPIC -> {
                String name = resource.resourceName();
                Optional<String> invalidName = TopicService.invalidTopicNameReason(name);
                if (invalidName.isPresent()) {
                    throw new org.apache.kafka.common.errors.InvalidTopicException(invalidName.get());
                }
                Optional<TopicImage> topic = topics.image().topic(name);
                if (topic.isEmpty()) {
                    throw new org.apache.kafka.common.errors.UnknownTopicOrPartitionException(
                            "Topic '" + name + "' does not exist.");
                }
                return ConfigDescriber.topicConfigs(topic.get(), broker, wanted, synonyms, docs);
            }
            case BROKER -> {
                if (BrokerResources.isClusterDefault(resource.resourceName(), broker.nodeId())) {
                    return ConfigDescriber.brokerDefaultConfigs(broker, wanted, synonyms, docs);
                }
                return ConfigDescriber.brokerConfigs(broker, wanted, synonyms, docs);
            }
            case GROUP -> {
                if (resource.resourceName() == null || resource.resourceName().isEmpty()) {
                    throw new InvalidRequestException("Group name must not be empty");
                }
                return ConfigDescriber.groupConfigs(topics.image().groupConfigs(resource.resourceName()), broker, wanted,
                        synonyms, docs);
            }
            case BROKER_LOGGER -> throw new InvalidRequestException(
                    "DLog does not serve BROKER_LOGGER configs; set log levels in the broker's logback configuration.");
            default -> throw new InvalidRequestException("Unsupported resource type: " + type);
        }
    }

    /** Null or empty: every key (Kafka treats both alike). */
    private static Predicate<String> wanted(List<String> keys) {
        if (keys == null || keys.isEmpty()) {
            return key -> true;
        }
        Set<String> set = new HashSet<>(keys);
        return set::contains;
    }
}
