package io.dlog.kafka.group;

import io.dlog.kafka.common.AuthorizedOperations;
import io.dlog.kafka.coordinator.InternalTopicLog;
import io.dlog.kafka.group.StreamsGroup.Member;
import io.dlog.kafka.group.EpochGroup.MemberState;
import io.dlog.kafka.group.streams.ConfiguredTopology;
import io.dlog.kafka.group.streams.StickyTaskAssignor;
import io.dlog.kafka.group.streams.StreamsTopology;
import io.dlog.kafka.group.streams.TaskId;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.StreamsGroupDescribeRequestData;
import org.apache.kafka.common.message.StreamsGroupDescribeResponseData;
import org.apache.kafka.common.message.StreamsGroupHeartbeatRequestData;
import org.apache.kafka.common.message.StreamsGroupHeartbeatResponseData;
import org.apache.kafka.common.protocol.Errors;

/**
 * KIP-1071 (group.protocol=streams): StreamsGroupHeartbeat and StreamsGroupDescribe. A joining member
 * brings the application's topology; the group configures it against the topics that exist
 * ({@link ConfiguredTopology}: missing source topics, internal topics to create, wrong partition counts
 * are reported as statuses and no tasks are assigned until they are resolved). Each heartbeat may bump
 * the group epoch (member joined or left, process changed, topology or topic metadata changed); a bumped
 * epoch recomputes the target assignment with the {@link StickyTaskAssignor}. Members then reconcile as
 * in KIP-848: active tasks to give up are revoked first (the member keeps its epoch until it reports them
 * gone), and an active task still owned by another member is handed over only once released, so no task
 * is ever active on two members. Standby tasks are withheld while another member of the same process
 * (same state directory) still runs the task as active. The first member of an empty group starts the initial
 * rebalance delay, during which nothing is assigned; a static member (instance id) leaving with epoch -2 keeps its
 * tasks until its instance rejoins under a new member id or its session ends.
 *
 * <p>Not thread-safe: runs under the coordinator's lock.
 */
final class StreamsGroupManager {
    static final int JOIN = 0;
    static final int LEAVE = -1;
    static final int STATIC_LEAVE = -2;
    /** Kafka's StreamsGroupHeartbeatResponse.Status.ASSIGNMENT_DELAYED. */
    static final byte ASSIGNMENT_DELAYED = 5;

    private final GroupCoordinator coordinator;

    StreamsGroupManager(GroupCoordinator coordinator) {
        this.coordinator = coordinator;
    }

    private StreamsGroupConfig config(StreamsGroup group) {
        return coordinator.streamsConfig(group.groupId);
    }

