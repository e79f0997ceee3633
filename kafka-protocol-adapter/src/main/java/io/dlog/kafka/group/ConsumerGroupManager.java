package io.dlog.kafka.group;

import io.dlog.kafka.common.AuthorizedOperations;
import io.dlog.kafka.coordinator.InternalTopicLog;
import io.dlog.kafka.group.ConsumerGroup.Member;
import io.dlog.kafka.group.ConsumerGroup.Tp;
import io.dlog.kafka.group.EpochGroup.MemberState;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.ConsumerGroupDescribeRequestData;
import org.apache.kafka.common.message.ConsumerGroupDescribeResponseData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatRequestData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatResponseData;
import org.apache.kafka.common.protocol.Errors;

/**
 * KIP-848 (group.protocol=consumer): ConsumerGroupHeartbeat and ConsumerGroupDescribe. Each heartbeat
 * may bump the group epoch (member joined or left, subscription changed, subscribed topics changed);
 * a bumped epoch recomputes the target assignment with the server assignor ({@code uniform} or
 * {@code range}); then the member reconciles: partitions it must give up are revoked first (it keeps
 * its epoch until it reports them gone), and partitions still held by others are handed over only once
 * released, so no partition is ever owned by two members.
 *
 * <p>subscribedTopicRegex: RE2/J syntax and linear-time matching, resolved off the coordinator's
 * lock by {@link TopicRegexResolver}, as Kafka does.
 *
 * <p>Not thread-safe: runs under the coordinator's lock.
 */
final class ConsumerGroupManager {
    static final int JOIN = 0;
    static final int LEAVE = -1;
    static final int STATIC_LEAVE = -2;

    private final GroupCoordinator coordinator;
    private final TopicRegexResolver regexes;
    private final GroupConversions conversions;

    ConsumerGroupManager(GroupCoordinator coordinator, TopicRegexResolver regexes) {
        this.coordinator = coordinator;
        this.regexes = regexes;
        this.conversions = new GroupConversions(coordinator);
    }

