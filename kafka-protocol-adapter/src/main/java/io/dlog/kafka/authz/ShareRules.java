package io.dlog.kafka.authz;

import io.dlog.kafka.api.ApiHandler;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.message.AlterShareGroupOffsetsRequestData;
import org.apache.kafka.common.message.AlterShareGroupOffsetsResponseData;
import org.apache.kafka.common.message.DeleteShareGroupOffsetsRequestData;
import org.apache.kafka.common.message.DeleteShareGroupOffsetsResponseData;
import org.apache.kafka.common.message.DescribeShareGroupOffsetsRequestData;
import org.apache.kafka.common.message.DescribeShareGroupOffsetsResponseData;
import org.apache.kafka.common.message.ShareAcknowledgeRequestData;
import org.apache.kafka.common.message.ShareAcknowledgeResponseData;
import org.apache.kafka.common.message.ShareFetchRequestData;
import org.apache.kafka.common.message.ShareFetchResponseData;
import org.apache.kafka.common.message.ShareGroupDescribeRequestData;
import org.apache.kafka.common.message.ShareGroupDescribeResponseData;
import org.apache.kafka.common.message.ShareGroupHeartbeatRequestData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;

/**
 * Share groups (KIP-932), as Kafka 4.x's KafkaApis checks them: READ on the group to heartbeat, fetch,
 * acknowledge and alter its offsets, DESCRIBE on it to describe it and its offsets, DELETE to delete its
 * offsets; DESCRIBE on each subscribed topic to heartbeat (else the whole heartbeat is
 * TOPIC_AUTHORIZATION_FAILED), READ on each topic fetched, acknowledged, altered or deleted (else that
 * topic's partitions are TOPIC_AUTHORIZATION_FAILED and the rest is served), DESCRIBE on each topic whose
 * offsets or assignment are described. Refused groups get GROUP_AUTHORIZATION_FAILED. Stateless.
 */
final class ShareRules {
    private static final short TOPIC_DENIED = Errors.TOPIC_AUTHORIZATION_FAILED.code();
    private static final short GROUP_DENIED = Errors.GROUP_AUTHORIZATION_FAILED.code();

    private ShareRules() {
    }

    static CompletionStage<? extends ApiMessage> heartbeat(Check check, ApiMessage message, ApiHandler<ApiMessage> next) {
        ShareGroupHeartbeatRequestData data = (ShareGroupHeartbeatRequestData) message;
        if (!check.group(AclOperation.READ, data.groupId())) {
            return Rule.refuse(check, data, Errors.GROUP_AUTHORIZATION_FAILED);
        }
        // Clients may not learn of topics they cannot describe, so a subscription naming one is refused whole.
        List<String> subscribed = data.subscribedTopicNames() == null ? List.of() : data.subscribedTopicNames();
        if (!subscribed.stream().allMatch(topic -> check.topic(AclOperation.DESCRIBE, topic))) {
            return Rule.refuse(check, data, Errors.TOPIC_AUTHORIZATION_FAILED);
        }
        return next.handle(check.request(), data);
    }

    static CompletionStage<? extends ApiMessage> describe(Check check, ApiMessage message, ApiHandler<ApiMessage> next) {
        ShareGroupDescribeRequestData data = (ShareGroupDescribeRequestData) message;
        List<String> denied = data.groupIds().stream().filter(g -> !check.group(AclOperation.DESCRIBE, g)).toList();
        data.groupIds().removeAll(denied);
        return AdminRules.served(check, next, data, data.groupIds().isEmpty(), new ShareGroupDescribeResponseData())
                .thenApply(response -> {
                    ShareGroupDescribeResponseData described = (ShareGroupDescribeResponseData) response;
                    List<ShareGroupDescribeResponseData.DescribedGroup> groups = new ArrayList<>();
                    for (ShareGroupDescribeResponseData.DescribedGroup group : described.groups()) {
                        groups.add(hidingUndescribableTopics(check, group, data.includeAuthorizedOperations()));
                    }
                    denied.forEach(g -> groups.add(new ShareGroupDescribeResponseData.DescribedGroup().setGroupId(g)
                            .setErrorCode(GROUP_DENIED).setErrorMessage(Errors.GROUP_AUTHORIZATION_FAILED.message())));
                    return described.setGroups(groups);
                });
    }

