package io.dlog.kafka.authz;

import io.dlog.kafka.api.ApiHandler;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.message.ConsumerGroupDescribeRequestData;
import org.apache.kafka.common.message.ConsumerGroupDescribeResponseData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatRequestData;
import org.apache.kafka.common.message.DeleteGroupsRequestData;
import org.apache.kafka.common.message.DeleteGroupsResponseData;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.ListGroupsResponseData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetDeleteRequestData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.message.StreamsGroupDescribeRequestData;
import org.apache.kafka.common.message.StreamsGroupDescribeResponseData;
import org.apache.kafka.common.message.StreamsGroupHeartbeatRequestData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/**
 * Consumer groups, as Kafka checks them: READ on the group to join, sync, heartbeat, leave and commit
 * (and READ on each committed topic), DESCRIBE on the group to fetch offsets (topics without DESCRIBE
 * are refused or, in an all-topics fetch, left out) and to describe it, DELETE to delete it or its
 * offsets; ListGroups lists what the principal may describe unless it may describe the cluster.
 * Refused groups get GROUP_AUTHORIZATION_FAILED. Stateless.
 */
final class GroupRules {
    private static final short GROUP_DENIED = Errors.GROUP_AUTHORIZATION_FAILED.code();

    private GroupRules() {
    }

    /**
     * JoinGroup, SyncGroup, Heartbeat, LeaveGroup, ConsumerGroupHeartbeat, StreamsGroupHeartbeat: READ on the
     * group; a StreamsGroupHeartbeat with a topology also DESCRIBE on each of its topics.
     */
    static CompletionStage<? extends ApiMessage> member(Check check, ApiMessage message, ApiHandler<ApiMessage> next) {
        String group;
        if (message instanceof JoinGroupRequestData join) {
            group = join.groupId();
        } else if (message instanceof SyncGroupRequestData sync) {
            group = sync.groupId();
        } else if (message instanceof HeartbeatRequestData heartbeat) {
            group = heartbeat.groupId();
        } else if (message instanceof LeaveGroupRequestData leave) {
            group = leave.groupId();
        } else if (message instanceof StreamsGroupHeartbeatRequestData streams) {
            group = streams.groupId();
        } else {
            group = ((ConsumerGroupHeartbeatRequestData) message).groupId();
        }
        if (!check.group(AclOperation.READ, group)) {
            return Rule.refuse(check, message, Errors.GROUP_AUTHORIZATION_FAILED);
        }
        if (message instanceof StreamsGroupHeartbeatRequestData streams && !describesTopology(check, streams)) {
            return Rule.refuse(check, message, Errors.TOPIC_AUTHORIZATION_FAILED);
        }
        return next.handle(check.request(), message);
    }

    /** A joining Streams member needs DESCRIBE on every topic its topology names, as on Kafka. */
    private static boolean describesTopology(Check check, StreamsGroupHeartbeatRequestData data) {
        if (data.topology() == null) {
            return true;
        }
        for (StreamsGroupHeartbeatRequestData.Subtopology s : data.topology().subtopologies()) {
            List<String> topics = new ArrayList<>(s.sourceTopics());
            s.repartitionSourceTopics().forEach(t -> topics.add(t.name()));
            s.stateChangelogTopics().forEach(t -> topics.add(t.name()));
            for (String topic : topics) {
                if (!check.topic(AclOperation.DESCRIBE, topic)) {
                    return false;
                }
            }
        }
        return true;
    }

