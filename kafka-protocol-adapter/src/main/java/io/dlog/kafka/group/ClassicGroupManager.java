package io.dlog.kafka.group;

import io.dlog.kafka.coordinator.InternalTopicLog;
import io.dlog.kafka.group.ClassicGroup.Member;
import io.dlog.kafka.group.ClassicGroup.Protocol;
import io.dlog.kafka.group.ClassicGroup.State;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
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
 * The classic group protocol's state machine, as Kafka's group coordinator runs it:
 * Empty -> PreparingRebalance -> CompletingRebalance -> Stable, with KIP-394 two-phase joins
 * (MEMBER_ID_REQUIRED), KIP-345 static members (a restart within the session timeout keeps the
 * assignment and causes no rebalance; a stale instance gets FENCED_INSTANCE_ID), the initial rebalance
 * delay, rebalance and session timeouts. Cooperative protocols need nothing special here: their extra
 * rounds are ordinary rebalances the clients start.
 *
 * <p>Time only moves through {@link #tick}: deadlines are compared with the injected clock, no thread
 * waits. Not thread-safe: every method runs under the coordinator's lock; futures are completed there.
 */
final class ClassicGroupManager {
    /** JoinGroup v4+: a new member must rejoin with the id it was given (KIP-394). */
    private static final short KNOWN_MEMBER_ID_VERSION = 4;

    private final GroupCoordinator coordinator;

    ClassicGroupManager(GroupCoordinator coordinator) {
        this.coordinator = coordinator;
    }

    /** The deadlines' clock (monotonic: see {@link GroupCoordinator#ticks()}). */
    private long ticks() {
        return coordinator.ticks();
    }

    private GroupConfig config() {
        return coordinator.config();
    }

    // ---------------------------------------------------------------- JoinGroup

    CompletableFuture<JoinGroupResponseData> joinGroup(short version, String clientId, String clientHost,
                                                       JoinGroupRequestData request) {
        CompletableFuture<JoinGroupResponseData> future = new CompletableFuture<>();
        String groupId = request.groupId();
        String memberId = request.memberId() == null ? "" : request.memberId();
        if (groupId == null || groupId.isEmpty()) {
            return done(future, joinError(memberId, Errors.INVALID_GROUP_ID));
        }
        if (request.sessionTimeoutMs() < config().minSessionTimeoutMs()
                || request.sessionTimeoutMs() > config().maxSessionTimeoutMs()) {
            return done(future, joinError(memberId, Errors.INVALID_SESSION_TIMEOUT));
        }
        List<Protocol> protocols = new ArrayList<>();
        request.protocols().forEach(p -> protocols.add(new Protocol(p.name(), p.metadata())));
        ConsumerGroup mixed = coordinator.consumerGroups.get(groupId);
        if (mixed != null && !mixed.members.isEmpty()) {
            // KIP-848 online migration: a classic member joins a consumer group with members as a classic member.
            return coordinator.classicMembers().join(mixed, version, clientId, clientHost, request, protocols);
        }
        ClassicGroup group = coordinator.classicGroup(groupId).orElse(null);
        if (group == null) {
            if (coordinator.streamsOrShareGroupHolds(groupId)) {
                // Kafka's classicGroupJoin: "Group exists but it's not a consumer group", with no member id.
                return done(future, joinError("", Errors.INCONSISTENT_GROUP_PROTOCOL));
            }
            if (!memberId.isEmpty()) {
                return done(future, joinError(memberId, Errors.UNKNOWN_MEMBER_ID));
            }
            if (coordinator.consumerGroupBlocks(groupId)) {
                return done(future, joinError(memberId, Errors.INCONSISTENT_GROUP_PROTOCOL));
            }
            group = coordinator.createClassicGroup(groupId);
        }
        if (group.state == State.DEAD) {
            return done(future, joinError(memberId, Errors.COORDINATOR_NOT_AVAILABLE));
        }
        if (!group.supportsProtocols(request.protocolType(), protocols)) {
            return done(future, joinError(memberId, Errors.INCONSISTENT_GROUP_PROTOCOL));
        }
        int rebalanceTimeoutMs = request.rebalanceTimeoutMs() < 0 ? request.sessionTimeoutMs() : request.rebalanceTimeoutMs();
        if (memberId.isEmpty()) {
            joinNewMember(group, version, clientId, clientHost, request, protocols, rebalanceTimeoutMs, future);
        } else {
            joinExistingMember(group, version, clientId, clientHost, request, protocols, rebalanceTimeoutMs, future);
        }
        return future;
    }

    private void joinNewMember(ClassicGroup group, short version, String clientId, String clientHost,
                               JoinGroupRequestData request, List<Protocol> protocols, int rebalanceTimeoutMs,
                               CompletableFuture<JoinGroupResponseData> future) {
        String instanceId = request.groupInstanceId();
        if (group.members.size() >= config().maxGroupSize()
                && (instanceId == null || !group.staticMembers.containsKey(instanceId))) {
            future.complete(joinError("", Errors.GROUP_MAX_SIZE_REACHED));
            return;
        }
        String newMemberId = coordinator.newMemberId(instanceId != null ? instanceId : clientId);
        if (instanceId != null) {
            String oldMemberId = group.staticMembers.get(instanceId);
            if (oldMemberId != null && group.members.containsKey(oldMemberId)) {
                replaceStaticMember(group, version, oldMemberId, newMemberId, clientId, clientHost, request,
                        protocols, rebalanceTimeoutMs, future);
                return;
            }
            addMemberAndRebalance(group, version, newMemberId, instanceId, clientId, clientHost, request, protocols,
                    rebalanceTimeoutMs, future);
        } else if (version >= KNOWN_MEMBER_ID_VERSION) {
            group.pendingMembers.put(newMemberId, ticks() + request.sessionTimeoutMs());
            future.complete(joinError(newMemberId, Errors.MEMBER_ID_REQUIRED));
        } else {
            addMemberAndRebalance(group, version, newMemberId, null, clientId, clientHost, request, protocols,
                    rebalanceTimeoutMs, future);
        }
    }

    private void joinExistingMember(ClassicGroup group, short version, String clientId, String clientHost,
                                    JoinGroupRequestData request, List<Protocol> protocols, int rebalanceTimeoutMs,
                                    CompletableFuture<JoinGroupResponseData> future) {
        String memberId = request.memberId();
        String instanceId = request.groupInstanceId();
        if (group.pendingMembers.remove(memberId) != null) {
            addMemberAndRebalance(group, version, memberId, instanceId, clientId, clientHost, request, protocols,
                    rebalanceTimeoutMs, future);
            return;
        }
        Errors invalid = validateMember(group, memberId, instanceId);
        if (invalid != Errors.NONE) {
            future.complete(joinError(memberId, invalid));
            return;
        }
        Member member = group.members.get(memberId);
        switch (group.state) {
            case PREPARING_REBALANCE -> updateMemberAndRebalance(group, member, version, request, protocols,
                    rebalanceTimeoutMs, future);
            case COMPLETING_REBALANCE -> {
                if (member.sameProtocols(protocols)) {
                    // A retried JoinGroup: the member lost the response; it gets the same answer again.
                    future.complete(joinResponse(group, member));
                } else {
                    updateMemberAndRebalance(group, member, version, request, protocols, rebalanceTimeoutMs, future);
                }
            }
            case STABLE -> {
                if (memberId.equals(group.leaderId) || !member.sameProtocols(protocols)) {
                    // The leader rejoining or a changed subscription starts a rebalance (as in Kafka).
                    updateMemberAndRebalance(group, member, version, request, protocols, rebalanceTimeoutMs, future);
                } else {
                    member.heartbeatDeadline = ticks() + member.sessionTimeoutMs;
                    future.complete(joinResponse(group, member));
                }
            }
            default -> future.complete(joinError(memberId, Errors.UNKNOWN_MEMBER_ID));
        }
    }

    /**
     * Undoes {@link #replaceStaticMember} in a stable group whose write of the new member id failed, unless the group
     * moved on meanwhile (the instance replaced again, or a rebalance begun).
     */
    private void revertStaticMember(ClassicGroup group, Member old, String newMemberId) {
        if (group.state != State.STABLE || !newMemberId.equals(group.staticMembers.get(old.instanceId))) {
            return;
        }
        group.members.remove(newMemberId);
        old.joinFuture = null; // both answered FENCED_INSTANCE_ID at the replacement
        old.syncFuture = null;
        old.heartbeatDeadline = ticks() + old.sessionTimeoutMs;
        group.members.put(old.memberId, old);
        group.staticMembers.put(old.instanceId, old.memberId);
        if (newMemberId.equals(group.leaderId)) {
            group.leaderId = old.memberId;
        }
    }

    /** KIP-345: the static member restarted with a new member id; it takes the old one's place. */
    private void replaceStaticMember(ClassicGroup group, short version, String oldMemberId, String newMemberId,
                                     String clientId, String clientHost, JoinGroupRequestData request,
                                     List<Protocol> protocols, int rebalanceTimeoutMs,
                                     CompletableFuture<JoinGroupResponseData> future) {
        Member old = group.members.remove(oldMemberId);
        Member member = new Member(newMemberId, old.instanceId, clientId, clientHost, rebalanceTimeoutMs,
                request.sessionTimeoutMs(), protocols);
        member.assignment = old.assignment;
        member.heartbeatDeadline = ticks() + member.sessionTimeoutMs;
        group.members.put(newMemberId, member);
        group.staticMembers.put(old.instanceId, newMemberId);
        if (oldMemberId.equals(group.leaderId)) {
            group.leaderId = newMemberId;
        }
        if (group.pendingSync.remove(oldMemberId)) {
            group.pendingSync.add(newMemberId);
        }
        // The old incarnation's pending requests are fenced.
        if (old.joinFuture != null) {
            old.joinFuture.complete(joinError(oldMemberId, Errors.FENCED_INSTANCE_ID));
        }
        if (old.syncFuture != null) {
            old.syncFuture.complete(syncError(Errors.FENCED_INSTANCE_ID));
        }
        switch (group.state) {
            case STABLE -> {
                if (!old.sameProtocols(protocols)) {
                    member.joinFuture = future;
                    member.joinVersion = version;
                    prepareRebalance(group, "static member " + old.instanceId + " changed its metadata");
                    return;
                }
                // No rebalance: persist the new member id, then answer with the current generation. A
                // leader learns it leads but must not assign again (skipAssignment, JoinGroup v9); before
                // v9 it gets no members, computes an empty assignment, and SyncGroup in Stable ignores it.
                coordinator.persist(group).whenComplete((ok, failure) -> {
                    if (failure != null) {
                        // As Kafka: the old incarnation keeps its place (the group on disk still names it), and
                        // the new one is told to retry (COORDINATOR_NOT_AVAILABLE for a short ISR).
                        synchronized (coordinator) {
                            revertStaticMember(group, old, newMemberId);
                        }
                        future.complete(joinError(newMemberId, InternalTopicLog.coordinatorError(failure)));
                        return;
                    }
                    JoinGroupResponseData response;
                    synchronized (coordinator) {
                        response = joinResponse(group, member);
                    }
                    if (newMemberId.equals(response.leader())) {
                        response.setMembers(new ArrayList<>()).setSkipAssignment(version >= 9);
                    }
                    future.complete(response);
                });
            }
            case COMPLETING_REBALANCE -> {
                member.joinFuture = future;
                member.joinVersion = version;
                prepareRebalance(group, "static member " + old.instanceId + " rejoined during CompletingRebalance");
            }
            case PREPARING_REBALANCE -> {
                member.joinFuture = future;
                member.joinVersion = version;
                maybeCompleteJoin(group);
            }
            default -> future.complete(joinError(newMemberId, Errors.UNKNOWN_MEMBER_ID));
        }
    }

    private void addMemberAndRebalance(ClassicGroup group, short version, String memberId, String instanceId,
                                       String clientId, String clientHost, JoinGroupRequestData request,
                                       List<Protocol> protocols, int rebalanceTimeoutMs,
                                       CompletableFuture<JoinGroupResponseData> future) {
        Member member = new Member(memberId, instanceId, clientId, clientHost, rebalanceTimeoutMs,
                request.sessionTimeoutMs(), protocols);
        member.joinFuture = future;
        member.joinVersion = version;
        member.heartbeatDeadline = ticks() + member.sessionTimeoutMs;
        if (group.isEmpty()) {
            group.protocolType = request.protocolType();
        }
        if (group.leaderId == null || !group.members.containsKey(group.leaderId)) {
            group.leaderId = memberId;
        }
        group.members.put(memberId, member);
        if (instanceId != null) {
            group.staticMembers.put(instanceId, memberId);
        }
        if (group.state == State.PREPARING_REBALANCE && group.initialDelayRunning) {
            extendInitialDelay(group);
        }
        maybePrepareRebalance(group, "member " + memberId + " joined");
    }

    private void updateMemberAndRebalance(ClassicGroup group, Member member, short version, JoinGroupRequestData request,
                                          List<Protocol> protocols, int rebalanceTimeoutMs,
                                          CompletableFuture<JoinGroupResponseData> future) {
        member.protocols = protocols;
        member.sessionTimeoutMs = request.sessionTimeoutMs();
        member.rebalanceTimeoutMs = rebalanceTimeoutMs;
        if (member.joinFuture != null && member.joinFuture != future) {
            member.joinFuture.complete(joinError(member.memberId, Errors.REBALANCE_IN_PROGRESS));
        }
        member.joinFuture = future;
        member.joinVersion = version;
        member.heartbeatDeadline = ticks() + member.sessionTimeoutMs;
        maybePrepareRebalance(group, "member " + member.memberId + " rejoined");
    }

    private void maybePrepareRebalance(ClassicGroup group, String reason) {
        if (group.state == State.STABLE || group.state == State.COMPLETING_REBALANCE || group.state == State.EMPTY) {
            prepareRebalance(group, reason);
        } else if (group.state == State.PREPARING_REBALANCE) {
            maybeCompleteJoin(group);
        }
    }

    void prepareRebalance(ClassicGroup group, String reason) {
        if (group.state == State.COMPLETING_REBALANCE) {
            resetAndPropagateAssignmentError(group, Errors.REBALANCE_IN_PROGRESS);
        }
        long now = ticks();
        long delay = config().initialRebalanceDelayMs();
        if (group.state == State.EMPTY && delay > 0) {
            // group.initial.rebalance.delay.ms: wait for more members before the first assignment; each
            // member that joins meanwhile extends the wait, never beyond the rebalance timeout.
            group.initialDelayRunning = true;
            group.initialDelayRemainingMs = Math.max(0, group.rebalanceTimeoutMs() - delay);
            group.joinDeadline = now + Math.min(delay, group.rebalanceTimeoutMs());
        } else {
            group.initialDelayRunning = false;
            group.joinDeadline = now + group.rebalanceTimeoutMs();
        }
        group.syncDeadline = Long.MAX_VALUE;
        group.transition(State.PREPARING_REBALANCE, coordinator.now());
        coordinator.log().debug("Group {} preparing rebalance for generation {}: {}", group.groupId,
                group.generationId + 1, reason);
        maybeCompleteJoin(group);
    }

    private void extendInitialDelay(ClassicGroup group) {
        long delay = config().initialRebalanceDelayMs();
        if (group.initialDelayRemainingMs > 0) {
            long step = Math.min(delay, group.initialDelayRemainingMs);
            group.initialDelayRemainingMs -= step;
            group.joinDeadline = ticks() + step;
        }
    }

    private void maybeCompleteJoin(ClassicGroup group) {
        if (group.state != State.PREPARING_REBALANCE) {
            return;
        }
        boolean timedOut = ticks() >= group.joinDeadline;
        if (timedOut || (!group.initialDelayRunning && group.allMembersJoined())) {
            completeJoin(group);
        }
    }

    private void completeJoin(ClassicGroup group) {
        long now = ticks();
        group.initialDelayRunning = false;
        group.joinDeadline = Long.MAX_VALUE;
        // Dynamic members that did not rejoin in time are gone; static ones keep their place (KIP-345).
        for (Member member : group.membersList()) {
            if (!member.awaitingJoin() && member.instanceId == null) {
                removeMember(group, member);
            }
        }
        group.pendingMembers.clear();
        if (group.isEmpty()) {
            group.generationId++;
            group.protocolName = null;
            group.leaderId = null;
            group.transition(State.EMPTY, coordinator.now());
            coordinator.persist(group);
            return;
        }
        Member leader = group.members.get(group.leaderId);
        if (leader == null || !leader.awaitingJoin()) {
            group.leaderId = group.members.values().stream().filter(Member::awaitingJoin).map(m -> m.memberId)
                    .findFirst().orElse(group.members.keySet().iterator().next());
        }
        group.generationId++;
        group.protocolName = group.selectProtocol();
        group.transition(State.COMPLETING_REBALANCE, coordinator.now());
        group.pendingSync.clear();
        group.pendingSync.addAll(group.members.keySet());
        group.syncDeadline = now + group.rebalanceTimeoutMs();
        for (Member member : group.members.values()) {
            member.heartbeatDeadline = now + member.sessionTimeoutMs;
            if (member.joinFuture != null) {
                CompletableFuture<JoinGroupResponseData> join = member.joinFuture;
                member.joinFuture = null;
                join.complete(joinResponse(group, member));
            }
        }
        coordinator.log().debug("Group {} generation {} with {} members, leader {}", group.groupId,
                group.generationId, group.members.size(), group.leaderId);
    }

    private static JoinGroupResponseData joinResponse(ClassicGroup group, Member member) {
        JoinGroupResponseData response = new JoinGroupResponseData()
                .setErrorCode(Errors.NONE.code())
                .setGenerationId(group.generationId)
                .setProtocolType(group.protocolType)
                .setProtocolName(group.protocolName)
                .setLeader(group.leaderId)
                .setMemberId(member.memberId);
        if (member.memberId.equals(group.leaderId)) {
            for (Member m : group.members.values()) {
                response.members().add(new JoinGroupResponseData.JoinGroupResponseMember()
                        .setMemberId(m.memberId)
                        .setGroupInstanceId(m.instanceId)
                        .setMetadata(m.metadata(group.protocolName).orElse(new byte[0])));
            }
        }
        return response;
    }

    /** Answers every JoinGroup and SyncGroup parked in {@code group} with {@code error}: the group is going. */
    static void answerParked(ClassicGroup group, Errors error) {
        for (ClassicGroup.Member member : group.members.values()) {
            if (member.joinFuture != null) {
                member.joinFuture.complete(joinError(member.memberId, error));
                member.joinFuture = null;
            }
            if (member.syncFuture != null) {
                member.syncFuture.complete(syncError(error));
                member.syncFuture = null;
            }
        }
    }

    private static JoinGroupResponseData joinError(String memberId, Errors error) {
        return new JoinGroupResponseData().setErrorCode(error.code()).setMemberId(memberId)
                .setGenerationId(-1).setLeader("").setProtocolName(null);
    }

    private static <T> CompletableFuture<T> done(CompletableFuture<T> future, T value) {
        future.complete(value);
        return future;
    }

    // ---------------------------------------------------------------- SyncGroup

    CompletableFuture<SyncGroupResponseData> syncGroup(SyncGroupRequestData request) {
        CompletableFuture<SyncGroupResponseData> future = new CompletableFuture<>();
        ClassicGroup group = coordinator.classicGroup(request.groupId()).orElse(null);
        if (group == null) {
            ConsumerGroup mixed = coordinator.consumerGroups.get(request.groupId());
            return mixed != null ? coordinator.classicMembers().sync(mixed, request)
                    : done(future, syncError(Errors.UNKNOWN_MEMBER_ID));
        }
        if (group.state == State.DEAD) {
            return done(future, syncError(Errors.COORDINATOR_NOT_AVAILABLE));
        }
        Errors invalid = validateMember(group, request.memberId(), request.groupInstanceId());
        if (invalid != Errors.NONE) {
            return done(future, syncError(invalid));
        }
        if (request.generationId() != group.generationId) {
            return done(future, syncError(Errors.ILLEGAL_GENERATION));
        }
        if ((request.protocolType() != null && !request.protocolType().equals(group.protocolType))
                || (request.protocolName() != null && !request.protocolName().equals(group.protocolName))) {
            return done(future, syncError(Errors.INCONSISTENT_GROUP_PROTOCOL));
        }
        Member member = group.members.get(request.memberId());
        switch (group.state) {
            case EMPTY -> future.complete(syncError(Errors.UNKNOWN_MEMBER_ID));
            case PREPARING_REBALANCE -> future.complete(syncError(Errors.REBALANCE_IN_PROGRESS));
            case COMPLETING_REBALANCE -> {
                member.syncFuture = future;
                member.heartbeatDeadline = ticks() + member.sessionTimeoutMs;
                group.pendingSync.remove(member.memberId);
                if (member.memberId.equals(group.leaderId)) {
                    applyLeaderAssignment(group, request);
                }
            }
            case STABLE -> {
                member.heartbeatDeadline = ticks() + member.sessionTimeoutMs;
                group.pendingSync.remove(member.memberId);
                future.complete(syncResponse(group, member));
            }
            default -> future.complete(syncError(Errors.COORDINATOR_NOT_AVAILABLE));
        }
        return future;
    }

    private void applyLeaderAssignment(ClassicGroup group, SyncGroupRequestData request) {
        Map<String, byte[]> assignments = new HashMap<>();
        for (SyncGroupRequestData.SyncGroupRequestAssignment a : request.assignments()) {
            assignments.put(a.memberId(), a.assignment());
        }
        int generation = group.generationId;
        for (Member m : group.members.values()) {
            m.assignment = assignments.getOrDefault(m.memberId, new byte[0]);
        }
        coordinator.persist(group).whenComplete((ok, failure) -> {
            synchronized (coordinator) {
                if (group.state != State.COMPLETING_REBALANCE || group.generationId != generation) {
                    return;
                }
                if (failure != null) {
                    resetAndPropagateAssignmentError(group, InternalTopicLog.coordinatorError(failure));
                    prepareRebalance(group, "storing the assignment failed");
                    return;
                }
                group.transition(State.STABLE, coordinator.now());
                group.syncDeadline = Long.MAX_VALUE;
                for (Member m : group.members.values()) {
                    if (m.syncFuture != null) {
                        CompletableFuture<SyncGroupResponseData> sync = m.syncFuture;
                        m.syncFuture = null;
                        sync.complete(syncResponse(group, m));
                    }
                }
            }
        });
    }

    private void resetAndPropagateAssignmentError(ClassicGroup group, Errors error) {
        for (Member m : group.members.values()) {
            m.assignment = new byte[0];
            if (m.syncFuture != null) {
                CompletableFuture<SyncGroupResponseData> sync = m.syncFuture;
                m.syncFuture = null;
                sync.complete(syncError(error));
            }
        }
    }

    private static SyncGroupResponseData syncResponse(ClassicGroup group, Member member) {
        return new SyncGroupResponseData().setErrorCode(Errors.NONE.code()).setProtocolType(group.protocolType)
                .setProtocolName(group.protocolName).setAssignment(member.assignment);
    }

    private static SyncGroupResponseData syncError(Errors error) {
        return new SyncGroupResponseData().setErrorCode(error.code()).setAssignment(new byte[0]);
    }

    // ---------------------------------------------------------------- Heartbeat

    HeartbeatResponseData heartbeat(HeartbeatRequestData request) {
        ClassicGroup group = coordinator.classicGroup(request.groupId()).orElse(null);
        if (group == null) {
            ConsumerGroup mixed = coordinator.consumerGroups.get(request.groupId());
            return mixed != null ? coordinator.classicMembers().heartbeat(mixed, request)
                    : heartbeatError(Errors.UNKNOWN_MEMBER_ID);
        }
        if (group.state == State.DEAD) {
            return heartbeatError(Errors.COORDINATOR_NOT_AVAILABLE);
        }
        Errors invalid = validateMember(group, request.memberId(), request.groupInstanceId());
        if (invalid != Errors.NONE) {
            return heartbeatError(invalid);
        }
        if (request.generationId() != group.generationId) {
            return heartbeatError(Errors.ILLEGAL_GENERATION);
        }
        Member member = group.members.get(request.memberId());
        switch (group.state) {
            case EMPTY:
                return heartbeatError(Errors.UNKNOWN_MEMBER_ID);
            case PREPARING_REBALANCE:
                member.heartbeatDeadline = ticks() + member.sessionTimeoutMs;
                return heartbeatError(Errors.REBALANCE_IN_PROGRESS);
            default:
                // CompletingRebalance too: clients heartbeat between JoinGroup and SyncGroup.
                member.heartbeatDeadline = ticks() + member.sessionTimeoutMs;
                return heartbeatError(Errors.NONE);
        }
    }

    private static HeartbeatResponseData heartbeatError(Errors error) {
        return new HeartbeatResponseData().setErrorCode(error.code());
    }

    // ---------------------------------------------------------------- LeaveGroup

    LeaveGroupResponseData leaveGroup(short version, LeaveGroupRequestData request) {
        List<LeaveGroupRequestData.MemberIdentity> leaving = version < 3
                ? List.of(new LeaveGroupRequestData.MemberIdentity().setMemberId(request.memberId()))
                : request.members();
        ClassicGroup group = coordinator.classicGroup(request.groupId()).orElse(null);
        ConsumerGroup mixed = group == null ? coordinator.consumerGroups.get(request.groupId()) : null;
        if (mixed != null) {
            return coordinator.classicMembers().leave(mixed, version, request);
        }
        if (group == null || group.state == State.DEAD) {
            Errors error = group == null ? Errors.UNKNOWN_MEMBER_ID : Errors.COORDINATOR_NOT_AVAILABLE;
            return new LeaveGroupResponseData().setErrorCode(error.code());
        }
        LeaveGroupResponseData response = new LeaveGroupResponseData().setErrorCode(Errors.NONE.code());
        boolean changed = false;
        for (LeaveGroupRequestData.MemberIdentity identity : leaving) {
            Errors error = leaveOne(group, identity);
            changed |= error == Errors.NONE;
            response.members().add(new LeaveGroupResponseData.MemberResponse().setMemberId(identity.memberId())
                    .setGroupInstanceId(identity.groupInstanceId()).setErrorCode(error.code()));
        }
        if (version < 3) {
            // One member, one top-level error.
            response.setErrorCode(response.members().get(0).errorCode()).setMembers(new ArrayList<>());
        }
        if (changed) {
            maybePrepareRebalanceAfterRemoval(group, "members left");
        }
        return response;
    }

    private Errors leaveOne(ClassicGroup group, LeaveGroupRequestData.MemberIdentity identity) {
        String memberId = identity.memberId();
        String instanceId = identity.groupInstanceId();
        if (instanceId != null) {
            String mapped = group.staticMembers.get(instanceId);
            if (mapped == null) {
                return Errors.UNKNOWN_MEMBER_ID;
            }
            if (memberId != null && !memberId.isEmpty() && !memberId.equals(mapped)) {
                return Errors.FENCED_INSTANCE_ID;
            }
            removeMember(group, group.members.get(mapped));
            return Errors.NONE;
        }
        if (group.pendingMembers.remove(memberId) != null) {
            return Errors.NONE;
        }
        Member member = group.members.get(memberId);
        if (member == null) {
            return Errors.UNKNOWN_MEMBER_ID;
        }
        removeMember(group, member);
        return Errors.NONE;
    }

    private void maybePrepareRebalanceAfterRemoval(ClassicGroup group, String reason) {
        switch (group.state) {
            case STABLE, COMPLETING_REBALANCE -> prepareRebalance(group, reason);
            case PREPARING_REBALANCE -> maybeCompleteJoin(group);
            default -> {
            }
        }
    }

    private void removeMember(ClassicGroup group, Member member) {
        if (member == null) {
            return;
        }
        group.members.remove(member.memberId);
        group.pendingSync.remove(member.memberId);
        if (member.instanceId != null && member.memberId.equals(group.staticMembers.get(member.instanceId))) {
            group.staticMembers.remove(member.instanceId);
        }
        if (member.joinFuture != null) {
            member.joinFuture.complete(joinError(member.memberId, Errors.UNKNOWN_MEMBER_ID));
            member.joinFuture = null;
        }
        if (member.syncFuture != null) {
            member.syncFuture.complete(syncError(Errors.UNKNOWN_MEMBER_ID));
            member.syncFuture = null;
        }
        if (member.memberId.equals(group.leaderId)) {
            group.leaderId = group.members.isEmpty() ? null : group.members.keySet().iterator().next();
        }
    }

    /** FENCED_INSTANCE_ID when the instance id maps to another member; UNKNOWN_MEMBER_ID when unknown. */
    Errors validateMember(ClassicGroup group, String memberId, String instanceId) {
        if (instanceId != null) {
            String mapped = group.staticMembers.get(instanceId);
            if (mapped != null && !mapped.equals(memberId)) {
                return Errors.FENCED_INSTANCE_ID;
            }
        }
        return memberId != null && group.members.containsKey(memberId) ? Errors.NONE : Errors.UNKNOWN_MEMBER_ID;
    }

    /** Refreshes a member's session (offset commits count as liveness, as in Kafka). */
    void touch(ClassicGroup group, String memberId) {
        Member member = memberId == null ? null : group.members.get(memberId);
        if (member != null) {
            member.heartbeatDeadline = Math.max(member.heartbeatDeadline, ticks() + member.sessionTimeoutMs);
        }
    }

    // ---------------------------------------------------------------- time

    /** Fires every deadline that has passed: joins, syncs, pending members, member sessions. */
    void tick(ClassicGroup group) {
        long now = ticks();
        group.pendingMembers.values().removeIf(deadline -> deadline <= now);
        switch (group.state) {
            case PREPARING_REBALANCE -> {
                for (Member member : group.membersList()) {
                    if (!member.awaitingJoin() && member.heartbeatDeadline <= now) {
                        removeMember(group, member);
                    }
                }
                maybeCompleteJoin(group);
            }
            case COMPLETING_REBALANCE -> {
                if (now >= group.syncDeadline && !group.pendingSync.isEmpty()) {
                    for (String memberId : List.copyOf(group.pendingSync)) {
                        removeMember(group, group.members.get(memberId));
                    }
                    prepareRebalance(group, "members did not sync within the rebalance timeout");
                    return;
                }
                expireSessions(group, now);
            }
            case STABLE -> expireSessions(group, now);
            default -> {
            }
        }
    }

    private void expireSessions(ClassicGroup group, long now) {
        boolean removed = false;
        for (Member member : group.membersList()) {
            if (member.heartbeatDeadline <= now && member.syncFuture == null) {
                coordinator.log().info("Member {} of group {} expired (session timeout {} ms)", member.memberId,
                        group.groupId, member.sessionTimeoutMs);
                removeMember(group, member);
                removed = true;
            }
        }
        if (removed) {
            prepareRebalance(group, "session timeout");
        }
    }
}