    /** A described group assigning a topic the principal may not describe is answered TOPIC_AUTHORIZATION_FAILED. */
    private static ShareGroupDescribeResponseData.DescribedGroup hidingUndescribableTopics(
            Check check, ShareGroupDescribeResponseData.DescribedGroup group, boolean withOperations) {
        boolean hidden = group.members().stream().flatMap(m -> m.assignment().topicPartitions().stream())
                .anyMatch(tp -> !check.topic(AclOperation.DESCRIBE, tp.topicName()));
        if (hidden) {
            return new ShareGroupDescribeResponseData.DescribedGroup().setGroupId(group.groupId()).setErrorCode(TOPIC_DENIED)
                    .setErrorMessage("The group has described topic(s) that the client is not authorized to describe.");
        }
        if (withOperations && group.errorCode() == Errors.NONE.code()) {
            group.setAuthorizedOperations(DataPlaneRules.OperationBits.group(check, group.groupId()));
        }
        return group;
    }

    static CompletionStage<? extends ApiMessage> fetch(Check check, ApiMessage message, ApiHandler<ApiMessage> next) {
        ShareFetchRequestData data = (ShareFetchRequestData) message;
        if (!check.group(AclOperation.READ, data.groupId())) {
            return Rule.refuse(check, data, Errors.GROUP_AUTHORIZATION_FAILED);
        }
        List<ShareFetchRequestData.FetchTopic> denied = removeUnreadable(check, data.topics(),
                ShareFetchRequestData.FetchTopic::topicId);
        if (denied.isEmpty()) {
            return next.handle(check.request(), data);
        }
        return next.handle(check.request(), data).thenApply(response -> {
            ShareFetchResponseData fetched = (ShareFetchResponseData) response;
            for (ShareFetchRequestData.FetchTopic topic : denied) {
                ShareFetchResponseData.ShareFetchableTopicResponse answer = new ShareFetchResponseData.ShareFetchableTopicResponse()
                        .setTopicId(topic.topicId());
                for (ShareFetchRequestData.FetchPartition p : topic.partitions()) {
                    boolean acknowledged = p.acknowledgementBatches() != null && !p.acknowledgementBatches().isEmpty();
                    answer.partitions().add(new ShareFetchResponseData.PartitionData().setPartitionIndex(p.partitionIndex())
                            .setErrorCode(TOPIC_DENIED).setErrorMessage(Errors.TOPIC_AUTHORIZATION_FAILED.message())
                            .setAcknowledgeErrorCode(acknowledged ? TOPIC_DENIED : Errors.NONE.code())
                            .setRecords(MemoryRecords.EMPTY));
                }
                fetched.responses().add(answer);
            }
            return fetched;
        });
    }

    static CompletionStage<? extends ApiMessage> acknowledge(Check check, ApiMessage message, ApiHandler<ApiMessage> next) {
        ShareAcknowledgeRequestData data = (ShareAcknowledgeRequestData) message;
        if (!check.group(AclOperation.READ, data.groupId())) {
            return Rule.refuse(check, data, Errors.GROUP_AUTHORIZATION_FAILED);
        }
        List<ShareAcknowledgeRequestData.AcknowledgeTopic> denied = removeUnreadable(check, data.topics(),
                ShareAcknowledgeRequestData.AcknowledgeTopic::topicId);
        if (denied.isEmpty()) {
            return next.handle(check.request(), data);
        }
        return next.handle(check.request(), data).thenApply(response -> {
            ShareAcknowledgeResponseData acknowledged = (ShareAcknowledgeResponseData) response;
            for (ShareAcknowledgeRequestData.AcknowledgeTopic topic : denied) {
                ShareAcknowledgeResponseData.ShareAcknowledgeTopicResponse answer =
                        new ShareAcknowledgeResponseData.ShareAcknowledgeTopicResponse().setTopicId(topic.topicId());
                topic.partitions().forEach(p -> answer.partitions().add(new ShareAcknowledgeResponseData.PartitionData()
                        .setPartitionIndex(p.partitionIndex()).setErrorCode(TOPIC_DENIED)
                        .setErrorMessage(Errors.TOPIC_AUTHORIZATION_FAILED.message())));
                acknowledged.responses().add(answer);
            }
            return acknowledged;
        });
    }