    static CompletionStage<? extends ApiMessage> offsetCommit(Check check, ApiMessage message, ApiHandler<ApiMessage> next) {
        OffsetCommitRequestData data = (OffsetCommitRequestData) message;
        if (!check.group(AclOperation.READ, data.groupId())) {
            return Rule.refuse(check, data, Errors.GROUP_AUTHORIZATION_FAILED);
        }
        List<OffsetCommitRequestData.OffsetCommitRequestTopic> denied = new ArrayList<>();
        for (OffsetCommitRequestData.OffsetCommitRequestTopic topic : data.topics()) {
            String name = check.topicName(topic.name(), topic.topicId());
            if (name != null && !check.topic(AclOperation.READ, name)) {
                denied.add(topic);
            }
        }
        if (denied.isEmpty()) {
            return next.handle(check.request(), data);
        }
        data.topics().removeAll(denied);
        return AdminRules.served(check, next, data, data.topics().isEmpty(), new OffsetCommitResponseData()).thenApply(response -> {
            OffsetCommitResponseData committed = (OffsetCommitResponseData) response;
            for (OffsetCommitRequestData.OffsetCommitRequestTopic topic : denied) {
                OffsetCommitResponseData.OffsetCommitResponseTopic answer = new OffsetCommitResponseData.OffsetCommitResponseTopic()
                        .setName(topic.name()).setTopicId(topic.topicId());
                topic.partitions().forEach(p -> answer.partitions().add(new OffsetCommitResponseData.OffsetCommitResponsePartition()
                        .setPartitionIndex(p.partitionIndex()).setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code())));
                committed.topics().add(answer);
            }
            return committed;
        });
    }

    static CompletionStage<? extends ApiMessage> offsetFetch(Check check, ApiMessage message, ApiHandler<ApiMessage> next) {
        OffsetFetchRequestData data = (OffsetFetchRequestData) message;
        if (check.request().apiVersion() < 8) {
            if (!check.group(AclOperation.DESCRIBE, data.groupId())) {
                return Rule.refuse(check, data, Errors.GROUP_AUTHORIZATION_FAILED);
            }
            boolean allTopics = data.topics() == null;
            return next.handle(check.request(), data).thenApply(response -> {
                OffsetFetchResponseData fetched = (OffsetFetchResponseData) response;
                List<OffsetFetchResponseData.OffsetFetchResponseTopic> hidden = new ArrayList<>();
                for (OffsetFetchResponseData.OffsetFetchResponseTopic topic : fetched.topics()) {
                    if (!check.topic(AclOperation.DESCRIBE, topic.name())) {
                        hidden.add(topic);
                        topic.partitions().forEach(p -> p.setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code())
                                .setCommittedOffset(-1).setMetadata(""));
                    }
                }
                if (allTopics) {
                    fetched.topics().removeAll(hidden);
                }
                return fetched;
            });
        }
        List<OffsetFetchRequestData.OffsetFetchRequestGroup> denied = new ArrayList<>();
        data.groups().stream().filter(g -> !check.group(AclOperation.DESCRIBE, g.groupId())).forEach(denied::add);
        data.groups().removeAll(denied);
        List<String> allTopicGroups = data.groups().stream().filter(g -> g.topics() == null)
                .map(OffsetFetchRequestData.OffsetFetchRequestGroup::groupId).toList();
        return AdminRules.served(check, next, data, data.groups().isEmpty(), new OffsetFetchResponseData()).thenApply(response -> {
            OffsetFetchResponseData fetched = (OffsetFetchResponseData) response;
            for (OffsetFetchResponseData.OffsetFetchResponseGroup group : fetched.groups()) {
                List<OffsetFetchResponseData.OffsetFetchResponseTopics> hidden = new ArrayList<>();
                for (OffsetFetchResponseData.OffsetFetchResponseTopics topic : group.topics()) {
                    String name = check.topicName(topic.name(), topic.topicId());
                    if (name != null && !check.topic(AclOperation.DESCRIBE, name)) {
                        hidden.add(topic);
                        topic.partitions().forEach(p -> p.setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code())
                                .setCommittedOffset(-1).setMetadata(""));
                    }
                }
                if (allTopicGroups.contains(group.groupId())) {
                    group.topics().removeAll(hidden);
                }
            }
            denied.forEach(g -> fetched.groups().add(new OffsetFetchResponseData.OffsetFetchResponseGroup()
                    .setGroupId(g.groupId()).setErrorCode(GROUP_DENIED)));
            return fetched;
        });
    }

    static CompletionStage<? extends ApiMessage> offsetDelete(Check check, ApiMessage message, ApiHandler<ApiMessage> next) {
        OffsetDeleteRequestData data = (OffsetDeleteRequestData) message;
        if (!check.group(AclOperation.DELETE, data.groupId())) {
            return Rule.refuse(check, data, Errors.GROUP_AUTHORIZATION_FAILED);
        }
        boolean topicsAllowed = data.topics().stream().allMatch(t -> check.topic(AclOperation.READ, t.name()));
        return topicsAllowed ? next.handle(check.request(), data) : Rule.refuse(check, data, Errors.TOPIC_AUTHORIZATION_FAILED);
    }

    static CompletionStage<? extends ApiMessage> describeGroups(Check check, ApiMessage message, ApiHandler<ApiMessage> next) {
        DescribeGroupsRequestData data = (DescribeGroupsRequestData) message;
        List<String> denied = data.groups().stream().filter(g -> !check.group(AclOperation.DESCRIBE, g)).toList();
        data.groups().removeAll(denied);
        return AdminRules.served(check, next, data, data.groups().isEmpty(), new DescribeGroupsResponseData()).thenApply(response -> {
            DescribeGroupsResponseData described = (DescribeGroupsResponseData) response;
            if (data.includeAuthorizedOperations()) {
                described.groups().forEach(g -> g.setAuthorizedOperations(DataPlaneRules.OperationBits.group(check, g.groupId())));
            }
            denied.forEach(g -> described.groups().add(new DescribeGroupsResponseData.DescribedGroup().setGroupId(g)
                    .setErrorCode(GROUP_DENIED)));
            return described;
        });
    }

    static CompletionStage<? extends ApiMessage> consumerGroupDescribe(Check check, ApiMessage message, ApiHandler<ApiMessage> next) {
        ConsumerGroupDescribeRequestData data = (ConsumerGroupDescribeRequestData) message;
        List<String> denied = data.groupIds().stream().filter(g -> !check.group(AclOperation.DESCRIBE, g)).toList();
        data.groupIds().removeAll(denied);
        return AdminRules.served(check, next, data, data.groupIds().isEmpty(), new ConsumerGroupDescribeResponseData())
                .thenApply(response -> {
                    ConsumerGroupDescribeResponseData described = (ConsumerGroupDescribeResponseData) response;
                    denied.forEach(g -> described.groups().add(new ConsumerGroupDescribeResponseData.DescribedGroup()
                            .setGroupId(g).setErrorCode(GROUP_DENIED).setErrorMessage(Errors.GROUP_AUTHORIZATION_FAILED.message())));
                    return described;
                });
    }

    /** StreamsGroupDescribe: DESCRIBE on each group, as ConsumerGroupDescribe. */
    static CompletionStage<? extends ApiMessage> streamsGroupDescribe(Check check, ApiMessage message, ApiHandler<ApiMessage> next) {
        StreamsGroupDescribeRequestData data = (StreamsGroupDescribeRequestData) message;
        List<String> denied = data.groupIds().stream().filter(g -> !check.group(AclOperation.DESCRIBE, g)).toList();
        data.groupIds().removeAll(denied);
        return AdminRules.served(check, next, data, data.groupIds().isEmpty(), new StreamsGroupDescribeResponseData())
                .thenApply(response -> {
                    StreamsGroupDescribeResponseData described = (StreamsGroupDescribeResponseData) response;
                    denied.forEach(g -> described.groups().add(new StreamsGroupDescribeResponseData.DescribedGroup()
                            .setGroupId(g).setErrorCode(GROUP_DENIED).setErrorMessage(Errors.GROUP_AUTHORIZATION_FAILED.message())));
                    return described;
                });
    }

    static CompletionStage<? extends ApiMessage> deleteGroups(Check check, ApiMessage message, ApiHandler<ApiMessage> next) {
        DeleteGroupsRequestData data = (DeleteGroupsRequestData) message;
        List<String> denied = data.groupsNames().stream().filter(g -> !check.group(AclOperation.DELETE, g)).toList();
        data.groupsNames().removeAll(denied);
        return AdminRules.served(check, next, data, data.groupsNames().isEmpty(), new DeleteGroupsResponseData()).thenApply(response -> {
            DeleteGroupsResponseData deleted = (DeleteGroupsResponseData) response;
            denied.forEach(g -> deleted.results().add(new DeleteGroupsResponseData.DeletableGroupResult().setGroupId(g)
                    .setErrorCode(GROUP_DENIED)));
            return deleted;
        });
    }

    static CompletionStage<? extends ApiMessage> listGroups(Check check, ApiMessage message, ApiHandler<ApiMessage> next) {
        if (check.cluster(AclOperation.DESCRIBE)) {
            return next.handle(check.request(), message);
        }
        return next.handle(check.request(), message).thenApply(response -> {
            ListGroupsResponseData listed = (ListGroupsResponseData) response;
            listed.groups().removeIf(g -> !check.group(AclOperation.DESCRIBE, g.groupId()));
            return listed;
        });
    }
}