    CompletableFuture<ConsumerGroupHeartbeatResponseData> heartbeat(short version, String clientId, String clientHost,
                                                                    ConsumerGroupHeartbeatRequestData request) {
        String invalid = validate(version, request);
        if (invalid != null) {
            Errors error = invalid.startsWith("!") ? Errors.UNSUPPORTED_ASSIGNOR
                    : invalid.startsWith("~") ? Errors.INVALID_REGULAR_EXPRESSION : Errors.INVALID_REQUEST;
            return done(error(error, invalid.replaceFirst("^[!~]", "")));
        }
        String groupId = request.groupId();
        int epoch = request.memberEpoch();
        ConsumerGroup group = coordinator.consumerGroups.get(groupId);
        if (group == null) {
            ClassicGroup classic = coordinator.classicGroups.get(groupId);
            boolean nonEmptyClassic = classic != null && !classic.isEmpty();
            if ((nonEmptyClassic && epoch != JOIN) || coordinator.streamsOrShareGroupHolds(groupId)) {
                return done(error(Errors.GROUP_ID_NOT_FOUND, "Group " + groupId + " is not a consumer group."));
            }
            if (epoch != JOIN) {
                return done(error(Errors.UNKNOWN_MEMBER_ID, "Group " + groupId + " has no member " + request.memberId()));
            }
            if (nonEmptyClassic) {
                // KIP-848 online upgrade: the classic members stay, as classic members of the consumer group.
                String refused = conversions.refuseUpgrade(classic);
                if (refused != null) {
                    return done(error(Errors.GROUP_ID_NOT_FOUND, refused));
                }
                group = conversions.toConsumerGroup(classic);
            } else {
                // A new group, or an empty classic one converted (its offsets stay).
                coordinator.classicGroups.remove(groupId);
                group = new ConsumerGroup(groupId, coordinator.now());
                coordinator.consumerGroups.put(groupId, group);
            }
        }
        if (epoch == LEAVE || epoch == STATIC_LEAVE) {
            return leave(group, request);
        }
        boolean changed = false;
        Member member;
        if (epoch == JOIN) {
            if (group.members.size() >= coordinator.config().consumerMaxSize()
                    && !group.members.containsKey(request.memberId())) {
                return done(error(Errors.GROUP_MAX_SIZE_REACHED, "The group is full"));
            }
            String memberId = request.memberId() == null || request.memberId().isEmpty()
                    ? Uuid.randomUuid().toString() : request.memberId();
            Member existing = request.instanceId() == null ? null : staticMember(group, request.instanceId());
            if (existing != null && !existing.leftStatic && !existing.memberId.equals(memberId)) {
                return done(error(Errors.UNRELEASED_INSTANCE_ID, "Static member " + request.instanceId()
                        + " is still in use by member " + existing.memberId));
            }
            member = join(group, memberId, existing);
            if (request.instanceId() != null) {
                member.instanceId = request.instanceId(); // a first join too: it is static from now on (KIP-345)
            }
            changed = true;
        } else {
            member = group.members.get(request.memberId());
            if (member == null || member.classic != null) {
                return done(error(Errors.UNKNOWN_MEMBER_ID, "Unknown member " + request.memberId()));
            }
            Set<Tp> owned = ownedPartitions(request);
            boolean lostResponse = epoch == member.previousMemberEpoch && owned != null && member.assigned.containsAll(owned);
            if (epoch != member.memberEpoch && !lostResponse) {
                return done(error(Errors.FENCED_MEMBER_EPOCH, "Member epoch " + epoch + " is not "
                        + member.memberEpoch));
            }
        }
        member.clientId = clientId;
        member.clientHost = clientHost;
        if (request.rackId() != null) {
            member.rackId = request.rackId();
        }
        if (request.rebalanceTimeoutMs() > 0) {
            member.rebalanceTimeoutMs = request.rebalanceTimeoutMs();
        }
        if (request.subscribedTopicNames() != null && !request.subscribedTopicNames().equals(member.subscribedTopicNames)) {
            member.subscribedTopicNames = List.copyOf(request.subscribedTopicNames());
            changed = true;
        }
        if (request.subscribedTopicRegex() != null) {
            String regex = request.subscribedTopicRegex().isEmpty() ? null : request.subscribedTopicRegex();
            if (!java.util.Objects.equals(regex, member.subscribedTopicRegex)) {
                member.subscribedTopicRegex = regex;
                changed = true;
            }
        }
        if (request.serverAssignor() != null && !request.serverAssignor().equals(member.serverAssignor)) {
            member.serverAssignor = request.serverAssignor();
            changed = true;
        }
        member.heartbeatDeadline = coordinator.ticks() + coordinator.consumerSessionTimeoutMs(group.groupId);
        changed |= maybeBumpGroupEpoch(group, changed);
        changed |= reconcile(group, member, ownedPartitions(request));
        ConsumerGroupHeartbeatResponseData response = new ConsumerGroupHeartbeatResponseData()
                .setErrorCode(Errors.NONE.code()).setMemberId(member.memberId).setMemberEpoch(member.memberEpoch)
                .setHeartbeatIntervalMs(coordinator.consumerHeartbeatIntervalMs(group.groupId))
                .setAssignment(assignment(member.assigned));
        return changed ? persistThen(group, response) : done(response);
    }

    /**
     * Bumps the group epoch when membership or a subscription changed ({@code changed}) or the subscribed topics did,
     * then recomputes the target assignment if it is behind. True when the epoch moved.
     */
    boolean maybeBumpGroupEpoch(ConsumerGroup group, boolean changed) {
        Map<String, Integer> metadata = subscribedMetadata(group);
        boolean bumped = false;
        if (changed || !metadata.equals(group.subscribedMetadata)) {
            group.subscribedMetadata = metadata;
            group.groupEpoch++;
            bumped = true;
        }
        if (group.groupEpoch > group.assignmentEpoch) {
            computeTargetAssignment(group);
        }
        return bumped;
    }

    /** A new member, or a static member's new incarnation taking over its predecessor's place (KIP-345). */
    Member join(ConsumerGroup group, String memberId, Member previous) {
        Member member = new Member(memberId);
        if (previous != null) {
            // KIP-345 for KIP-848: the static member comes back and takes over its old assignment.
            group.members.remove(previous.memberId);
            member.instanceId = previous.instanceId;
            member.memberEpoch = previous.memberEpoch;
            member.previousMemberEpoch = previous.previousMemberEpoch;
            member.assigned = previous.assigned;
            member.revoking = previous.revoking;
            member.target = previous.target;
            member.state = previous.state;
            member.subscribedTopicNames = previous.subscribedTopicNames;
            member.subscribedTopicRegex = previous.subscribedTopicRegex;
            member.serverAssignor = previous.serverAssignor;
        } else {
            Member old = group.members.remove(memberId);
            if (old != null && old.instanceId != null) {
                member.instanceId = old.instanceId;
            }
        }
        group.members.put(memberId, member);
        return member;
    }