    CompletableFuture<StreamsGroupHeartbeatResult> heartbeat(String clientId, String clientHost,
                                                             StreamsGroupHeartbeatRequestData request) {
        String invalid = validate(request);
        if (invalid != null) {
            return done(error(Errors.INVALID_REQUEST, invalid));
        }
        StreamsTopology topology = null;
        if (request.topology() != null) {
            topology = StreamsTopology.from(request.topology());
            Optional<String> bad = topology.invalidReason();
            if (bad.isPresent()) {
                return done(error(Errors.STREAMS_INVALID_TOPOLOGY, bad.get()));
            }
        }
        String groupId = request.groupId();
        int epoch = request.memberEpoch();
        StreamsGroup group = coordinator.streamsGroups.get(groupId);
        if (group == null) {
            // Kafka's getOrCreateStreamsGroup (a join) and getStreamsGroupOrThrow (any other epoch): a group of
            // another type answers GROUP_ID_NOT_FOUND; only a join converts an empty classic group.
            if (coordinator.anyGroupHolds(groupId) && (epoch != JOIN || !coordinator.dropIfEmptyOtherGroup(groupId))) {
                return done(error(Errors.GROUP_ID_NOT_FOUND, "Group " + groupId + " is not a streams group."));
            }
            if (epoch != JOIN) {
                return done(error(Errors.UNKNOWN_MEMBER_ID, "Group " + groupId + " has no member " + request.memberId()));
            }
            group = new StreamsGroup(groupId, coordinator.now());
            coordinator.streamsGroups.put(groupId, group);
        }
        if (epoch == LEAVE || epoch == STATIC_LEAVE) {
            return leave(group, request);
        }
        boolean changed = false;
        boolean wasEmpty = group.members.isEmpty();
        Member member;
        if (epoch == JOIN) {
            Member previous = request.instanceId() == null ? null : staticMember(group, request.instanceId());
            if (previous != null && previous.memberEpoch != STATIC_LEAVE && !previous.memberId.equals(request.memberId())) {
                return done(error(Errors.UNRELEASED_INSTANCE_ID, "Static member " + previous.memberId + " with instance id "
                        + request.instanceId() + " is not yet released."));
            }
            boolean replacing = previous != null && !previous.memberId.equals(request.memberId());
            if (group.members.size() >= config(group).maxSize() && !group.members.containsKey(request.memberId())
                    && !replacing) {
                return done(error(Errors.GROUP_MAX_SIZE_REACHED, "The streams group has reached its maximum size."));
            }
            String others = replacing ? previous.memberId : request.memberId();
            if (group.topology != null && topology.epoch() > group.topology.epoch() && hasOtherMembers(group, others)) {
                return done(error(Errors.STREAMS_INVALID_TOPOLOGY_EPOCH, "Topology epoch " + topology.epoch()
                        + " is newer than the group's " + group.topology.epoch() + " while other members run it;"
                        + " topology updates need the group to be empty."));
            }
            if (replacing) {
                // KIP-1071 static membership (Kafka's streams heartbeat on trunk): the instance comes back under a new
                // member id and takes over its tasks and target without a new group epoch, so nothing moves.
                member = replaceStatic(group, previous, request.memberId());
                coordinator.log().info("Static member {} of streams group {} came back as {}", request.instanceId(),
                        group.groupId, member.memberId);
            } else {
                member = join(group, request.memberId());
                changed = true;
            }
        } else {
            member = group.members.get(request.memberId());
            if (member == null) {
                return done(error(Errors.UNKNOWN_MEMBER_ID, "Unknown member " + request.memberId()));
            }
            if (member.instanceId != null && !member.instanceId.equals(request.instanceId())) {
                return done(error(Errors.FENCED_INSTANCE_ID, "Member " + member.memberId + " has instance id "
                        + member.instanceId + ", not " + request.instanceId() + "."));
            }
            Set<TaskId> owned = tasks(request.activeTasks());
            boolean lostResponse = epoch == member.previousMemberEpoch && owned != null && member.active.containsAll(owned);
            if (epoch != member.memberEpoch && !lostResponse) {
                return done(error(Errors.FENCED_MEMBER_EPOCH, "Member epoch " + epoch + " is not " + member.memberEpoch));
            }
        }
        changed |= updateMember(group, member, clientId, clientHost, request, topology);
        // A null list means unchanged since the last heartbeat; each kind is reported on its own.
        if (request.taskOffsets() != null) {
            member.taskOffsets = taskOffsets(request.taskOffsets());
        }
        if (request.taskEndOffsets() != null) {
            member.taskEndOffsets = taskOffsets(request.taskEndOffsets());
        }
        member.heartbeatDeadline = coordinator.ticks() + config(group).sessionTimeoutMs();
        if (request.shutdownApplication() && !group.shutdownRequested) {
            group.shutdownRequested = true;
            coordinator.log().info("Member {} asked streams group {} to shut down", member.memberId, group.groupId);
        }
        Map<String, Integer> metadata = topicMetadata(group);
        if (changed || !metadata.equals(group.topicMetadata)) {
            group.topicMetadata = metadata;
            group.groupEpoch++;
            group.configured = null;
            changed = true;
        }
        int delayMs = config(group).initialRebalanceDelayMs();
        if (wasEmpty && epoch == JOIN && delayMs > 0 && group.assignmentDelayedUntil == 0) {
            // Kafka 4.2+: the first member of an empty group waits for the others of a starting application, so
            // that they share the tasks from the first assignment instead of taking them from one another.
            group.assignmentDelayedUntil = coordinator.now() + delayMs;
        }
        changed |= maybeEndAssignmentDelay(group);
        configured(group);
        if (group.groupEpoch > group.assignmentEpoch) {
            computeTargetAssignment(group);
        }
        changed |= reconcile(group, member, tasks(request.activeTasks()));
        StreamsGroupHeartbeatResponseData response = response(group, member, request.endpointInformationEpoch());
        StreamsGroupHeartbeatResult result = new StreamsGroupHeartbeatResult(response,
                List.copyOf(group.configured.missingInternalTopics().values()));
        return changed ? persistThen(group, result) : done(result);
    }

    private static boolean hasOtherMembers(StreamsGroup group, String memberId) {
        return group.members.keySet().stream().anyMatch(id -> !id.equals(memberId));
    }

    /** The member holding this group instance id, or null. Groups are small: a scan, no second index to keep. */
    private static Member staticMember(StreamsGroup group, String instanceId) {
        for (Member m : group.members.values()) {
            if (instanceId.equals(m.instanceId)) {
                return m;
            }
        }
        return null;
    }

