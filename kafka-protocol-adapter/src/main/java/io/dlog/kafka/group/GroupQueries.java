package io.dlog.kafka.group;

import io.dlog.kafka.common.AuthorizedOperations;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor;
import org.apache.kafka.clients.consumer.internals.ConsumerProtocol;
import org.apache.kafka.common.message.DeleteGroupsRequestData;
import org.apache.kafka.common.message.DeleteGroupsResponseData;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.message.ListGroupsResponseData;
import org.apache.kafka.common.protocol.Errors;

/**
 * DescribeGroups, ListGroups (state filter v4, type filter v5) and DeleteGroups over both kinds of
 * group. Not thread-safe: runs under the coordinator's lock.
 */
final class GroupQueries {
    private final GroupCoordinator coordinator;

    GroupQueries(GroupCoordinator coordinator) {
        this.coordinator = coordinator;
    }

    DescribeGroupsResponseData describe(short version, DescribeGroupsRequestData request) {
        DescribeGroupsResponseData response = new DescribeGroupsResponseData();
        for (String groupId : request.groups()) {
            response.groups().add(describe(version, groupId, request.includeAuthorizedOperations()));
        }
        return response;
    }

    private DescribeGroupsResponseData.DescribedGroup describe(short version, String groupId, boolean authorizedOps) {
        DescribeGroupsResponseData.DescribedGroup out = new DescribeGroupsResponseData.DescribedGroup()
                .setGroupId(groupId).setErrorCode(Errors.NONE.code()).setProtocolType("").setProtocolData("")
                .setAuthorizedOperations(AuthorizedOperations.group(authorizedOps));
        ClassicGroup classic = coordinator.classicGroups.get(groupId);
        ConsumerGroup consumer = coordinator.consumerGroups.get(groupId);
        if (classic != null && classic.state != ClassicGroup.State.DEAD) {
            // As Kafka: metadata and assignments only once the group is Stable.
            boolean stable = classic.state == ClassicGroup.State.STABLE;
            out.setGroupState(classic.state.kafkaName)
                    .setProtocolType(classic.protocolType == null ? "" : classic.protocolType)
                    .setProtocolData(stable ? classic.protocolName : "");
            for (ClassicGroup.Member m : classic.members.values()) {
                out.members().add(new DescribeGroupsResponseData.DescribedGroupMember()
                        .setMemberId(m.memberId).setGroupInstanceId(m.instanceId).setClientId(m.clientId)
                        .setClientHost(m.clientHost)
                        .setMemberMetadata(stable ? m.metadata(classic.protocolName).orElse(new byte[0]) : new byte[0])
                        .setMemberAssignment(stable ? m.assignment : new byte[0]));
            }
            return out;
        }
        if (consumer != null && version < 6) {
            // Admin clients from before KIP-848 see a consumer group as a classic "consumer" group.
            out.setGroupState(consumer.state().kafkaName).setProtocolType("consumer").setProtocolData("");
            for (ConsumerGroup.Member m : consumer.members.values()) {
                ByteBuffer assignment = ConsumerProtocol.serializeAssignment(
                        new ConsumerPartitionAssignor.Assignment(coordinator.consumer().namedPartitions(m.assigned)));
                byte[] bytes = new byte[assignment.remaining()];
                assignment.get(bytes);
                out.members().add(new DescribeGroupsResponseData.DescribedGroupMember().setMemberId(m.memberId)
                        .setGroupInstanceId(m.instanceId).setClientId(m.clientId).setClientHost(m.clientHost)
                        .setMemberMetadata(new byte[0]).setMemberAssignment(bytes));
            }
            return out;
        }
        out.setGroupState(ClassicGroup.State.DEAD.kafkaName);
        if (version >= 6) {
            // KIP-1043: v6 says GROUP_ID_NOT_FOUND instead of a Dead group.
            out.setErrorCode(Errors.GROUP_ID_NOT_FOUND.code()).setErrorMessage(coordinator.anyGroupHolds(groupId)
                    ? "Group " + groupId + " is not a classic group." : "Group " + groupId + " not found.");
        }
        return out;
    }

    ListGroupsResponseData list(ListGroupsRequestData request) {
        Set<String> states = request.statesFilter().stream().map(s -> s.toLowerCase(Locale.ROOT)).collect(Collectors.toSet());
        Set<String> types = request.typesFilter().stream().map(s -> s.toLowerCase(Locale.ROOT)).collect(Collectors.toSet());
        ListGroupsResponseData response = new ListGroupsResponseData().setErrorCode(Errors.NONE.code());
        List<ListGroupsResponseData.ListedGroup> listed = new ArrayList<>();
        for (ClassicGroup group : coordinator.classicGroups.values()) {
            if (group.state != ClassicGroup.State.DEAD) {
                listed.add(new ListGroupsResponseData.ListedGroup().setGroupId(group.groupId)
                        .setProtocolType(group.protocolType == null ? "" : group.protocolType)
                        .setGroupState(group.state.kafkaName).setGroupType("classic"));
            }
        }
        for (ConsumerGroup group : coordinator.consumerGroups.values()) {
            listed.add(new ListGroupsResponseData.ListedGroup().setGroupId(group.groupId).setProtocolType("consumer")
                    .setGroupState(group.state().kafkaName).setGroupType("consumer"));
        }
        for (StreamsGroup group : coordinator.streamsGroups.values()) {
            listed.add(new ListGroupsResponseData.ListedGroup().setGroupId(group.groupId).setProtocolType("streams")
                    .setGroupState(group.state().kafkaName).setGroupType("streams"));
        }
        for (ListGroupsResponseData.ListedGroup group : listed) {
            if ((states.isEmpty() || states.contains(group.groupState().toLowerCase(Locale.ROOT)))
                    && (types.isEmpty() || types.contains(group.groupType()))) {
                response.groups().add(group);
            }
        }
        return response;
    }

    CompletableFuture<DeleteGroupsResponseData> delete(DeleteGroupsRequestData request) {
        DeleteGroupsResponseData response = new DeleteGroupsResponseData();
        List<CompletableFuture<Void>> writes = new ArrayList<>();
        for (String groupId : request.groupsNames()) {
            DeleteGroupsResponseData.DeletableGroupResult result = new DeleteGroupsResponseData.DeletableGroupResult()
                    .setGroupId(groupId).setErrorCode(Errors.NONE.code());
            response.results().add(result);
            ClassicGroup classic = coordinator.classicGroups.get(groupId);
            ConsumerGroup consumer = coordinator.consumerGroups.get(groupId);
            StreamsGroup streams = coordinator.streamsGroups.get(groupId);
            if (groupId == null || groupId.isEmpty()) {
                result.setErrorCode(Errors.INVALID_GROUP_ID.code());
            } else if ((classic == null || classic.state == ClassicGroup.State.DEAD) && consumer == null && streams == null) {
                result.setErrorCode(Errors.GROUP_ID_NOT_FOUND.code());
            } else if ((classic != null && !classic.isEmpty()) || (consumer != null && !consumer.members.isEmpty())
                    || (streams != null && !streams.members.isEmpty())) {
                result.setErrorCode(Errors.NON_EMPTY_GROUP.code());
            } else {
                writes.add(coordinator.deleteGroup(groupId).handle((ok, failure) -> {
                    if (failure != null) {
                        result.setErrorCode(Errors.COORDINATOR_NOT_AVAILABLE.code());
                    }
                    return null;
                }));
            }
        }
        return CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).thenApply(done -> response);
    }
}