    private Member staticMember(ConsumerGroup group, String instanceId) {
        String memberId = group.staticMembers.get(instanceId);
        return memberId == null ? null : group.members.get(memberId);
    }

    private CompletableFuture<ConsumerGroupHeartbeatResponseData> leave(ConsumerGroup group,
                                                                        ConsumerGroupHeartbeatRequestData request) {
        Member member = group.members.get(request.memberId());
        ConsumerGroupHeartbeatResponseData response = new ConsumerGroupHeartbeatResponseData()
                .setErrorCode(Errors.NONE.code()).setMemberId(request.memberId()).setMemberEpoch(request.memberEpoch())
                .setHeartbeatIntervalMs(0);
        if (member == null) {
            return done(response.setErrorCode(Errors.UNKNOWN_MEMBER_ID.code()));
        }
        if (request.memberEpoch() == STATIC_LEAVE && member.instanceId != null) {
            // The static member will be back: keep its partitions until its session runs out.
            member.leftStatic = true;
            member.heartbeatDeadline = coordinator.ticks() + coordinator.consumerSessionTimeoutMs(group.groupId);
            return persistThen(group, response);
        }
        removeMember(group, member);
        maybeDowngrade(group);
        return persistThen(group, response);
    }

    /**
     * KIP-848 online downgrade (Kafka's validateOnlineDowngradeWithFencedMembers, convertToClassicGroup): once every
     * member left speaks the classic protocol, the group goes back to classic and rebalances, if the migration policy
     * allows it and the members fit in group.max.size. True when it did: the group is then the classic one.
     */
    boolean maybeDowngrade(ConsumerGroup group) {
        if (!group.allMembersClassic()) {
            return false;
        }
        if (!coordinator.config().migrationPolicy().downgradeEnabled()) {
            coordinator.log().info("Cannot downgrade consumer group {} to classic group because the online downgrade is"
                    + " disabled.", group.groupId);
            return false;
        }
        if (group.members.size() > coordinator.config().maxGroupSize()) {
            coordinator.log().info("Cannot downgrade consumer group {} to classic group because its group size is"
                    + " greater than classic group max size.", group.groupId);
            return false;
        }
        conversions.toClassicGroup(group);
        return true;
    }

    /** Writes the group's snapshot, or that of the classic group it was converted into. */
    CompletableFuture<Void> persistCurrent(ConsumerGroup group) {
        if (coordinator.consumerGroups.get(group.groupId) == group) {
            return coordinator.persist(group);
        }
        ClassicGroup classic = coordinator.classicGroups.get(group.groupId);
        return classic == null ? CompletableFuture.completedFuture(null) : coordinator.persist(classic);
    }

    void removeMember(ConsumerGroup group, Member member) {
        group.members.remove(member.memberId);
        if (member.instanceId != null && member.memberId.equals(group.staticMembers.get(member.instanceId))) {
            group.staticMembers.remove(member.instanceId);
        }
        group.groupEpoch++;
        group.subscribedMetadata = subscribedMetadata(group);
        if (group.members.isEmpty()) {
            group.emptySince = coordinator.now();
        }
        computeTargetAssignment(group);
    }

    private CompletableFuture<ConsumerGroupHeartbeatResponseData> persistThen(ConsumerGroup group,
                                                                              ConsumerGroupHeartbeatResponseData response) {
        for (Member m : group.members.values()) {
            if (m.instanceId != null) {
                group.staticMembers.put(m.instanceId, m.memberId);
            }
        }
        return persistCurrent(group).handle((ok, failure) -> failure == null ? response
                : error(InternalTopicLog.coordinatorError(failure), "Storing the group failed"));
    }