    /**
     * The returning static member takes the place of {@code previous}: its tasks, its target and its metadata, at
     * member epoch 0 so that the next reconciliation hands the same tasks back at the current assignment epoch.
     */
    private Member replaceStatic(StreamsGroup group, Member previous, String memberId) {
        group.members.remove(previous.memberId);
        group.members.remove(memberId);
        Member member = new Member(memberId);
        member.instanceId = previous.instanceId;
        member.rackId = previous.rackId;
        member.rebalanceTimeoutMs = previous.rebalanceTimeoutMs;
        member.processId = previous.processId;
        member.userEndpoint = previous.userEndpoint;
        member.clientTags = previous.clientTags;
        member.topologyEpoch = previous.topologyEpoch;
        member.active = previous.active;
        member.standby = previous.standby;
        member.warmup = previous.warmup;
        member.targetActive = previous.targetActive;
        member.targetStandby = previous.targetStandby;
        member.targetWarmup = previous.targetWarmup;
        member.taskOffsets = previous.taskOffsets;
        member.taskEndOffsets = previous.taskEndOffsets;
        group.members.put(memberId, member);
        group.endpointEpoch++;
        return member;
    }

    /** A (re-)joining member starts from nothing: its old incarnation's tasks go back to the assignor. */
    private Member join(StreamsGroup group, String memberId) {
        Member member = new Member(memberId);
        group.members.remove(memberId);
        group.members.put(memberId, member);
        return member;
    }

    /** Applies what the heartbeat carries; true when it changes what the assignor sees. */
    private boolean updateMember(StreamsGroup group, Member member, String clientId, String clientHost,
                                 StreamsGroupHeartbeatRequestData request, StreamsTopology topology) {
        boolean changed = false;
        member.clientId = clientId == null ? "" : clientId;
        member.clientHost = clientHost == null ? "" : clientHost;
        if (request.instanceId() != null) {
            member.instanceId = request.instanceId();
        }
        if (request.rackId() != null) {
            member.rackId = request.rackId();
        }
        if (request.rebalanceTimeoutMs() > 0) {
            member.rebalanceTimeoutMs = request.rebalanceTimeoutMs();
        }
        if (request.processId() != null && !request.processId().equals(member.processId)) {
            member.processId = request.processId();
            changed = true;
        }
        if (request.userEndpoint() != null) {
            StreamsGroup.Endpoint endpoint = new StreamsGroup.Endpoint(request.userEndpoint().host(),
                    request.userEndpoint().port());
            if (!endpoint.equals(member.userEndpoint)) {
                member.userEndpoint = endpoint;
                group.endpointEpoch++;
            }
        }
        if (request.clientTags() != null) {
            Map<String, String> tags = new TreeMap<>();
            request.clientTags().forEach(kv -> tags.put(kv.key(), kv.value()));
            member.clientTags = Map.copyOf(tags);
        }
        if (topology != null) {
            member.topologyEpoch = topology.epoch();
            if (group.topology == null || topology.epoch() > group.topology.epoch()) {
                group.topology = topology;
                changed = true;
            }
        }
        return changed;
    }

    private CompletableFuture<StreamsGroupHeartbeatResult> leave(StreamsGroup group, StreamsGroupHeartbeatRequestData request) {
        if (request.memberEpoch() == STATIC_LEAVE) {
            return staticLeave(group, request);
        }
        Member member = group.members.get(request.memberId());
        if (member == null) {
            return done(error(Errors.UNKNOWN_MEMBER_ID, "Unknown member " + request.memberId()));
        }
        removeMember(group, member);
        StreamsGroupHeartbeatResponseData response = new StreamsGroupHeartbeatResponseData().setErrorCode(Errors.NONE.code())
                .setMemberId(request.memberId()).setMemberEpoch(request.memberEpoch()).setHeartbeatIntervalMs(0);
        return persistThen(group, StreamsGroupHeartbeatResult.of(response));
    }

    /**
     * Epoch -2: a static member going away for a while (a rolling restart). As Kafka's streams heartbeat on trunk, it
     * stays in the group at epoch -2 with its tasks, which no other member gets, until it joins again with its instance
     * id or its session times out; only the tasks it was still revoking are let go. No rebalance.
     */
    private CompletableFuture<StreamsGroupHeartbeatResult> staticLeave(StreamsGroup group,
                                                                        StreamsGroupHeartbeatRequestData request) {
        Member member = staticMember(group, request.instanceId());
        if (member == null) {
            return done(error(Errors.UNKNOWN_MEMBER_ID, "Instance id " + request.instanceId() + " is unknown."));
        }
        if (!member.memberId.equals(request.memberId())) {
            return done(error(Errors.FENCED_INSTANCE_ID, "Instance id " + request.instanceId() + " belongs to member "
                    + member.memberId + ", not " + request.memberId() + "."));
        }
        member.previousMemberEpoch = member.memberEpoch;
        member.memberEpoch = STATIC_LEAVE;
        member.revokingActive = new TreeSet<>();
        member.state = MemberState.STABLE;
        member.revocationDeadline = Long.MAX_VALUE;
        StreamsGroupHeartbeatResponseData response = new StreamsGroupHeartbeatResponseData().setErrorCode(Errors.NONE.code())
                .setMemberId(member.memberId).setMemberEpoch(STATIC_LEAVE).setHeartbeatIntervalMs(0);
        return persistThen(group, StreamsGroupHeartbeatResult.of(response));
    }

