package io.dlog.kafka.share;

import io.dlog.kafka.group.GroupCoordinator;
import io.dlog.kafka.handlers.Uuids;
import io.dlog.kafka.config.GroupConfigs;
import io.dlog.kafka.topic.TopicService;
import io.dlog.log.metadata.MetadataImage;
import io.dlog.log.metadata.TopicImage;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.Supplier;
import org.apache.kafka.common.message.ShareGroupDescribeRequestData;
import org.apache.kafka.common.message.ShareGroupDescribeResponseData;
import org.apache.kafka.common.message.ShareGroupHeartbeatRequestData;
import org.apache.kafka.common.message.ShareGroupHeartbeatResponseData;
import org.apache.kafka.common.protocol.Errors;

/**
 * Share group membership (KIP-932): ShareGroupHeartbeat, member sessions, the assignment, ShareGroupDescribe.
 * A share group's coordinator is its consumer-group coordinator (the leader of the group's
 * {@code __consumer_offsets} partition); a group id used by a classic or consumer group is refused.
 *
 * <p>Assignment is Kafka's simple share assignor: per topic, with fewer members than partitions each
 * partition goes to one member, round robin; with more members than partitions every member gets one
 * partition and each partition is shared by several members. Any change of members, subscriptions or
 * partition counts bumps the group epoch; a member takes the new epoch with its new assignment on its next
 * heartbeat (share groups revoke nothing: records, not partitions, are what members own).
 *
 * <p>Membership is kept in memory, for groups with members only: after a coordinator move or restart the members' heartbeats get
 * UNKNOWN_MEMBER_ID and they join again, which is what a share consumer does anyway; the groups' delivery
 * state is in {@code __share_group_state} and survives.
 *
 * <p>Thread-safety: this object's monitor guards all state; methods do in-memory work only.
 */
final class ShareGroupCoordinator {
    static final String ASSIGNOR = "simple";

    static final class Member {
        final String id;
        int epoch;
        String clientId;
        String clientHost;
        String rackId;
        List<String> subscribed = List.of();
        Map<UUID, Set<Integer>> assignment = Map.of();
        long deadline;

        Member(String id) {
            this.id = id;
        }
    }

    static final class Group {
        final String id;
        int epoch;
        int assignmentEpoch;
        final Map<String, Member> members = new LinkedHashMap<>();
        Map<String, Map<UUID, Set<Integer>>> target = Map.of();
        /** The subscribed topics' ids and partition counts the target was computed for. */
        Map<UUID, Integer> topicsSeen = Map.of();

        Group(String id) {
            this.id = id;
        }

        String state() {
            return members.isEmpty() ? "Empty" : "Stable";
        }
    }

    private final TopicService topics;
    private final Clock clock;
    private final ShareConfig config;
    private final GroupCoordinator groupCoordinator;
    private final SharePartitionManager manager;
    private final ShareSessionCache sessions;
    private final Supplier<Errors> enabled;
    private final Map<String, Group> groups = new HashMap<>();

    ShareGroupCoordinator(TopicService topics, Clock clock, ShareConfig config, GroupCoordinator groupCoordinator,
                          SharePartitionManager manager, ShareSessionCache sessions, Supplier<Errors> enabled) {
        this.topics = topics;
        this.clock = clock;
        this.config = config;
        this.groupCoordinator = groupCoordinator;
        this.manager = manager;
        this.sessions = sessions;
        this.enabled = enabled;
    }

    /** share.session.timeout.ms of the group, else the broker's group.share.session.timeout.ms. */
    private int sessionTimeoutMs(String groupId) {
        return GroupConfigs.intValue(topics.image().groupConfigs(groupId), GroupConfigs.SHARE_SESSION_TIMEOUT_MS,
                config.sessionTimeoutMs());
    }

    /** share.heartbeat.interval.ms of the group, else the broker's group.share.heartbeat.interval.ms. */
    private int heartbeatIntervalMs(String groupId) {
        return GroupConfigs.intValue(topics.image().groupConfigs(groupId), GroupConfigs.SHARE_HEARTBEAT_INTERVAL_MS,
                config.heartbeatIntervalMs());
    }

