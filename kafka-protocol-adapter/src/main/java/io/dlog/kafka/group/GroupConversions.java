package io.dlog.kafka.group;

import io.dlog.kafka.group.ConsumerGroup.ClassicMetadata;
import io.dlog.kafka.group.ConsumerGroup.Tp;
import io.dlog.kafka.group.EpochGroup.MemberState;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor;
import org.apache.kafka.clients.consumer.internals.ConsumerProtocol;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.Errors;

/**
 * KIP-848 online migration between the two consumer protocols, as Kafka's GroupMetadataManager converts
 * (convertToConsumerGroup / ConsumerGroup.fromClassicGroup, convertToClassicGroup / ClassicGroup.fromConsumerGroup):
 * <ul>
 *   <li>Upgrade: a non-empty classic group of protocol type "consumer" becomes a consumer group at its generation as
 *   group and assignment epoch, each classic member a Stable classic member at that epoch holding the partitions of its
 *   last assignment, subscribed to the topics of its protocol metadata. Join and sync waits end with
 *   REBALANCE_IN_PROGRESS, so members caught mid-rebalance rejoin into the consumer group.</li>
 *   <li>Downgrade: a consumer group whose members all speak the classic protocol becomes a classic group at its group
 *   epoch as generation, each member's assignment its target, and rebalances at once.</li>
 * </ul>
 * Committed offsets are keyed by group id and stay. The new group replaces the old in the coordinator's maps; its
 * snapshot (written by the caller) replaces the old one under the same key. Not thread-safe: under the coordinator's lock.
 */
final class GroupConversions {
    private final GroupCoordinator coordinator;

    GroupConversions(GroupCoordinator coordinator) {
        this.coordinator = coordinator;
    }

    /** Null when the classic group may be upgraded; else why not (Kafka's validateOnlineUpgrade message). */
    String refuseUpgrade(ClassicGroup group) {
        String reason = null;
        if (!coordinator.config().migrationPolicy().upgradeEnabled()) {
            reason = "online upgrade is disabled";
        } else if (!"consumer".equals(group.protocolType)) {
            reason = "the group does not use the consumer embedded protocol";
        } else if (group.members.size() > coordinator.config().consumerMaxSize()) {
            reason = "the group size exceeds the consumer group maximum size";
        } else {
            try {
                // Parsed up front so a malformed member leaves the classic group untouched.
                for (ClassicGroup.Member member : group.members.values()) {
                    subscription(group, member);
                    assignment(member);
                }
            } catch (RuntimeException e) {
                reason = "the embedded consumer protocol is malformed";
            }
        }
        if (reason == null) {
            return null;
        }
        coordinator.log().info("Cannot upgrade classic group {} to consumer group because {}.", group.groupId, reason);
        return "Cannot upgrade classic group " + group.groupId + " to consumer group because " + reason + ".";
    }

