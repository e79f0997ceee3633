package io.dlog.kafka.handlers.admin;

import io.dlog.kafka.BrokerContext;
import io.dlog.kafka.api.ApiHandler;
import io.dlog.kafka.api.RequestContext;
import io.dlog.log.metadata.MetadataImage;
import io.dlog.log.metadata.TopicImage;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.CreatePartitionsRequestData;
import org.apache.kafka.common.message.CreatePartitionsRequestData.CreatePartitionsAssignment;
import org.apache.kafka.common.message.CreatePartitionsRequestData.CreatePartitionsTopic;
import org.apache.kafka.common.message.CreatePartitionsResponseData;
import org.apache.kafka.common.message.CreatePartitionsResponseData.CreatePartitionsTopicResult;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ApiError;

/**
 * CreatePartitions: raises a topic's partition count, never lowers it (INVALID_PARTITIONS, with Kafka's
 * messages). Manual assignments must name one replica set per new partition, each this node alone
 * (INVALID_REPLICA_ASSIGNMENT otherwise). Validate-only runs the checks and changes nothing.
 */
public final class CreatePartitionsHandler implements ApiHandler<CreatePartitionsRequestData> {
    private final BrokerContext context;

    public CreatePartitionsHandler(BrokerContext context) {
        this.context = context;
    }

    @Override
    public CompletionStage<CreatePartitionsResponseData> handle(RequestContext request, CreatePartitionsRequestData data) {
        Map<String, Integer> counts = new HashMap<>();
        for (CreatePartitionsTopic topic : data.topics()) {
            counts.merge(topic.name(), 1, Integer::sum);
        }
        MetadataImage image = context.topics().image();
        Set<String> answeredDuplicates = new HashSet<>();
        List<CompletableFuture<CreatePartitionsTopicResult>> answers = new ArrayList<>();
        for (CreatePartitionsTopic topic : data.topics()) {
            if (counts.get(topic.name()) > 1) {
                if (answeredDuplicates.add(topic.name())) {
                    answers.add(done(result(topic.name(), new ApiError(Errors.INVALID_REQUEST, "Duplicate topic name."))));
                }
                continue;
            }
            Optional<ApiError> invalid = check(topic, image);
            if (invalid.isPresent()) {
                answers.add(done(result(topic.name(), invalid.get())));
            } else if (data.validateOnly()) {
                answers.add(done(result(topic.name(), ApiError.NONE)));
            } else {
                List<List<Integer>> added = topic.assignments() == null ? null
                        : topic.assignments().stream().map(CreatePartitionsAssignment::brokerIds).toList();
                answers.add(context.topics().increasePartitions(topic.name(), topic.count(), added,
                        ProposalTimeouts.of(data.timeoutMs())).handle((changed, failure) ->
                        result(topic.name(), failure == null ? ApiError.NONE : AdminErrors.fromThrowable(failure))));
            }
        }
        return CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).thenApply(all -> {
            CreatePartitionsResponseData response = new CreatePartitionsResponseData();
            for (CompletableFuture<CreatePartitionsTopicResult> answer : answers) {
                response.results().add(answer.join());
            }
            return response;
        });
    }

    private Optional<ApiError> check(CreatePartitionsTopic topic, MetadataImage image) {
        Optional<TopicImage> existing = image.topic(topic.name());
        if (existing.isEmpty()) {
            return Optional.of(new ApiError(Errors.UNKNOWN_TOPIC_OR_PARTITION, "Topic '" + topic.name() + "' does not exist."));
        }
        int current = existing.get().partitions();
        if (topic.count() == current) {
            return Optional.of(new ApiError(Errors.INVALID_PARTITIONS, "Topic already has " + current + " partition(s)."));
        }
        if (topic.count() < current) {
            return Optional.of(new ApiError(Errors.INVALID_PARTITIONS, "The topic " + topic.name() + " currently has "
                    + current + " partition(s); " + topic.count() + " would not be an increase."));
        }
        if (topic.assignments() != null) {
            int added = topic.count() - current;
            if (topic.assignments().size() != added) {
                return Optional.of(new ApiError(Errors.INVALID_REPLICA_ASSIGNMENT, "Attempted to add " + added
                        + " additional partition(s), but only " + topic.assignments().size() + " assignment(s) were specified."));
            }
            for (CreatePartitionsAssignment assignment : topic.assignments()) {
                Optional<ApiError> invalid = ReplicaAssignments.validate(assignment.brokerIds(), image);
                if (invalid.isPresent()) {
                    return invalid;
                }
            }
        }
        return Optional.empty();
    }

    private static CreatePartitionsTopicResult result(String name, ApiError error) {
        return new CreatePartitionsTopicResult().setName(name).setErrorCode(error.error().code())
                .setErrorMessage(error.isFailure() ? error.message() : null);
    }

    private static CompletableFuture<CreatePartitionsTopicResult> done(CreatePartitionsTopicResult result) {
        return CompletableFuture.completedFuture(result);
    }
}