    /** Why this node cannot act as {@code groupId}'s share coordinator now; NONE when it can. */
    Errors coordinatorError(String groupId) {
        Errors off = enabled.get();
        if (off != Errors.NONE) {
            return off;
        }
        Errors unavailable = groupCoordinator.availability(groupId);
        if (unavailable != null) {
            return unavailable;
        }
        return groupCoordinator.hasGroup(groupId) ? Errors.GROUP_ID_NOT_FOUND : Errors.NONE;
    }

    ShareGroupHeartbeatResponseData heartbeat(String clientId, String clientHost, ShareGroupHeartbeatRequestData r) {
        Errors invalid = validate(r);
        if (invalid != Errors.NONE) {
            return error(invalid, invalid == Errors.INVALID_REQUEST ? "invalid member id, epoch or subscription" : null);
        }
        Errors unavailable = coordinatorError(r.groupId());
        if (unavailable != Errors.NONE) {
            return error(unavailable, unavailable == Errors.GROUP_ID_NOT_FOUND ? "Group " + r.groupId()
                    + " is not a share group." : null);
        }
        String released = null;
        ShareGroupHeartbeatResponseData response;
        synchronized (this) {
            // Only a join creates a group: other heartbeats for unknown groups must not leave one behind.
            Group group = r.memberEpoch() == 0 ? groups.computeIfAbsent(r.groupId(), Group::new)
                    : groups.getOrDefault(r.groupId(), new Group(r.groupId()));
            Member member = group.members.get(r.memberId());
            if (r.memberEpoch() == -1) {
                if (member != null) {
                    removeMember(group, member);
                    released = member.id;
                }
                response = new ShareGroupHeartbeatResponseData().setErrorCode(Errors.NONE.code())
                        .setMemberId(r.memberId()).setMemberEpoch(-1).setHeartbeatIntervalMs(heartbeatIntervalMs(r.groupId()));
            } else {
                response = join(group, member, clientId, clientHost, r);
            }
        }
        if (released != null) {
            sessions.closeMember(r.groupId(), released);
            manager.releaseMember(r.groupId(), released);
        }
        return response;
    }

    private ShareGroupHeartbeatResponseData join(Group group, Member existing, String clientId, String clientHost,
                                                 ShareGroupHeartbeatRequestData r) {
        Member member = existing;
        if (r.memberEpoch() == 0) {
            if (member == null) {
                member = new Member(r.memberId());
                group.members.put(member.id, member);
                group.epoch++;
            }
        } else if (member == null) {
            return error(Errors.UNKNOWN_MEMBER_ID, "Member " + r.memberId() + " is not a member of group " + r.groupId());
        } else if (r.memberEpoch() != member.epoch) {
            return error(Errors.FENCED_MEMBER_EPOCH, "The share group member has a stale member epoch (" + r.memberEpoch()
                    + " instead of " + member.epoch + ")");
        }
        member.clientId = clientId;
        member.clientHost = clientHost;
        if (r.rackId() != null) {
            member.rackId = r.rackId();
        }
        if (r.subscribedTopicNames() != null && !new TreeSet<>(r.subscribedTopicNames()).equals(new TreeSet<>(member.subscribed))) {
            member.subscribed = List.copyOf(new TreeSet<>(r.subscribedTopicNames()));
            group.epoch++;
        }
        member.deadline = clock.millis() + sessionTimeoutMs(group.id);
        maybeReassign(group);
        Map<UUID, Set<Integer>> target = group.target.getOrDefault(member.id, Map.of());
        boolean changed = !target.equals(member.assignment);
        if (changed || r.memberEpoch() == 0 || member.epoch != group.epoch) {
            // Every member moves to the target's epoch, with its assignment changed or not (as Kafka's members do).
            member.assignment = target;
            member.epoch = group.epoch;
        }
        ShareGroupHeartbeatResponseData response = new ShareGroupHeartbeatResponseData().setErrorCode(Errors.NONE.code())
                .setMemberId(member.id).setMemberEpoch(member.epoch).setHeartbeatIntervalMs(heartbeatIntervalMs(group.id));
        if (changed || r.memberEpoch() != member.epoch || r.subscribedTopicNames() != null) {
            ShareGroupHeartbeatResponseData.Assignment assignment = new ShareGroupHeartbeatResponseData.Assignment();
            member.assignment.forEach((topicId, partitions) -> assignment.topicPartitions().add(
                    new ShareGroupHeartbeatResponseData.TopicPartitions().setTopicId(Uuids.toKafka(topicId))
                            .setPartitions(new ArrayList<>(partitions))));
            response.setAssignment(assignment);
        }
        return response;
    }