    private void removeMember(StreamsGroup group, Member member) {
        group.members.remove(member.memberId);
        group.groupEpoch++;
        if (member.userEndpoint != null) {
            group.endpointEpoch++;
        }
        if (group.members.isEmpty()) {
            group.emptySince = coordinator.now();
            group.shutdownRequested = false;
            group.assignmentDelayedUntil = 0;
        }
        computeTargetAssignment(group);
    }

    private CompletableFuture<StreamsGroupHeartbeatResult> persistThen(StreamsGroup group, StreamsGroupHeartbeatResult result) {
        return coordinator.persist(group).handle((ok, failure) -> failure == null ? result
                : error(InternalTopicLog.coordinatorError(failure), "Storing the group failed"));
    }

    /**
     * Null when valid; else Kafka's INVALID_REQUEST message, checked in Kafka's order (GroupCoordinatorService:
     * the features it does not serve, then the request's own consistency), so a client sees the same first error.
     */
    private static String validate(StreamsGroupHeartbeatRequestData request) {
        if (request.topology() != null) {
            for (StreamsGroupHeartbeatRequestData.Subtopology s : request.topology().subtopologies()) {
                // Kafka (4.3 and trunk) refuses Pattern sources on this protocol rather than assigning tasks whose
                // source set could change under them; refusing the same way lets the application fail fast.
                if (s.sourceTopicRegex() != null && !s.sourceTopicRegex().isEmpty()) {
                    return "Regular expressions for source topics are not supported yet.";
                }
            }
        }
        if (isBlank(request.memberId())) {
            return "MemberId can't be empty.";
        }
        if (isBlank(request.groupId())) {
            return "GroupId can't be empty.";
        }
        if (request.instanceId() != null && request.instanceId().isBlank()) {
            return "InstanceId can't be empty.";
        }
        if (request.rackId() != null && request.rackId().isBlank()) {
            return "RackId can't be empty.";
        }
        int epoch = request.memberEpoch();
        if (epoch == JOIN) {
            if (request.rebalanceTimeoutMs() == -1) {
                return "RebalanceTimeoutMs must be provided in first request.";
            }
            if (!isEmpty(request.activeTasks())) {
                return "ActiveTasks must be empty when (re-)joining.";
            }
            if (!isEmpty(request.standbyTasks())) {
                return "StandbyTasks must be empty when (re-)joining.";
            }
            if (!isEmpty(request.warmupTasks())) {
                return "WarmupTasks must be empty when (re-)joining.";
            }
            if (request.topology() == null) {
                return "Topology must be non-null when (re-)joining.";
            }
            if (request.processId() == null || request.processId().isEmpty()) {
                return "ProcessId can't be empty.";
            }
        } else if (epoch == STATIC_LEAVE) {
            if (request.instanceId() == null) {
                return "InstanceId can't be null.";
            }
        } else if (epoch < STATIC_LEAVE) {
            return "MemberEpoch is " + epoch + ", but must be greater than or equal to -2.";
        }
        if ((request.activeTasks() != null || request.standbyTasks() != null || request.warmupTasks() != null)
                && (request.activeTasks() == null || request.standbyTasks() == null || request.warmupTasks() == null)) {
            return "If one task-type is non-null, all must be non-null.";
        }
        if (epoch != JOIN && request.topology() != null) {
            return "Topology can only be provided when (re-)joining.";
        }
        String duplicate = duplicateTask(request.taskOffsets());
        return duplicate != null ? duplicate : duplicateTask(request.taskEndOffsets());
    }

    /** Kafka's message for a task reported twice in TaskOffsets or TaskEndOffsets, else null. */
    private static String duplicateTask(List<StreamsGroupHeartbeatRequestData.TaskOffset> offsets) {
        if (offsets == null) {
            return null;
        }
        Set<TaskId> seen = new java.util.HashSet<>();
        for (StreamsGroupHeartbeatRequestData.TaskOffset o : offsets) {
            if (!seen.add(new TaskId(o.subtopologyId(), o.partition()))) {
                return "Task offsets contain a duplicate entry for subtopology " + o.subtopologyId() + " and partition "
                        + o.partition() + ".";
            }
        }
        return null;
    }

    private static Map<TaskId, Long> taskOffsets(List<StreamsGroupHeartbeatRequestData.TaskOffset> offsets) {
        Map<TaskId, Long> out = new TreeMap<>();
        offsets.forEach(o -> out.put(new TaskId(o.subtopologyId(), o.partition()), o.offset()));
        return out;
    }

    private static List<StreamsGroupDescribeResponseData.TaskOffset> describeOffsets(Map<TaskId, Long> offsets) {
        List<StreamsGroupDescribeResponseData.TaskOffset> out = new ArrayList<>();
        offsets.forEach((t, o) -> out.add(new StreamsGroupDescribeResponseData.TaskOffset().setSubtopologyId(t.subtopologyId())
                .setPartition(t.partition()).setOffset(o)));
        return out;
    }