    /** Converts a classic group {@link #refuseUpgrade} accepted; the consumer group takes its place. */
    ConsumerGroup toConsumerGroup(ClassicGroup classic) {
        long now = coordinator.now();
        ConsumerGroup group = new ConsumerGroup(classic.groupId, now);
        group.groupEpoch = classic.generationId;
        group.assignmentEpoch = classic.generationId;
        for (ClassicGroup.Member cm : classic.members.values()) {
            ConsumerPartitionAssignor.Subscription subscription = subscription(classic, cm);
            TreeSet<Tp> partitions = new TreeSet<>();
            for (TopicPartition tp : assignment(cm)) {
                Uuid id = coordinator.topics().id(tp.topic());
                if (!Uuid.ZERO_UUID.equals(id)) {
                    partitions.add(new Tp(id, tp.partition()));
                }
            }
            ConsumerGroup.Member m = new ConsumerGroup.Member(cm.memberId);
            m.instanceId = cm.instanceId;
            m.rackId = subscription.rackId().orElse(null);
            m.clientId = cm.clientId;
            m.clientHost = cm.clientHost;
            m.rebalanceTimeoutMs = cm.rebalanceTimeoutMs;
            m.memberEpoch = classic.generationId;
            m.previousMemberEpoch = classic.generationId;
            m.state = MemberState.STABLE;
            m.subscribedTopicNames = List.copyOf(subscription.topics());
            m.assigned = partitions;
            m.target = new TreeSet<>(partitions);
            m.classic = new ClassicMetadata(cm.sessionTimeoutMs, List.copyOf(cm.protocols));
            m.heartbeatDeadline = coordinator.ticks() + cm.sessionTimeoutMs;
            group.members.put(m.memberId, m);
            if (m.instanceId != null) {
                group.staticMembers.put(m.instanceId, m.memberId);
            }
        }
        group.subscribedMetadata = coordinator.consumer().subscribedMetadata(group);
        // Members waiting in a join or a sync rejoin, into the consumer group.
        for (ClassicGroup.Member cm : classic.members.values()) {
            if (cm.joinFuture != null) {
                cm.joinFuture.complete(new JoinGroupResponseData().setErrorCode(Errors.REBALANCE_IN_PROGRESS.code())
                        .setMemberId(cm.memberId).setGenerationId(-1).setLeader("").setProtocolName(null));
                cm.joinFuture = null;
            }
            if (cm.syncFuture != null) {
                cm.syncFuture.complete(new SyncGroupResponseData().setErrorCode(Errors.REBALANCE_IN_PROGRESS.code())
                        .setAssignment(new byte[0]));
                cm.syncFuture = null;
            }
        }
        classic.transition(ClassicGroup.State.DEAD, now);
        coordinator.classicGroups.remove(classic.groupId);
        coordinator.consumerGroups.put(group.groupId, group);
        coordinator.log().info("[GroupId {}] Converted the classic group to a consumer group.", group.groupId);
        return group;
    }

    /** Converts a consumer group whose members are all classic ones; the classic group takes its place and rebalances. */
    ClassicGroup toClassicGroup(ConsumerGroup group) {
        long now = coordinator.now();
        ClassicGroup classic = new ClassicGroup(group.groupId, now);
        ConsumerGroup.Member first = group.members.values().iterator().next();
        classic.protocolType = "consumer";
        classic.protocolName = first.classic.protocolName();
        classic.generationId = group.groupEpoch;
        for (ConsumerGroup.Member m : group.members.values()) {
            ClassicGroup.Member cm = new ClassicGroup.Member(m.memberId, m.instanceId, m.clientId, m.clientHost,
                    m.rebalanceTimeoutMs, m.classic.sessionTimeoutMs(), new ArrayList<>(m.classic.protocols()));
            cm.assignment = ConsumerGroupClassicMembers.serializedAssignment(m.classic, coordinator.consumer().namedPartitions(m.target));
            cm.heartbeatDeadline = coordinator.ticks() + m.classic.sessionTimeoutMs();
            classic.members.put(cm.memberId, cm);
            if (cm.instanceId != null) {
                classic.staticMembers.put(cm.instanceId, cm.memberId);
            }
        }
        classic.leaderId = first.memberId;
        classic.transition(ClassicGroup.State.STABLE, now);
        coordinator.consumerGroups.remove(group.groupId);
        coordinator.classicGroups.put(classic.groupId, classic);
        coordinator.classic().prepareRebalance(classic, "Downgrade group " + group.groupId + " from consumer to classic.");
        coordinator.log().info("[GroupId {}] Converted the consumer group to a classic group.", group.groupId);
        return classic;
    }

    private static ConsumerPartitionAssignor.Subscription subscription(ClassicGroup group, ClassicGroup.Member member) {
        String protocol = group.protocolName != null ? group.protocolName : member.protocols.get(0).name();
        byte[] metadata = member.metadata(protocol).orElseThrow(() -> new IllegalArgumentException(
                "member " + member.memberId + " has no metadata for " + protocol));
        return ConsumerProtocol.deserializeSubscription(ByteBuffer.wrap(metadata));
    }

    private static List<TopicPartition> assignment(ClassicGroup.Member member) {
        return member.assignment.length == 0 ? List.of()
                : ConsumerProtocol.deserializeAssignment(ByteBuffer.wrap(member.assignment)).partitions();
    }
}
