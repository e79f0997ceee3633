package io.dlog.kafka.group;

import io.dlog.kafka.group.ConsumerGroup.ClassicMetadata;
import io.dlog.kafka.group.ConsumerGroup.Member;
import io.dlog.kafka.group.ConsumerGroup.Tp;
import io.dlog.kafka.group.EpochGroup.MemberState;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor;
import org.apache.kafka.clients.consumer.internals.ConsumerProtocol;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.HeartbeatResponseData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.LeaveGroupResponseData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.Errors;

/**
 * Classic members inside a KIP-848 consumer group (KIP-848 online migration, Kafka's
 * GroupMetadataManager.classicGroup{Join,Sync,Heartbeat,Leave}ToConsumerGroup). A classic consumer keeps speaking
 * JoinGroup/SyncGroup/Heartbeat/LeaveGroup; the server assigns for it like for any member:
 * <ul>
 *   <li>JoinGroup updates its subscription from its protocol metadata, reconciles it with its owned partitions (so it
 *   revokes by rejoining without them) and answers with its member epoch as the generation, no leader and no members:
 *   the client is a follower and sends an empty SyncGroup.</li>
 *   <li>SyncGroup answers with the partitions it holds now (a serialized ConsumerProtocolAssignment), or
 *   REBALANCE_IN_PROGRESS when the target moved on since it joined.</li>
 *   <li>Heartbeat answers REBALANCE_IN_PROGRESS when it must rejoin: behind the assignment epoch, holding partitions it
 *   must revoke, or waiting for partitions others have released since.</li>
 *   <li>Deadlines: its session timeout, a rejoin within its rebalance timeout once told to, a sync within it once
 *   joined; missing one fences it.</li>
 * </ul>
 * A partition reaches a member only after its owner gave it up (the reconciliation is {@link ConsumerGroupManager}'s),
 * so no partition is owned twice. Not thread-safe: runs under the coordinator's lock.
 */
final class ConsumerGroupClassicMembers {
    /** JoinGroup v4+: a new member must rejoin with the id it was given (KIP-394). */
    private static final short KNOWN_MEMBER_ID_VERSION = 4;

    private final GroupCoordinator coordinator;

    ConsumerGroupClassicMembers(GroupCoordinator coordinator) {
        this.coordinator = coordinator;
    }

    // ---------------------------------------------------------------- JoinGroup