    /** Takes the topics (given by id) the principal may not READ out of a request; returns them. */
    private static <T> List<T> removeUnreadable(Check check, Iterable<T> topics, Function<T, Uuid> topicId) {
        List<T> denied = new ArrayList<>();
        for (Iterator<T> it = topics.iterator(); it.hasNext(); ) {
            T topic = it.next();
            if (!readable(check, topicId.apply(topic))) {
                denied.add(topic);
                it.remove();
            }
        }
        return denied;
    }

    /** READ on a topic given by id; an id the image does not know is left to the handler (UNKNOWN_TOPIC_ID). */
    private static boolean readable(Check check, Uuid topicId) {
        return check.topicName(topicId).map(name -> check.topic(AclOperation.READ, name)).orElse(true);
    }

    static CompletionStage<? extends ApiMessage> describeOffsets(Check check, ApiMessage message, ApiHandler<ApiMessage> next) {
        DescribeShareGroupOffsetsRequestData data = (DescribeShareGroupOffsetsRequestData) message;
        List<String> deniedGroups = new ArrayList<>();
        List<DescribeShareGroupOffsetsRequestData.DescribeShareGroupOffsetsRequestTopic> deniedTopics = new ArrayList<>();
        List<String> deniedTopicsGroup = new ArrayList<>();
        for (Iterator<DescribeShareGroupOffsetsRequestData.DescribeShareGroupOffsetsRequestGroup> it = data.groups().iterator();
             it.hasNext(); ) {
            DescribeShareGroupOffsetsRequestData.DescribeShareGroupOffsetsRequestGroup group = it.next();
            if (!check.group(AclOperation.DESCRIBE, group.groupId())) {
                deniedGroups.add(group.groupId());
                it.remove();
            } else if (group.topics() != null) {
                for (var topic : List.copyOf(group.topics())) {
                    if (!check.topic(AclOperation.DESCRIBE, topic.topicName())) {
                        group.topics().remove(topic);
                        deniedTopics.add(topic);
                        deniedTopicsGroup.add(group.groupId());
                    }
                }
            }
        }
        return AdminRules.served(check, next, data, data.groups().isEmpty(), new DescribeShareGroupOffsetsResponseData())
                .thenApply(response -> {
                    DescribeShareGroupOffsetsResponseData described = (DescribeShareGroupOffsetsResponseData) response;
                    for (var group : described.groups()) {
                        // All-topics descriptions leave out what the principal may not describe; named ones answer it.
                        group.topics().removeIf(t -> !check.topic(AclOperation.DESCRIBE, t.topicName()));
                        for (int i = 0; i < deniedTopics.size(); i++) {
                            if (deniedTopicsGroup.get(i).equals(group.groupId()) && group.errorCode() == Errors.NONE.code()) {
                                group.topics().add(deniedOffsets(deniedTopics.get(i)));
                            }
                        }
                    }
                    deniedGroups.forEach(g -> described.groups().add(
                            new DescribeShareGroupOffsetsResponseData.DescribeShareGroupOffsetsResponseGroup().setGroupId(g)
                                    .setErrorCode(GROUP_DENIED).setErrorMessage(Errors.GROUP_AUTHORIZATION_FAILED.message())));
                    return described;
                });
    }