    /** Null when valid; else a message (prefixed ! for an unknown assignor, ~ for a bad regex). */
    private String validate(short version, ConsumerGroupHeartbeatRequestData request) {
        if (request.groupId() == null || request.groupId().isEmpty()) {
            return "GroupId can't be empty.";
        }
        int epoch = request.memberEpoch();
        boolean emptyId = request.memberId() == null || request.memberId().isEmpty();
        if ((version >= 1 || epoch > 0 || epoch == LEAVE || epoch == STATIC_LEAVE) && emptyId) {
            return "MemberId can't be empty.";
        }
        if (epoch < STATIC_LEAVE) {
            return "MemberEpoch is invalid.";
        }
        if (epoch == STATIC_LEAVE && request.instanceId() == null) {
            return "InstanceId can't be null when leaving with epoch -2.";
        }
        if (epoch == JOIN) {
            if (request.rebalanceTimeoutMs() == -1) {
                return "RebalanceTimeoutMs must be provided in first request.";
            }
            if (request.topicPartitions() == null || !request.topicPartitions().isEmpty()) {
                return "TopicPartitions must be empty when (re-)joining.";
            }
            if (request.subscribedTopicNames() == null && request.subscribedTopicRegex() == null) {
                return "SubscribedTopicNames or SubscribedTopicRegex must be set in first request.";
            }
        }
        if (request.serverAssignor() != null && !ServerAssignors.NAMES.contains(request.serverAssignor())) {
            return "!ServerAssignor " + request.serverAssignor() + " is not supported. Supported assignors: "
                    + ServerAssignors.NAMES;
        }
        if (request.subscribedTopicRegex() != null && !request.subscribedTopicRegex().isEmpty()) {
            Optional<String> invalid = regexes.invalidReason(request.subscribedTopicRegex());
            if (invalid.isPresent()) {
                return "~SubscribedTopicRegex `" + request.subscribedTopicRegex()
                        + "` is not a valid regular expression: " + invalid.get() + ".";
            }
        }
        return null;
    }

    private Set<Tp> ownedPartitions(ConsumerGroupHeartbeatRequestData request) {
        if (request.topicPartitions() == null) {
            return null;
        }
        Set<Tp> owned = new TreeSet<>();
        for (ConsumerGroupHeartbeatRequestData.TopicPartitions tp : request.topicPartitions()) {
            tp.partitions().forEach(p -> owned.add(new Tp(tp.topicId(), p)));
        }
        return owned;
    }

    // ---------------------------------------------------------------- subscriptions and assignment

    Set<String> subscribedTopics(Member member) {
        Set<String> topics = new HashSet<>(member.subscribedTopicNames);
        if (member.subscribedTopicRegex != null) {
            topics.addAll(regexes.matching(member.subscribedTopicRegex));
        }
        return topics;
    }

    Set<String> subscribedTopics(ConsumerGroup group) {
        Set<String> topics = new HashSet<>();
        group.members.values().forEach(m -> topics.addAll(subscribedTopics(m)));
        return topics;
    }

    /** Subscribed topics that exist, with their partition counts: a change bumps the group epoch. */
    Map<String, Integer> subscribedMetadata(ConsumerGroup group) {
        Map<String, Integer> metadata = new TreeMap<>();
        for (String topic : subscribedTopics(group)) {
            int partitions = coordinator.topics().partitions(topic);
            if (partitions > 0) {
                metadata.put(topic, partitions);
            }
        }
        return metadata;
    }

    private void computeTargetAssignment(ConsumerGroup group) {
        Map<Uuid, Integer> partitions = new HashMap<>();
        group.subscribedMetadata.forEach((topic, count) -> {
            Uuid id = coordinator.topics().id(topic);
            if (!id.equals(Uuid.ZERO_UUID)) {
                partitions.put(id, count);
            }
        });
        Map<String, ServerAssignors.MemberSpec> specs = new LinkedHashMap<>();
        for (Member m : group.members.values()) {
            Set<Uuid> ids = new HashSet<>();
            for (String topic : subscribedTopics(m)) {
                Uuid id = coordinator.topics().id(topic);
                if (partitions.containsKey(id)) {
                    ids.add(id);
                }
            }
            specs.put(m.memberId, new ServerAssignors.MemberSpec(ids, m.target));
        }
        Map<String, TreeSet<Tp>> targets = ServerAssignors.assign(group.assignorName(), specs, partitions);
        for (Member m : group.members.values()) {
            m.target = targets.getOrDefault(m.memberId, new TreeSet<>());
        }
        group.assignmentEpoch = group.groupEpoch;
    }