    CompletableFuture<JoinGroupResponseData> join(ConsumerGroup group, short version, String clientId, String clientHost,
                                                  JoinGroupRequestData request, List<ClassicGroup.Protocol> protocols) {
        String groupId = group.groupId;
        String requestedId = request.memberId() == null ? "" : request.memberId();
        if (coordinator.config().migrationPolicy() == GroupConfig.MigrationPolicy.DISABLED) {
            return joinError(requestedId, Errors.INCONSISTENT_GROUP_PROTOCOL);
        }
        String memberId = requestedId.isEmpty() ? Uuid.randomUuid().toString() : requestedId;
        if (group.members.size() >= coordinator.config().consumerMaxSize() && !group.members.containsKey(memberId)) {
            return joinError(requestedId, Errors.GROUP_MAX_SIZE_REACHED);
        }
        if (!group.supportsClassicProtocols(request.protocolType(), protocols)) {
            return joinError(requestedId, Errors.INCONSISTENT_GROUP_PROTOCOL);
        }
        String instanceId = request.groupInstanceId();
        if (instanceId == null && requestedId.isEmpty() && version >= KNOWN_MEMBER_ID_VERSION) {
            return CompletableFuture.completedFuture(new JoinGroupResponseData().setMemberId(memberId)
                    .setErrorCode(Errors.MEMBER_ID_REQUIRED.code()).setGenerationId(-1).setLeader("")
                    .setProtocolName(null));
        }
        ConsumerPartitionAssignor.Subscription subscription;
        try {
            subscription = ConsumerProtocol.deserializeSubscription(ByteBuffer.wrap(protocols.get(0).metadata()));
        } catch (RuntimeException e) {
            return joinError(requestedId, Errors.INCONSISTENT_GROUP_PROTOCOL);
        }
        Member member;
        boolean changed;
        boolean replacedConsumerMember = false;
        if (instanceId == null) {
            member = group.members.get(memberId);
            if (member != null && member.classic == null) {
                return joinError(requestedId, Errors.UNKNOWN_MEMBER_ID); // Kafka: "does not use the classic protocol"
            }
            changed = member == null;
            if (member == null) {
                member = new Member(memberId);
                group.members.put(memberId, member);
            }
        } else {
            Member existing = staticMember(group, instanceId);
            if (existing != null && !requestedId.isEmpty() && !existing.memberId.equals(requestedId)) {
                return joinError(requestedId, Errors.FENCED_INSTANCE_ID);
            }
            if (existing == null && !requestedId.isEmpty()) {
                return joinError(requestedId, Errors.UNKNOWN_MEMBER_ID);
            }
            member = existing != null && existing.memberId.equals(memberId) ? existing
                    : coordinator.consumer().join(group, memberId, existing); // KIP-345: takes over its place
            member.instanceId = instanceId;
            group.staticMembers.put(instanceId, member.memberId);
            changed = existing == null || !existing.memberId.equals(memberId);
            replacedConsumerMember = changed && existing != null && existing.classic == null;
        }
        changed |= update(member, clientId, clientHost, request, protocols, subscription);
        ConsumerGroupManager manager = coordinator.consumer();
        if (manager.maybeBumpGroupEpoch(group, changed)) {
            changed = true;
        }
        manager.reconcile(group, member, owned(subscription));
        long now = coordinator.ticks();
        member.heartbeatDeadline = now + member.classic.sessionTimeoutMs();
        member.classicJoinDeadline = Long.MAX_VALUE;
        member.classicSyncDeadline = now + Math.max(1, member.rebalanceTimeoutMs);
        JoinGroupResponseData response = new JoinGroupResponseData().setErrorCode(Errors.NONE.code())
                .setMemberId(member.memberId).setGenerationId(member.memberEpoch).setProtocolType("consumer")
                .setProtocolName(protocols.get(0).name()).setLeader("");
        if (replacedConsumerMember) {
            // Kafka's validateOnlineDowngradeWithReplacedMember: a classic static member replacing the last KIP-848
            // one downgrades the group; it rebalances as a classic group, this member learning so at its SyncGroup.
            manager.maybeDowngrade(group);
        }
        return manager.persistCurrent(group).handle((ok, failure) -> failure == null ? response
                : new JoinGroupResponseData().setErrorCode(Errors.COORDINATOR_NOT_AVAILABLE.code())
                        .setMemberId(requestedId).setGenerationId(-1).setLeader("").setProtocolName(null));
    }

    /** Applies the JoinGroup's fields; true when the subscription changed (the group epoch must move). */
    private static boolean update(Member member, String clientId, String clientHost, JoinGroupRequestData request,
                                  List<ClassicGroup.Protocol> protocols, ConsumerPartitionAssignor.Subscription subscription) {
        member.clientId = clientId;
        member.clientHost = clientHost;
        subscription.rackId().ifPresent(rack -> member.rackId = rack);
        if (request.rebalanceTimeoutMs() > 0) {
            member.rebalanceTimeoutMs = request.rebalanceTimeoutMs();
        } else if (member.rebalanceTimeoutMs <= 0) {
            member.rebalanceTimeoutMs = request.sessionTimeoutMs(); // JoinGroup v0 has none: the session's, as Kafka
        }
        member.classic = new ClassicMetadata(request.sessionTimeoutMs(), List.copyOf(protocols));
        member.subscribedTopicRegex = null;
        List<String> topics = List.copyOf(subscription.topics());
        if (!topics.equals(member.subscribedTopicNames)) {
            member.subscribedTopicNames = topics;
            return true;
        }
        return false;
    }

