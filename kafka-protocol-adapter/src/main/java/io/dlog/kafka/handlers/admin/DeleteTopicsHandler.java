package io.dlog.kafka.handlers.admin;

import io.dlog.kafka.BrokerContext;
import io.dlog.kafka.api.ApiHandler;
import io.dlog.kafka.api.RequestContext;
import io.dlog.kafka.common.Uuids;
import io.dlog.log.metadata.MetadataImage;
import io.dlog.log.metadata.TopicImage;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.DeleteTopicsRequestData;
import org.apache.kafka.common.message.DeleteTopicsRequestData.DeleteTopicState;
import org.apache.kafka.common.message.DeleteTopicsResponseData;
import org.apache.kafka.common.message.DeleteTopicsResponseData.DeletableTopicResult;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ApiError;

/**
 * DeleteTopics by name (all versions) or by topic id (v6+). Unknown names answer
 * UNKNOWN_TOPIC_OR_PARTITION, unknown ids UNKNOWN_TOPIC_ID; a topic named twice (by name, by id, or by
 * both) INVALID_REQUEST, as Kafka's controller. With {@code delete.topic.enable=false} every topic gets
 * TOPIC_DELETION_DISABLED (INVALID_REQUEST before v3, which cannot carry that code).
 */
public final class DeleteTopicsHandler implements ApiHandler<DeleteTopicsRequestData> {
    private final BrokerContext context;

    public DeleteTopicsHandler(BrokerContext context) {
        this.context = context;
    }

    @Override
    public CompletionStage<DeleteTopicsResponseData> handle(RequestContext request, DeleteTopicsRequestData data) {
        List<DeleteTopicState> wanted = requested(request.apiVersion(), data);
        List<CompletableFuture<DeletableTopicResult>> answers = new ArrayList<>();
        if (!context.config().deleteTopicEnable()) {
            ApiError disabled = request.apiVersion() < 3
                    ? new ApiError(Errors.INVALID_REQUEST, "This version does not support TOPIC_DELETION_DISABLED error code")
                    : new ApiError(Errors.TOPIC_DELETION_DISABLED, "Topic deletion is disabled (delete.topic.enable=false).");
            for (DeleteTopicState topic : wanted) {
                answers.add(done(result(topic.name(), topic.topicId(), disabled)));
            }
            return respond(answers);
        }
        MetadataImage image = context.topics().image();
        Map<String, Integer> byName = new HashMap<>();
        Map<Uuid, Integer> byId = new HashMap<>();
        for (DeleteTopicState topic : wanted) {
            if (topic.name() != null) {
                byName.merge(topic.name(), 1, Integer::sum);
            } else if (!Uuid.ZERO_UUID.equals(topic.topicId())) {
                byId.merge(topic.topicId(), 1, Integer::sum);
                image.topic(Uuids.fromKafka(topic.topicId())).ifPresent(t -> byName.merge(t.name(), 1, Integer::sum));
            }
        }
        for (DeleteTopicState topic : wanted) {
            answers.add(answer(topic, image, byName, byId, ProposalTimeouts.of(data.timeoutMs())));
        }
        return respond(answers);
    }

    private CompletableFuture<DeletableTopicResult> answer(DeleteTopicState topic, MetadataImage image,
                                                           Map<String, Integer> byName, Map<Uuid, Integer> byId,
                                                           java.time.Duration timeout) {
        boolean hasId = topic.topicId() != null && !Uuid.ZERO_UUID.equals(topic.topicId());
        if (topic.name() != null && hasId) {
            return done(result(topic.name(), topic.topicId(),
                    new ApiError(Errors.INVALID_REQUEST, "You may not specify both topic name and topic id.")));
        }
        if (topic.name() == null && !hasId) {
            return done(result(null, Uuid.ZERO_UUID,
                    new ApiError(Errors.INVALID_REQUEST, "Neither topic name nor id were specified.")));
        }
        Optional<TopicImage> found;
        if (hasId) {
            if (byId.get(topic.topicId()) > 1) {
                return done(result(null, topic.topicId(), new ApiError(Errors.INVALID_REQUEST, "Duplicate topic id.")));
            }
            found = image.topic(Uuids.fromKafka(topic.topicId()));
            if (found.isEmpty()) {
                return done(result(null, topic.topicId(), new ApiError(Errors.UNKNOWN_TOPIC_ID,
                        "Topic id " + topic.topicId() + " does not exist.")));
            }
            if (byName.get(found.get().name()) > 1) {
                return done(result(found.get().name(), topic.topicId(), new ApiError(Errors.INVALID_REQUEST,
                        "The provided topic name maps to an ID that was already supplied.")));
            }
        } else {
            if (byName.get(topic.name()) > 1) {
                return done(result(topic.name(), Uuid.ZERO_UUID, new ApiError(Errors.INVALID_REQUEST, "Duplicate topic name.")));
            }
            found = image.topic(topic.name());
            if (found.isEmpty()) {
                return done(result(topic.name(), Uuid.ZERO_UUID, new ApiError(Errors.UNKNOWN_TOPIC_OR_PARTITION,
                        "Topic '" + topic.name() + "' does not exist.")));
            }
        }
        TopicImage target = found.get();
        Uuid id = Uuids.toKafka(target.topicId());
        return context.topics().delete(target.name(), timeout).handle((deleted, failure) -> failure == null
                ? result(target.name(), id, ApiError.NONE)
                : result(target.name(), id, AdminErrors.fromThrowable(failure)));
    }

    /** v6+ names topics as (name | id) pairs; older versions as a list of names. */
    private static List<DeleteTopicState> requested(short version, DeleteTopicsRequestData data) {
        if (version >= 6) {
            return data.topics();
        }
        List<DeleteTopicState> topics = new ArrayList<>();
        for (String name : data.topicNames()) {
            topics.add(new DeleteTopicState().setName(name).setTopicId(Uuid.ZERO_UUID));
        }
        return topics;
    }

    private static DeletableTopicResult result(String name, Uuid topicId, ApiError error) {
        return new DeletableTopicResult()
                .setName(name)
                .setTopicId(topicId == null ? Uuid.ZERO_UUID : topicId)
                .setErrorCode(error.error().code())
                .setErrorMessage(error.isFailure() ? error.message() : null);
    }

    private static CompletableFuture<DeletableTopicResult> done(DeletableTopicResult result) {
        return CompletableFuture.completedFuture(result);
    }

    private static CompletableFuture<DeleteTopicsResponseData> respond(List<CompletableFuture<DeletableTopicResult>> answers) {
        return CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).thenApply(done -> {
            DeleteTopicsResponseData response = new DeleteTopicsResponseData();
            for (CompletableFuture<DeletableTopicResult> answer : answers) {
                response.responses().add(answer.join());
            }
            return response;
        });
    }
}