    /**
     * Moves the member towards its target (Kafka's CurrentAssignmentBuilder): revoke first, then take
     * the new epoch and whatever no other member still holds. Returns whether anything changed.
     */
    boolean reconcile(ConsumerGroup group, Member member, Set<Tp> owned) {
        if (member.state == MemberState.UNREVOKED) {
            boolean released = owned != null && member.revoking.stream().noneMatch(owned::contains);
            if (!released) {
                return false;
            }
            member.revoking = new TreeSet<>();
            member.state = MemberState.STABLE;
            member.revocationDeadline = Long.MAX_VALUE;
        }
        if (member.state == MemberState.STABLE && member.memberEpoch == group.assignmentEpoch) {
            return false;
        }
        TreeSet<Tp> kept = new TreeSet<>(member.assigned);
        kept.retainAll(member.target);
        TreeSet<Tp> toRevoke = new TreeSet<>(member.assigned);
        toRevoke.removeAll(member.target);
        // A classic member that rejoins owning none of them (an eager one gives up everything before JoinGroup, a
        // cooperative one lists what it still owns after its callbacks ran) has nothing left to revoke, as Kafka's
        // CurrentAssignmentBuilder. A KIP-848 member always gets a revocation round first: the owned set in a heartbeat
        // it sent while still taking on an earlier assignment may lack partitions it is about to own, and trusting it
        // gave another member those partitions while the first one held them (GroupProtocolMigrationTest, loaded CI).
        boolean revokedAlready = member.classic != null && owned != null && toRevoke.stream().noneMatch(owned::contains);
        if (!toRevoke.isEmpty() && !revokedAlready) {
            member.assigned = kept;
            member.revoking = toRevoke;
            member.state = MemberState.UNREVOKED;
            member.revocationDeadline = coordinator.ticks() + Math.max(1, member.rebalanceTimeoutMs);
            return true;
        }
        Set<Tp> heldByOthers = new HashSet<>();
        for (Member other : group.members.values()) {
            if (other != member) {
                heldByOthers.addAll(other.assigned);
                heldByOthers.addAll(other.revoking);
            }
        }
        TreeSet<Tp> next = new TreeSet<>(kept);
        for (Tp tp : member.target) {
            if (!heldByOthers.contains(tp)) {
                next.add(tp);
            }
        }
        boolean changed = !next.equals(member.assigned) || member.memberEpoch != group.assignmentEpoch;
        if (member.memberEpoch != group.assignmentEpoch) {
            member.previousMemberEpoch = member.memberEpoch;
            member.memberEpoch = group.assignmentEpoch;
        }
        member.assigned = next;
        MemberState state = next.equals(member.target) ? MemberState.STABLE : MemberState.UNRELEASED;
        changed |= state != member.state;
        member.state = state;
        return changed;
    }

    private ConsumerGroupHeartbeatResponseData.Assignment assignment(Set<Tp> partitions) {
        Map<Uuid, List<Integer>> byTopic = new TreeMap<>();
        partitions.forEach(tp -> byTopic.computeIfAbsent(tp.topicId(), t -> new ArrayList<>()).add(tp.partition()));
        ConsumerGroupHeartbeatResponseData.Assignment assignment = new ConsumerGroupHeartbeatResponseData.Assignment();
        byTopic.forEach((id, list) -> assignment.topicPartitions().add(
                new ConsumerGroupHeartbeatResponseData.TopicPartitions().setTopicId(id).setPartitions(list)));
        return assignment;
    }

    List<TopicPartition> namedPartitions(Set<Tp> partitions) {
        List<TopicPartition> named = new ArrayList<>();
        for (Tp tp : partitions) {
            coordinator.topics().name(tp.topicId()).ifPresent(name -> named.add(new TopicPartition(name, tp.partition())));
        }
        return named;
    }

    // ---------------------------------------------------------------- offsets

    Errors validateOffsetCommit(ConsumerGroup group, String memberId, int memberEpoch) {
        Member member = memberId == null ? null : group.members.get(memberId);
        Errors error = MemberEpochs.commit(group.members.isEmpty(), member == null ? null : member.memberEpoch, memberId,
                memberEpoch);
        // A classic member commits with its generation: a stale one is ILLEGAL_GENERATION to it, as on Kafka.
        return error == Errors.STALE_MEMBER_EPOCH && member.classic != null ? Errors.ILLEGAL_GENERATION : error;
    }