    /** The partitions the member says it owns (its subscription's ownedPartitions), by topic id. */
    private Set<Tp> owned(ConsumerPartitionAssignor.Subscription subscription) {
        Set<Tp> owned = new TreeSet<>();
        for (TopicPartition tp : subscription.ownedPartitions()) {
            Uuid id = coordinator.topics().id(tp.topic());
            if (!Uuid.ZERO_UUID.equals(id)) {
                owned.add(new Tp(id, tp.partition()));
            }
        }
        return owned;
    }

    // ---------------------------------------------------------------- SyncGroup

    CompletableFuture<SyncGroupResponseData> sync(ConsumerGroup group, SyncGroupRequestData request) {
        Member member = member(group, request.memberId());
        Errors error = validate(group, member, request.memberId(), request.groupInstanceId(), request.generationId());
        if (error == Errors.NONE) {
            String name = member.classic.protocolName();
            if ((request.protocolType() != null && !"consumer".equals(request.protocolType()))
                    || (request.protocolName() != null && !request.protocolName().equals(name))) {
                error = Errors.INCONSISTENT_GROUP_PROTOCOL;
            } else if (group.assignmentEpoch > member.memberEpoch && member.state != MemberState.UNREVOKED) {
                // The target moved on since it joined: it must rejoin to catch up (Kafka's throwIfRebalanceInProgress).
                requestRejoin(member);
                error = Errors.REBALANCE_IN_PROGRESS;
            }
        }
        if (error != Errors.NONE) {
            return CompletableFuture.completedFuture(new SyncGroupResponseData().setErrorCode(error.code())
                    .setAssignment(new byte[0]));
        }
        member.classicSyncDeadline = Long.MAX_VALUE;
        member.heartbeatDeadline = coordinator.ticks() + member.classic.sessionTimeoutMs();
        return CompletableFuture.completedFuture(new SyncGroupResponseData().setErrorCode(Errors.NONE.code())
                .setProtocolType(request.protocolType()).setProtocolName(request.protocolName())
                .setAssignment(serializedAssignment(member.classic, coordinator.consumer().namedPartitions(member.assigned))));
    }

    /** A ConsumerProtocolAssignment at the version of the member's preferred protocol's subscription. */
    static byte[] serializedAssignment(ClassicMetadata classic, List<TopicPartition> partitions) {
        short version = ConsumerProtocol.deserializeVersion(ByteBuffer.wrap(classic.protocols().get(0).metadata()));
        ByteBuffer buffer = ConsumerProtocol.serializeAssignment(new ConsumerPartitionAssignor.Assignment(partitions), version);
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        return bytes;
    }

    // ---------------------------------------------------------------- Heartbeat

    HeartbeatResponseData heartbeat(ConsumerGroup group, HeartbeatRequestData request) {
        Member member = member(group, request.memberId());
        Errors error = validate(group, member, request.memberId(), request.groupInstanceId(), request.generationId());
        if (error != Errors.NONE) {
            return new HeartbeatResponseData().setErrorCode(error.code());
        }
        member.heartbeatDeadline = coordinator.ticks() + member.classic.sessionTimeoutMs();
        boolean mustRejoin = member.memberEpoch < group.assignmentEpoch || member.state == MemberState.UNREVOKED
                || (member.state == MemberState.UNRELEASED && !waitingOnUnreleased(group, member));
        if (mustRejoin) {
            requestRejoin(member);
            return new HeartbeatResponseData().setErrorCode(Errors.REBALANCE_IN_PROGRESS.code());
        }
        return new HeartbeatResponseData().setErrorCode(Errors.NONE.code());
    }

    /** Told to rejoin: it must within its rebalance timeout (Kafka's join timeout, scheduled if absent). */
    private void requestRejoin(Member member) {
        if (member.classicJoinDeadline == Long.MAX_VALUE) {
            member.classicJoinDeadline = coordinator.ticks() + Math.max(1, member.rebalanceTimeoutMs);
        }
    }

    /** Whether a partition the member waits for is still held by another member. */
    private static boolean waitingOnUnreleased(ConsumerGroup group, Member member) {
        Set<Tp> held = new HashSet<>();
        for (Member other : group.members.values()) {
            if (other != member) {
                held.addAll(other.assigned);
                held.addAll(other.revoking);
            }
        }
        for (Tp tp : member.target) {
            if (!member.assigned.contains(tp) && held.contains(tp)) {
                return true;
            }
        }
        return false;
    }