    private static boolean isBlank(String s) {
        return s == null || s.isBlank();
    }

    private static boolean isEmpty(List<?> list) {
        return list == null || list.isEmpty();
    }

    private static Set<TaskId> tasks(List<StreamsGroupHeartbeatRequestData.TaskIds> ids) {
        if (ids == null) {
            return null;
        }
        Set<TaskId> tasks = new TreeSet<>();
        ids.forEach(t -> t.partitions().forEach(p -> tasks.add(new TaskId(t.subtopologyId(), p))));
        return tasks;
    }

    // ---------------------------------------------------------------- topology and assignment

    /** Partition counts of every topic the topology names (-1: missing): a change bumps the group epoch. */
    private Map<String, Integer> topicMetadata(StreamsGroup group) {
        Map<String, Integer> metadata = new TreeMap<>();
        if (group.topology != null) {
            for (String topic : group.topology.topicNames()) {
                int partitions = coordinator.topics().partitions(topic);
                metadata.put(topic, partitions > 0 ? partitions : -1);
            }
        }
        return metadata;
    }

    private ConfiguredTopology configured(StreamsGroup group) {
        if (group.configured == null) {
            group.configured = group.topology == null
                    ? new ConfiguredTopology(Map.of(), List.of(), Map.of())
                    : ConfiguredTopology.configure(group.topology, t -> group.topicMetadata.getOrDefault(t, -1));
        }
        return group.configured;
    }

    /**
     * Ends the initial rebalance delay once it is over: a new group epoch makes the next computation assign the tasks.
     * True when it ended.
     */
    private boolean maybeEndAssignmentDelay(StreamsGroup group) {
        if (group.assignmentDelayedUntil == 0 || coordinator.now() < group.assignmentDelayedUntil) {
            return false;
        }
        group.assignmentDelayedUntil = 0;
        group.groupEpoch++;
        return true;
    }

    /**
     * While the initial rebalance delay runs the target assigns nothing (the members get an epoch and the
     * ASSIGNMENT_DELAYED status, as the Streams client expects of a group that is not assigning yet).
     */
    private void computeTargetAssignment(StreamsGroup group) {
        ConfiguredTopology configured = configured(group);
        Set<TaskId> tasks = configured.isReady() && group.assignmentDelayedUntil == 0 ? configured.tasks() : Set.of();
        List<StickyTaskAssignor.Member> members = new ArrayList<>();
        for (Member m : group.members.values()) {
            Set<TaskId> owned = new TreeSet<>(m.active);
            owned.addAll(m.revokingActive);
            members.add(new StickyTaskAssignor.Member(m.memberId, m.processId, owned, m.standby));
        }
        Map<String, StickyTaskAssignor.Assignment> target = StickyTaskAssignor.assign(members, tasks,
                config(group).numStandbyReplicas());
        for (Member m : group.members.values()) {
            StickyTaskAssignor.Assignment a = target.getOrDefault(m.memberId, StickyTaskAssignor.Assignment.EMPTY);
            m.targetActive = new TreeSet<>(a.active());
            m.targetStandby = new TreeSet<>(a.standby());
            m.targetWarmup = new TreeSet<>(a.warmup());
        }
        group.assignmentEpoch = group.groupEpoch;
    }

    /**
     * Moves the member towards its target: first revoke, then take what is free. Returns true when
     * anything changed that must be stored.
     */
    private boolean reconcile(StreamsGroup group, Member member, Set<TaskId> ownedActive) {
        if (member.state == MemberState.UNREVOKED) {
            boolean released = ownedActive != null && member.revokingActive.stream().noneMatch(ownedActive::contains);
            if (!released) {
                return false;
            }
            member.revokingActive = new TreeSet<>();
            member.state = MemberState.STABLE;
            member.revocationDeadline = Long.MAX_VALUE;
            group.endpointEpoch++;
        }
        if (member.state == MemberState.STABLE && member.memberEpoch == group.assignmentEpoch) {
            return false;
        }
        TreeSet<TaskId> kept = new TreeSet<>(member.active);
        kept.retainAll(member.targetActive);
        TreeSet<TaskId> toRevoke = new TreeSet<>(member.active);
        toRevoke.removeAll(member.targetActive);
        if (!toRevoke.isEmpty()) {
            member.active = kept;
            member.revokingActive = toRevoke;
            member.standby.retainAll(member.targetStandby);
            member.warmup.retainAll(member.targetWarmup);
            member.state = MemberState.UNREVOKED;
            member.revocationDeadline = coordinator.ticks() + Math.max(1, member.rebalanceTimeoutMs);
            group.endpointEpoch++;
            return true;
        }
        TreeSet<TaskId> nextActive = new TreeSet<>(kept);
        for (TaskId task : member.targetActive) {
            if (group.activeOwner(task, member) == null) {
                nextActive.add(task);
            }
        }
        TreeSet<TaskId> nextStandby = releasedOnProcess(group, member, member.targetStandby);
        TreeSet<TaskId> nextWarmup = releasedOnProcess(group, member, member.targetWarmup);
        boolean changed = !nextActive.equals(member.active) || !nextStandby.equals(member.standby)
                || !nextWarmup.equals(member.warmup);
        if (changed) {
            group.endpointEpoch++;
        }
        if (member.memberEpoch != group.assignmentEpoch) {
            member.previousMemberEpoch = member.memberEpoch;
            member.memberEpoch = group.assignmentEpoch;
            changed = true;
        }
        member.active = nextActive;
        member.standby = nextStandby;
        member.warmup = nextWarmup;
        MemberState state = nextActive.equals(member.targetActive) && nextStandby.equals(member.targetStandby)
                && nextWarmup.equals(member.targetWarmup) ? MemberState.STABLE : MemberState.UNRELEASED;
        changed |= state != member.state;
        member.state = state;
        return changed;
    }