    Errors validateOffsetFetch(ConsumerGroup group, String memberId, int memberEpoch) {
        Member member = memberId == null ? null : group.members.get(memberId);
        return MemberEpochs.fetch(member == null ? null : member.memberEpoch, memberEpoch);
    }

    // ---------------------------------------------------------------- describe

    ConsumerGroupDescribeResponseData describe(ConsumerGroupDescribeRequestData request) {
        ConsumerGroupDescribeResponseData response = new ConsumerGroupDescribeResponseData();
        for (String groupId : request.groupIds()) {
            ConsumerGroup group = coordinator.consumerGroups.get(groupId);
            ConsumerGroupDescribeResponseData.DescribedGroup out = new ConsumerGroupDescribeResponseData.DescribedGroup()
                    .setGroupId(groupId).setAuthorizedOperations(AuthorizedOperations.group(request.includeAuthorizedOperations()));
            response.groups().add(out);
            if (group == null) {
                // The admin client then falls back to DescribeGroups (classic groups, unknown groups).
                boolean other = coordinator.anyGroupHolds(groupId);
                out.setErrorCode(Errors.GROUP_ID_NOT_FOUND.code()).setErrorMessage(other
                        ? "Group " + groupId + " is not a consumer group." : "Group " + groupId + " not found.");
                continue;
            }
            out.setErrorCode(Errors.NONE.code()).setGroupState(group.state().kafkaName).setGroupEpoch(group.groupEpoch)
                    .setAssignmentEpoch(group.assignmentEpoch).setAssignorName(group.assignorName());
            for (Member m : group.members.values()) {
                List<String> names = new ArrayList<>(m.subscribedTopicNames);
                out.members().add(new ConsumerGroupDescribeResponseData.Member().setMemberId(m.memberId)
                        .setInstanceId(m.instanceId).setRackId(m.rackId).setMemberEpoch(m.memberEpoch)
                        .setClientId(m.clientId == null ? "" : m.clientId)
                        .setClientHost(m.clientHost == null ? "" : m.clientHost)
                        .setSubscribedTopicNames(names).setSubscribedTopicRegex(m.subscribedTopicRegex)
                        .setAssignment(describeAssignment(m.assigned)).setTargetAssignment(describeAssignment(m.target))
                        .setMemberType(m.classic != null ? (byte) 0 : (byte) 1)); // KIP-1099: 0 classic, 1 consumer
            }
        }
        return response;
    }

    private ConsumerGroupDescribeResponseData.Assignment describeAssignment(Set<Tp> partitions) {
        Map<Uuid, List<Integer>> byTopic = new TreeMap<>();
        partitions.forEach(tp -> byTopic.computeIfAbsent(tp.topicId(), t -> new ArrayList<>()).add(tp.partition()));
        ConsumerGroupDescribeResponseData.Assignment assignment = new ConsumerGroupDescribeResponseData.Assignment();
        byTopic.forEach((id, list) -> assignment.topicPartitions().add(new ConsumerGroupDescribeResponseData.TopicPartitions()
                .setTopicId(id).setTopicName(coordinator.topics().name(id).orElse("")).setPartitions(list)));
        return assignment;
    }

    // ---------------------------------------------------------------- time

    /** Session expiry and the revocation deadline (rebalance timeout): both remove the member. */
    void tick(ConsumerGroup group) {
        boolean removed = coordinator.classicMembers().fenceLate(group);
        removed |= group.removeExpired(coordinator.ticks(), "consumer", coordinator.log(), member -> removeMember(group, member));
        if (removed) {
            maybeDowngrade(group);
            persistCurrent(group);
        }
    }

    private static <T> CompletableFuture<T> done(T value) {
        return CompletableFuture.completedFuture(value);
    }

    private static ConsumerGroupHeartbeatResponseData error(Errors error, String message) {
        return new ConsumerGroupHeartbeatResponseData().setErrorCode(error.code()).setErrorMessage(message)
                .setMemberEpoch(-1).setHeartbeatIntervalMs(0);
    }
}