    // ---------------------------------------------------------------- LeaveGroup

    LeaveGroupResponseData leave(ConsumerGroup group, short version, LeaveGroupRequestData request) {
        List<LeaveGroupRequestData.MemberIdentity> leaving = version < 3
                ? List.of(new LeaveGroupRequestData.MemberIdentity().setMemberId(request.memberId()))
                : request.members();
        LeaveGroupResponseData response = new LeaveGroupResponseData().setErrorCode(Errors.NONE.code());
        ConsumerGroupManager manager = coordinator.consumer();
        boolean changed = false;
        for (LeaveGroupRequestData.MemberIdentity identity : leaving) {
            Member member;
            Errors error = Errors.NONE;
            if (identity.groupInstanceId() == null) {
                member = group.members.get(identity.memberId());
            } else {
                member = staticMember(group, identity.groupInstanceId());
                if (member != null && identity.memberId() != null && !identity.memberId().isEmpty()
                        && !identity.memberId().equals(member.memberId)) {
                    error = Errors.FENCED_INSTANCE_ID;
                }
            }
            if (member == null) {
                error = Errors.UNKNOWN_MEMBER_ID;
            }
            if (error == Errors.NONE) {
                manager.removeMember(group, member);
                changed = true;
            }
            response.members().add(new LeaveGroupResponseData.MemberResponse().setMemberId(identity.memberId())
                    .setGroupInstanceId(identity.groupInstanceId()).setErrorCode(error.code()));
        }
        if (version < 3) {
            response.setErrorCode(response.members().get(0).errorCode()).setMembers(new ArrayList<>());
        }
        if (changed) {
            manager.maybeDowngrade(group);
            manager.persistCurrent(group);
        }
        return response;
    }

    // ---------------------------------------------------------------- checks and time

    private static Member member(ConsumerGroup group, String memberId) {
        return memberId == null ? null : group.members.get(memberId);
    }

    private static Member staticMember(ConsumerGroup group, String instanceId) {
        String memberId = group.staticMembers.get(instanceId);
        return memberId == null ? null : group.members.get(memberId);
    }

    /** Kafka's validateConsumerGroupMember, throwIfMemberDoesNotUseClassicProtocol, throwIfGenerationIdUnmatched. */
    private static Errors validate(ConsumerGroup group, Member member, String memberId, String instanceId, int generationId) {
        if (instanceId != null) {
            Member holder = staticMember(group, instanceId);
            if (holder == null) {
                return Errors.UNKNOWN_MEMBER_ID;
            }
            if (!holder.memberId.equals(memberId)) {
                return Errors.FENCED_INSTANCE_ID;
            }
        }
        if (member == null || member.classic == null) {
            return Errors.UNKNOWN_MEMBER_ID;
        }
        return generationId == member.memberEpoch ? Errors.NONE : Errors.ILLEGAL_GENERATION;
    }

    /** The classic members that did not rejoin or sync in time: each is fenced. True when one was. */
    boolean fenceLate(ConsumerGroup group) {
        long now = coordinator.ticks();
        boolean fenced = false;
        for (Member member : new ArrayList<>(group.members.values())) {
            if (member.classic != null && (member.classicJoinDeadline <= now || member.classicSyncDeadline <= now)) {
                coordinator.log().info("Classic member {} of consumer group {} removed: did not {} within its rebalance"
                        + " timeout", member.memberId, group.groupId, member.classicJoinDeadline <= now ? "rejoin" : "sync");
                coordinator.consumer().removeMember(group, member);
                fenced = true;
            }
        }
        return fenced;
    }

    private static CompletableFuture<JoinGroupResponseData> joinError(String memberId, Errors error) {
        return CompletableFuture.completedFuture(new JoinGroupResponseData().setErrorCode(error.code())
                .setMemberId(memberId).setGenerationId(-1).setLeader("").setProtocolName(null));
    }
}