    /** The tasks no other member of the member's process still runs as active (the state directory is shared). */
    private static TreeSet<TaskId> releasedOnProcess(StreamsGroup group, Member member, Set<TaskId> target) {
        TreeSet<TaskId> next = new TreeSet<>();
        for (TaskId task : target) {
            Member owner = group.activeOwner(task, member);
            if (owner == null || !owner.processId.equals(member.processId)) {
                next.add(task);
            }
        }
        return next;
    }

    // ---------------------------------------------------------------- response

    private StreamsGroupHeartbeatResponseData response(StreamsGroup group, Member member, int endpointEpoch) {
        List<StreamsGroupHeartbeatResponseData.Status> statuses = new ArrayList<>();
        for (ConfiguredTopology.Status s : group.configured.statuses()) {
            statuses.add(status(s.code(), s.detail()));
        }
        if (group.topology != null && member.topologyEpoch < group.topology.epoch()) {
            statuses.add(status(ConfiguredTopology.STALE_TOPOLOGY, "The member's topology epoch " + member.topologyEpoch
                    + " is behind the group's topology epoch " + group.topology.epoch() + "."));
        }
        if (group.assignmentDelayedUntil != 0) {
            statuses.add(status(ASSIGNMENT_DELAYED, "Assignment delayed due to the configured initial rebalance delay."));
        }
        if (group.shutdownRequested) {
            statuses.add(status(ConfiguredTopology.SHUTDOWN_APPLICATION,
                    "A KafkaStreams instance requested the shutdown of the application."));
        }
        StreamsGroupHeartbeatResponseData response = new StreamsGroupHeartbeatResponseData()
                .setErrorCode(Errors.NONE.code()).setMemberId(member.memberId).setMemberEpoch(member.memberEpoch)
                .setHeartbeatIntervalMs(config(group).heartbeatIntervalMs())
                .setAcceptableRecoveryLag(StreamsGroupConfig.ACCEPTABLE_RECOVERY_LAG)
                .setTaskOffsetIntervalMs(StreamsGroupConfig.TASK_OFFSET_INTERVAL_MS).setStatus(statuses)
                .setActiveTasks(taskIds(member.active)).setStandbyTasks(taskIds(member.standby))
                .setWarmupTasks(taskIds(member.warmup)).setEndpointInformationEpoch(group.endpointEpoch);
        if (endpointEpoch != group.endpointEpoch && group.members.values().stream().anyMatch(m -> m.userEndpoint != null)) {
            response.setPartitionsByUserEndpoint(partitionsByEndpoint(group));
        }
        return response;
    }

    private static StreamsGroupHeartbeatResponseData.Status status(byte code, String detail) {
        return new StreamsGroupHeartbeatResponseData.Status().setStatusCode(code).setStatusDetail(detail);
    }

    private static List<StreamsGroupHeartbeatResponseData.TaskIds> taskIds(Set<TaskId> tasks) {
        Map<String, List<Integer>> bySubtopology = new TreeMap<>();
        tasks.forEach(t -> bySubtopology.computeIfAbsent(t.subtopologyId(), s -> new ArrayList<>()).add(t.partition()));
        List<StreamsGroupHeartbeatResponseData.TaskIds> out = new ArrayList<>();
        bySubtopology.forEach((s, p) -> out.add(new StreamsGroupHeartbeatResponseData.TaskIds().setSubtopologyId(s)
                .setPartitions(p)));
        return out;
    }