    private static Errors validate(ShareGroupHeartbeatRequestData r) {
        if (r.groupId() == null || r.groupId().isEmpty()) {
            return Errors.INVALID_GROUP_ID;
        }
        if (r.memberId() == null || r.memberId().isEmpty() || r.memberEpoch() < -1) {
            return Errors.INVALID_REQUEST;
        }
        if (r.memberEpoch() == 0 && (r.subscribedTopicNames() == null || r.subscribedTopicNames().isEmpty())) {
            return Errors.INVALID_REQUEST;
        }
        return Errors.NONE;
    }

    private static ShareGroupHeartbeatResponseData error(Errors error, String message) {
        return new ShareGroupHeartbeatResponseData().setErrorCode(error.code())
                .setErrorMessage(message != null ? message : error.message());
    }

    private void removeMember(Group group, Member member) {
        group.members.remove(member.id);
        group.epoch++;
        maybeReassign(group);
        forgetIfEmpty(group);
    }

    /**
     * An empty group is dropped from memory (clients could otherwise fill it with group ids); it stays known
     * through its state in {@code __share_group_state}, and a join starts it again.
     */
    private void forgetIfEmpty(Group group) {
        if (group.members.isEmpty()) {
            groups.remove(group.id);
        }
    }

    /** Recomputes the target assignment when the group epoch moved or a subscribed topic changed. */
    private void maybeReassign(Group group) {
        MetadataImage image = topics.image();
        Map<UUID, Integer> seen = new TreeMap<>();
        Map<String, TopicImage> subscribed = new TreeMap<>();
        for (Member m : group.members.values()) {
            for (String name : m.subscribed) {
                image.topic(name).ifPresent(t -> {
                    subscribed.put(name, t);
                    seen.put(t.topicId(), t.partitions());
                });
            }
        }
        if (!seen.equals(group.topicsSeen)) {
            if (!group.topicsSeen.isEmpty() || group.assignmentEpoch == group.epoch) {
                group.epoch++;
            }
            group.topicsSeen = seen;
        }
        if (group.assignmentEpoch == group.epoch) {
            return;
        }
        Map<String, Map<UUID, Set<Integer>>> target = new HashMap<>();
        for (TopicImage topic : subscribed.values()) {
            List<String> members = group.members.values().stream().filter(m -> m.subscribed.contains(topic.name()))
                    .map(m -> m.id).sorted().toList();
            if (members.isEmpty()) {
                continue;
            }
            int partitions = topic.partitions();
            if (members.size() <= partitions) {
                for (int p = 0; p < partitions; p++) {
                    add(target, members.get(p % members.size()), topic.topicId(), p);
                }
            } else {
                for (int i = 0; i < members.size(); i++) {
                    add(target, members.get(i), topic.topicId(), i % partitions);
                }
            }
        }
        group.target = target;
        group.assignmentEpoch = group.epoch;
    }

    private static void add(Map<String, Map<UUID, Set<Integer>>> target, String member, UUID topicId, int partition) {
        target.computeIfAbsent(member, m -> new TreeMap<>()).computeIfAbsent(topicId, t -> new TreeSet<>()).add(partition);
    }