    private static DescribeShareGroupOffsetsResponseData.DescribeShareGroupOffsetsResponseTopic deniedOffsets(
            DescribeShareGroupOffsetsRequestData.DescribeShareGroupOffsetsRequestTopic topic) {
        var answer = new DescribeShareGroupOffsetsResponseData.DescribeShareGroupOffsetsResponseTopic()
                .setTopicName(topic.topicName()).setTopicId(Uuid.ZERO_UUID);
        topic.partitions().forEach(p -> answer.partitions().add(
                new DescribeShareGroupOffsetsResponseData.DescribeShareGroupOffsetsResponsePartition().setPartitionIndex(p)
                        .setStartOffset(-1).setErrorCode(TOPIC_DENIED).setErrorMessage(Errors.TOPIC_AUTHORIZATION_FAILED.message())));
        return answer;
    }

    static CompletionStage<? extends ApiMessage> alterOffsets(Check check, ApiMessage message, ApiHandler<ApiMessage> next) {
        AlterShareGroupOffsetsRequestData data = (AlterShareGroupOffsetsRequestData) message;
        if (!check.group(AclOperation.READ, data.groupId())) {
            return Rule.refuse(check, data, Errors.GROUP_AUTHORIZATION_FAILED);
        }
        List<AlterShareGroupOffsetsRequestData.AlterShareGroupOffsetsRequestTopic> denied = new ArrayList<>();
        for (var it = data.topics().iterator(); it.hasNext(); ) {
            var topic = it.next();
            if (!check.topic(AclOperation.READ, topic.topicName())) {
                denied.add(topic);
                it.remove();
            }
        }
        if (denied.isEmpty()) {
            return next.handle(check.request(), data);
        }
        return next.handle(check.request(), data).thenApply(response -> {
            AlterShareGroupOffsetsResponseData altered = (AlterShareGroupOffsetsResponseData) response;
            if (altered.errorCode() != Errors.NONE.code()) {
                return altered;
            }
            for (var topic : denied) {
                var answer = new AlterShareGroupOffsetsResponseData.AlterShareGroupOffsetsResponseTopic()
                        .setTopicName(topic.topicName()).setTopicId(check.topicId(topic.topicName()));
                topic.partitions().forEach(p -> answer.partitions().add(
                        new AlterShareGroupOffsetsResponseData.AlterShareGroupOffsetsResponsePartition()
                                .setPartitionIndex(p.partitionIndex()).setErrorCode(TOPIC_DENIED)
                                .setErrorMessage(Errors.TOPIC_AUTHORIZATION_FAILED.message())));
                altered.responses().add(answer);
            }
            return altered;
        });
    }

    static CompletionStage<? extends ApiMessage> deleteOffsets(Check check, ApiMessage message, ApiHandler<ApiMessage> next) {
        DeleteShareGroupOffsetsRequestData data = (DeleteShareGroupOffsetsRequestData) message;
        if (!check.group(AclOperation.DELETE, data.groupId())) {
            return Rule.refuse(check, data, Errors.GROUP_AUTHORIZATION_FAILED);
        }
        Set<String> denied = data.topics().stream().map(DeleteShareGroupOffsetsRequestData.DeleteShareGroupOffsetsRequestTopic::topicName)
                .filter(t -> !check.topic(AclOperation.READ, t)).collect(Collectors.toCollection(java.util.LinkedHashSet::new));
        if (denied.isEmpty()) {
            return next.handle(check.request(), data);
        }
        data.topics().removeIf(t -> denied.contains(t.topicName()));
        return next.handle(check.request(), data).thenApply(response -> {
            DeleteShareGroupOffsetsResponseData deleted = (DeleteShareGroupOffsetsResponseData) response;
            if (deleted.errorCode() != Errors.NONE.code()) {
                return deleted;
            }
            denied.forEach(t -> deleted.responses().add(new DeleteShareGroupOffsetsResponseData.DeleteShareGroupOffsetsResponseTopic()
                    .setTopicName(t).setErrorCode(TOPIC_DENIED).setErrorMessage(Errors.TOPIC_AUTHORIZATION_FAILED.message())));
            return deleted;
        });
    }
}