    /** Interactive queries: the source partitions each endpoint's members run, active and standby. */
    private static List<StreamsGroupHeartbeatResponseData.EndpointToPartitions> partitionsByEndpoint(StreamsGroup group) {
        Map<StreamsGroup.Endpoint, List<Set<TaskId>>> byEndpoint = new LinkedHashMap<>();
        for (Member m : group.members.values()) {
            if (m.userEndpoint != null) {
                List<Set<TaskId>> sets = byEndpoint.computeIfAbsent(m.userEndpoint,
                        e -> List.of(new TreeSet<>(), new TreeSet<>()));
                sets.get(0).addAll(m.active);
                sets.get(1).addAll(m.standby);
            }
        }
        Map<String, StreamsTopology.Subtopology> subtopologies = new HashMap<>();
        if (group.topology != null) {
            group.topology.subtopologies().forEach(s -> subtopologies.put(s.id(), s));
        }
        List<StreamsGroupHeartbeatResponseData.EndpointToPartitions> out = new ArrayList<>();
        byEndpoint.forEach((endpoint, sets) -> out.add(new StreamsGroupHeartbeatResponseData.EndpointToPartitions()
                .setUserEndpoint(new StreamsGroupHeartbeatResponseData.Endpoint().setHost(endpoint.host())
                        .setPort(endpoint.port()))
                .setActivePartitions(sourcePartitions(sets.get(0), subtopologies))
                .setStandbyPartitions(sourcePartitions(sets.get(1), subtopologies))));
        return out;
    }

    private static List<StreamsGroupHeartbeatResponseData.TopicPartition> sourcePartitions(
            Collection<TaskId> tasks, Map<String, StreamsTopology.Subtopology> subtopologies) {
        Map<String, List<Integer>> byTopic = new TreeMap<>();
        for (TaskId task : tasks) {
            StreamsTopology.Subtopology s = subtopologies.get(task.subtopologyId());
            if (s != null) {
                s.allSourceTopics().forEach(t -> byTopic.computeIfAbsent(t, x -> new ArrayList<>()).add(task.partition()));
            }
        }
        List<StreamsGroupHeartbeatResponseData.TopicPartition> out = new ArrayList<>();
        byTopic.forEach((t, p) -> out.add(new StreamsGroupHeartbeatResponseData.TopicPartition().setTopic(t).setPartitions(p)));
        return out;
    }

    // ---------------------------------------------------------------- offsets

    /** OffsetCommit and TxnOffsetCommit by a member carry its member epoch, checked as for KIP-848 groups. */
    Errors validateOffsetCommit(StreamsGroup group, String memberId, int memberEpoch) {
        Member member = memberId == null ? null : group.members.get(memberId);
        return MemberEpochs.commit(group.members.isEmpty(), member == null ? null : member.memberEpoch, memberId, memberEpoch);
    }

    Errors validateOffsetFetch(StreamsGroup group, String memberId, int memberEpoch) {
        Member member = memberId == null ? null : group.members.get(memberId);
        return MemberEpochs.fetch(member == null ? null : member.memberEpoch, memberEpoch);
    }

    /** The topics the group reads: their offsets cannot be deleted while it has members. */
    Set<String> sourceTopics(StreamsGroup group) {
        Set<String> topics = new TreeSet<>();
        if (group.topology != null && !group.members.isEmpty()) {
            group.topology.subtopologies().forEach(s -> topics.addAll(s.allSourceTopics()));
        }
        return topics;
    }

    // ---------------------------------------------------------------- describe

    StreamsGroupDescribeResponseData describe(StreamsGroupDescribeRequestData request) {
        StreamsGroupDescribeResponseData response = new StreamsGroupDescribeResponseData();
        for (String groupId : request.groupIds()) {
            StreamsGroup group = coordinator.streamsGroups.get(groupId);
            StreamsGroupDescribeResponseData.DescribedGroup out = new StreamsGroupDescribeResponseData.DescribedGroup()
                    .setGroupId(groupId).setAuthorizedOperations(AuthorizedOperations.group(request.includeAuthorizedOperations()));
            response.groups().add(out);
            if (group == null) {
                out.setErrorCode(Errors.GROUP_ID_NOT_FOUND.code()).setErrorMessage(coordinator.anyGroupHolds(groupId)
                        ? "Group " + groupId + " is not a streams group." : "Group " + groupId + " not found.");
                continue;
            }
            configured(group);
            out.setErrorCode(Errors.NONE.code()).setGroupState(group.state().kafkaName).setGroupEpoch(group.groupEpoch)
                    .setAssignmentEpoch(group.assignmentEpoch).setTopology(describeTopology(group));
            for (Member m : group.members.values()) {
                List<StreamsGroupDescribeResponseData.KeyValue> tags = new ArrayList<>();
                m.clientTags.forEach((k, v) -> tags.add(new StreamsGroupDescribeResponseData.KeyValue().setKey(k).setValue(v)));
                out.members().add(new StreamsGroupDescribeResponseData.Member().setMemberId(m.memberId)
                        .setMemberEpoch(m.memberEpoch).setInstanceId(m.instanceId).setRackId(m.rackId)
                        .setClientId(m.clientId).setClientHost(m.clientHost).setTopologyEpoch(m.topologyEpoch)
                        .setProcessId(m.processId).setClientTags(tags)
                        .setUserEndpoint(m.userEndpoint == null ? null : new StreamsGroupDescribeResponseData.Endpoint()
                                .setHost(m.userEndpoint.host()).setPort(m.userEndpoint.port()))
                        .setTaskOffsets(describeOffsets(m.taskOffsets)).setTaskEndOffsets(describeOffsets(m.taskEndOffsets))
                        .setAssignment(describeAssignment(m.active, m.standby, m.warmup))
                        .setTargetAssignment(describeAssignment(m.targetActive, m.targetStandby, m.targetWarmup)));
            }
        }
        return response;
    }