    /** Removes members whose session timed out. Runs on the scheduler. */
    void tick() {
        List<String[]> expired = new ArrayList<>();
        synchronized (this) {
            long now = clock.millis();
            for (Group group : groups.values()) {
                Iterator<Member> it = group.members.values().iterator();
                boolean removed = false;
                while (it.hasNext()) {
                    Member m = it.next();
                    if (m.deadline <= now) {
                        it.remove();
                        expired.add(new String[] {group.id, m.id});
                        removed = true;
                    }
                }
                if (removed) {
                    group.epoch++;
                    maybeReassign(group);
                }
            }
            groups.values().removeIf(g -> g.members.isEmpty());
        }
        for (String[] e : expired) {
            sessions.closeMember(e[0], e[1]);
            manager.releaseMember(e[0], e[1]);
        }
    }

    /** The group, or null when no share group of this id is known here (in memory or by its state). */
    synchronized Group group(String groupId) {
        return groups.get(groupId);
    }

    synchronized boolean isEmpty(String groupId) {
        Group g = groups.get(groupId);
        return g == null || g.members.isEmpty();
    }

    /** Forgets a deleted group. */
    synchronized void remove(String groupId) {
        groups.remove(groupId);
    }

    /** The share groups this node coordinates with members in memory, and their states. */
    synchronized Map<String, String> states() {
        Map<String, String> states = new TreeMap<>();
        groups.values().forEach(g -> states.put(g.id, g.state()));
        return states;
    }

    ShareGroupDescribeResponseData.DescribedGroup describe(String groupId, boolean knownByState) {
        ShareGroupDescribeResponseData.DescribedGroup described = new ShareGroupDescribeResponseData.DescribedGroup()
                .setGroupId(groupId);
        Errors error = coordinatorError(groupId);
        if (error != Errors.NONE) {
            return described.setErrorCode(error.code()).setErrorMessage(error == Errors.GROUP_ID_NOT_FOUND
                    ? "Group " + groupId + " is not a share group." : error.message());
        }
        MetadataImage image = topics.image();
        synchronized (this) {
            Group group = groups.get(groupId);
            if (group == null && !knownByState) {
                return described.setErrorCode(Errors.GROUP_ID_NOT_FOUND.code())
                        .setErrorMessage("Group " + groupId + " not found.");
            }
            described.setErrorCode(Errors.NONE.code()).setAssignorName(ASSIGNOR)
                    .setGroupState(group == null ? "Empty" : group.state())
                    .setGroupEpoch(group == null ? 0 : group.epoch)
                    .setAssignmentEpoch(group == null ? 0 : group.assignmentEpoch);
            if (group != null) {
                for (Member m : group.members.values()) {
                    ShareGroupDescribeResponseData.Assignment assignment = new ShareGroupDescribeResponseData.Assignment();
                    m.assignment.forEach((topicId, partitions) -> assignment.topicPartitions().add(
                            new ShareGroupDescribeResponseData.TopicPartitions().setTopicId(Uuids.toKafka(topicId))
                                    .setTopicName(image.topic(topicId).map(TopicImage::name).orElse(""))
                                    .setPartitions(new ArrayList<>(partitions))));
                    described.members().add(new ShareGroupDescribeResponseData.Member().setMemberId(m.id)
                            .setRackId(m.rackId).setMemberEpoch(m.epoch)
                            .setClientId(Objects.requireNonNullElse(m.clientId, ""))
                            .setClientHost(Objects.requireNonNullElse(m.clientHost, ""))
                            .setSubscribedTopicNames(new ArrayList<>(m.subscribed)).setAssignment(assignment));
                }
            }
        }
        return described;
    }

    /** ShareGroupDescribe for every group asked. */
    ShareGroupDescribeResponseData describe(ShareGroupDescribeRequestData request, java.util.function.Predicate<String> hasState) {
        ShareGroupDescribeResponseData response = new ShareGroupDescribeResponseData();
        for (String groupId : request.groupIds()) {
            ShareGroupDescribeResponseData.DescribedGroup described = describe(groupId, hasState.test(groupId));
            if (request.includeAuthorizedOperations()) {
                described.setAuthorizedOperations(Integer.MIN_VALUE);
            }
            response.groups().add(described);
        }
        return response;
    }
}