    private static StreamsGroupDescribeResponseData.Topology describeTopology(StreamsGroup group) {
        StreamsGroupDescribeResponseData.Topology out = new StreamsGroupDescribeResponseData.Topology()
                .setSubtopologies(new ArrayList<>());
        if (group.topology == null) {
            return out.setEpoch(-1);
        }
        out.setEpoch(group.topology.epoch());
        Map<String, Integer> taskCounts = group.configured.taskCounts();
        for (StreamsTopology.Subtopology s : group.topology.subtopologies()) {
            int tasks = taskCounts.getOrDefault(s.id(), 0);
            out.subtopologies().add(new StreamsGroupDescribeResponseData.Subtopology().setSubtopologyId(s.id())
                    .setSourceTopics(new ArrayList<>(s.sourceTopics()))
                    .setRepartitionSinkTopics(new ArrayList<>(s.repartitionSinkTopics()))
                    .setRepartitionSourceTopics(describeTopics(s.repartitionSourceTopics(), group, -1))
                    .setStateChangelogTopics(describeTopics(s.changelogTopics(), group, tasks)));
        }
        return out;
    }

    private static List<StreamsGroupDescribeResponseData.TopicInfo> describeTopics(List<StreamsTopology.TopicInfo> infos,
                                                                                  StreamsGroup group, int changelogPartitions) {
        List<StreamsGroupDescribeResponseData.TopicInfo> out = new ArrayList<>();
        for (StreamsTopology.TopicInfo t : infos) {
            List<StreamsGroupDescribeResponseData.KeyValue> configs = new ArrayList<>();
            t.configs().forEach((k, v) -> configs.add(new StreamsGroupDescribeResponseData.KeyValue().setKey(k).setValue(v)));
            int partitions = changelogPartitions >= 0 ? changelogPartitions
                    : Math.max(t.partitions(), group.topicMetadata.getOrDefault(t.name(), 0));
            out.add(new StreamsGroupDescribeResponseData.TopicInfo().setName(t.name()).setPartitions(partitions)
                    .setReplicationFactor(t.replicationFactor()).setTopicConfigs(configs));
        }
        return out;
    }

    private static StreamsGroupDescribeResponseData.Assignment describeAssignment(Set<TaskId> active, Set<TaskId> standby,
                                                                                 Set<TaskId> warmup) {
        return new StreamsGroupDescribeResponseData.Assignment().setActiveTasks(describeTasks(active))
                .setStandbyTasks(describeTasks(standby)).setWarmupTasks(describeTasks(warmup));
    }

    private static List<StreamsGroupDescribeResponseData.TaskIds> describeTasks(Set<TaskId> tasks) {
        Map<String, List<Integer>> bySubtopology = new TreeMap<>();
        tasks.forEach(t -> bySubtopology.computeIfAbsent(t.subtopologyId(), s -> new ArrayList<>()).add(t.partition()));
        List<StreamsGroupDescribeResponseData.TaskIds> out = new ArrayList<>();
        bySubtopology.forEach((s, p) -> out.add(new StreamsGroupDescribeResponseData.TaskIds().setSubtopologyId(s)
                .setPartitions(p)));
        return out;
    }

    // ---------------------------------------------------------------- time

    /**
     * Session expiry and the revocation deadline (rebalance timeout) remove members; the end of the initial rebalance
     * delay computes the group's first real assignment.
     */
    void tick(StreamsGroup group) {
        boolean changed = group.removeExpired(coordinator.ticks(), "streams", coordinator.log(),
                member -> removeMember(group, member));
        if (maybeEndAssignmentDelay(group)) {
            // Assign now, as Kafka's delay timer does, so the members get their tasks on their next heartbeat.
            computeTargetAssignment(group);
            changed = true;
        }
        if (changed) {
            coordinator.persist(group);
        }
    }

    private static <T> CompletableFuture<T> done(T value) {
        return CompletableFuture.completedFuture(value);
    }

    private static StreamsGroupHeartbeatResult error(Errors error, String message) {
        return StreamsGroupHeartbeatResult.of(new StreamsGroupHeartbeatResponseData().setErrorCode(error.code())
                .setErrorMessage(message).setMemberEpoch(-1).setHeartbeatIntervalMs(0));
    }
}
