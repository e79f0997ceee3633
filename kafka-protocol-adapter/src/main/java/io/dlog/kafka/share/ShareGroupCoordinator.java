package io.dlog.kafka.share;

import io.dlog.kafka.common.Uuids;
import io.dlog.kafka.group.GroupCoordinator;
import io.dlog.kafka.group.GroupRecordsListener;
import io.dlog.kafka.config.GroupConfigs;
import io.dlog.kafka.topic.TopicService;
import io.dlog.log.metadata.MetadataImage;
import io.dlog.log.metadata.TopicImage;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.apache.kafka.common.message.ShareGroupDescribeRequestData;
import org.apache.kafka.common.message.ShareGroupDescribeResponseData;
import org.apache.kafka.common.message.ShareGroupHeartbeatRequestData;
import org.apache.kafka.common.message.ShareGroupHeartbeatResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Share group membership (KIP-932): ShareGroupHeartbeat, member sessions, the assignment, ShareGroupDescribe.
 * A share group's coordinator is its consumer-group coordinator (the leader of the group's
 * {@code __consumer_offsets} partition); a group id used by a classic or consumer group is refused.
 *
 * <p>Assignment is Kafka's simple share assignor: per topic, with fewer members than partitions each
 * partition goes to one member, round robin; with more members than partitions every member gets one
 * partition and each partition is shared by several members. Any change of members, subscriptions or of the
 * subscribed topics' metadata hash ({@link MetadataHash}: ids, names, partitions, racks) bumps the group epoch; a
 * member takes the new epoch with its new assignment on its next heartbeat (share groups revoke nothing:
 * records, not partitions, are what members own). As on Kafka, a member may heartbeat with its previous epoch
 * (the answer that moved it on was lost) and is then sent its assignment again.
 *
 * <p>The group is persisted in its {@code __consumer_offsets} partition with Kafka 4.3.1's records, written
 * when Kafka writes them ({@link ShareGroupLog}): its members (ShareGroupMemberMetadata), epoch and metadata hash
 * (ShareGroupMetadata), target assignment (ShareGroupTargetAssignmentMember, ShareGroupTargetAssignmentMetadata),
 * each member's current assignment and epochs (ShareGroupCurrentMemberAssignment) and its share-partitions by state
 * (ShareGroupStatePartitionMetadata): a partition assigned for the first time is "initializing" (its leader
 * initializes the state on the first ShareFetch), "initialized" once the state is known to exist (seen in a
 * summary, or set by AlterShareGroupOffsets); DeleteShareGroupOffsets removes them. A member that leaves or whose
 * session ends gets tombstones, and DeleteGroups tombstones everything, in Kafka's order. The group coordinator
 * ({@link GroupCoordinator}) replays these records into {@link #onLoad} whenever it loads the partition, so after
 * a coordinator move or restart the group, its members with their ids, epochs and assignments, and its
 * share-partitions are as they were: members go on heartbeating without joining again, and their sessions start
 * at the load (as Kafka's timers do). A heartbeat that changed the group answers once its records are committed
 * (COORDINATOR_NOT_AVAILABLE if they could not be written), as consumer group heartbeats do, so what a member
 * was told is what a new coordinator loads.
 *
 * <p>Thread-safety: this object's monitor guards all state; methods do in-memory work only (record appends
 * never block). {@link #onLoad} and {@link #onUnload} come under the group coordinator's monitor; this class
 * never calls the group coordinator while holding its own (lock order: group coordinator, then this).
 */
final class ShareGroupCoordinator implements GroupRecordsListener {
    private static final Logger LOG = LoggerFactory.getLogger(ShareGroupCoordinator.class);
    static final String ASSIGNOR = "simple";

    static final class Member {
        final String id;
        int epoch;
        int previousEpoch;
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
        /** When the target assignment was computed (Kafka's assignment_timestamp). */
        long assignmentTimestamp;
        /** The subscribed topics' metadata hash at the last epoch (KIP-1101). */
        long metadataHash;
        final Map<String, Member> members = new LinkedHashMap<>();
        Map<String, Map<UUID, Set<Integer>>> target = Map.of();
        /** Share-partitions assigned whose state is not known to exist yet, and those whose state does. */
        final Map<UUID, Set<Integer>> initializing = new TreeMap<>();
        final Map<UUID, Set<Integer>> initialized = new TreeMap<>();
        /** The epoch last written to the log (-1: none yet); whether the share-partitions changed since. */
        int persistedEpoch = -1;
        boolean partitionsChanged;
        /** What the log holds of the members (a null value: unknown, written again), their targets, the target epoch. */
        final Map<String, ShareGroupRecords.MemberMetadata> persistedMembers = new HashMap<>();
        final Map<String, ShareGroupRecords.CurrentAssignment> persistedCurrent = new HashMap<>();
        final Map<String, Map<UUID, Set<Integer>>> persistedTarget = new HashMap<>();
        int persistedAssignmentEpoch = -1;

        Group(String id) {
            this.id = id;
        }

        boolean knows(UUID topicId, int partition) {
            return initializing.getOrDefault(topicId, Set.of()).contains(partition)
                    || initialized.getOrDefault(topicId, Set.of()).contains(partition);
        }

        String state() {
            return members.isEmpty() ? "Empty" : "Stable";
        }
    }

    /** What this coordinator asks of the group coordinator, which owns the groups' partitions (a seam for tests). */
    interface Groups {
        /** Why this node cannot serve {@code groupId} now; null when it can. */
        Errors availability(String groupId);

        /** Whether a classic, consumer or streams group holds the id. */
        boolean hasGroup(String groupId);

        /**
         * Runs {@code create} unless a classic, consumer or streams group holds the id, atomically with the group
         * coordinator's own creations; says whether it ran.
         */
        default boolean createUnlessTaken(String groupId, Runnable create) {
            if (hasGroup(groupId)) {
                return false;
            }
            create.run();
            return true;
        }

        /** Appends a group's records to its {@code __consumer_offsets} partition; completes once committed. */
        CompletableFuture<Void> append(String groupId, List<GroupRecordsListener.Record> records);

        static Groups of(GroupCoordinator coordinator) {
            return new Groups() {
                @Override
                public Errors availability(String groupId) {
                    return coordinator.availability(groupId);
                }

                @Override
                public boolean hasGroup(String groupId) {
                    return coordinator.hasGroup(groupId);
                }

                @Override
                public boolean createUnlessTaken(String groupId, Runnable create) {
                    return coordinator.createUnlessTaken(groupId, create);
                }

                @Override
                public CompletableFuture<Void> append(String groupId, List<GroupRecordsListener.Record> records) {
                    return coordinator.appendRecords(groupId, records);
                }
            };
        }
    }

    private final TopicService topics;
    private final Clock clock;
    /** Member deadlines' clock ({@link io.dlog.kafka.coordinator.DeadlineClock}): a wall-clock step expels no one. */
    private final java.util.function.LongSupplier ticks;
    private final ShareConfig config;
    private final Groups groupCoordinator;
    private final SharePartitionManager manager;
    private final ShareSessionCache sessions;
    private final Supplier<Errors> enabled;
    private final Map<String, Group> groups = new HashMap<>();

    ShareGroupCoordinator(TopicService topics, Clock clock, ShareConfig config, Groups groupCoordinator,
                          SharePartitionManager manager, ShareSessionCache sessions, Supplier<Errors> enabled) {
        this.topics = topics;
        this.clock = clock;
        this.ticks = io.dlog.kafka.coordinator.DeadlineClock.of(clock);
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

    CompletableFuture<ShareGroupHeartbeatResponseData> heartbeat(String clientId, String clientHost,
                                                                 ShareGroupHeartbeatRequestData r) {
        Errors invalid = validate(r);
        if (invalid != Errors.NONE) {
            return CompletableFuture.completedFuture(error(invalid, invalid == Errors.INVALID_REQUEST
                    ? "invalid member id, epoch or subscription" : null));
        }
        Errors unavailable = coordinatorError(r.groupId());
        if (unavailable != Errors.NONE) {
            return CompletableFuture.completedFuture(error(unavailable, unavailable == Errors.GROUP_ID_NOT_FOUND
                    ? "Group " + r.groupId() + " is not a share group." : null));
        }
        if (r.memberEpoch() == 0 && !groupCoordinator.createUnlessTaken(r.groupId(), () -> {
            synchronized (this) {
                groups.computeIfAbsent(r.groupId(), Group::new);
            }
        })) {
            // A consumer, streams or classic join took the id since coordinatorError asked.
            return CompletableFuture.completedFuture(error(Errors.GROUP_ID_NOT_FOUND,
                    "Group " + r.groupId() + " is not a share group."));
        }
        String released = null;
        ShareGroupHeartbeatResponseData response;
        CompletableFuture<Void> written;
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
            // Only a group in the map is real: the stand-in for an unknown one must leave no records.
            written = groups.get(r.groupId()) == group ? persist(group) : CompletableFuture.completedFuture(null);
        }
        if (released != null) {
            sessions.closeMember(r.groupId(), released);
            manager.releaseMember(r.groupId(), released);
        }
        ShareGroupHeartbeatResponseData answer = response;
        return written.handle((ok, failure) -> failure == null ? answer
                : error(Errors.COORDINATOR_NOT_AVAILABLE, "Storing the share group failed"));
    }

    /**
     * Writes what changed in {@code group} since its last write, in Kafka's order ({@link ShareGroupLog#changes}).
     * Under this monitor, so writes leave in change order; a failed write has everything written again.
     */
    private CompletableFuture<Void> persist(Group group) {
        MetadataImage image = topics.image();
        ShareGroupLog.Changes changes = ShareGroupLog.changes(group, id -> image.topic(id).map(TopicImage::name).orElse(""));
        if (changes.records().isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        return groupCoordinator.append(group.id, changes.records()).whenComplete((ok, failure) -> {
            if (failure != null) {
                LOG.warn("Writing share group {} to __consumer_offsets failed", group.id, failure);
                synchronized (this) {
                    ShareGroupLog.forget(group, changes);
                }
            }
        });
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
        } else if (r.memberEpoch() > member.epoch
                || r.memberEpoch() < member.epoch && r.memberEpoch() != member.previousEpoch) {
            // Kafka's rule: the previous epoch is accepted too (the answer that moved the member on was lost).
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
        member.deadline = ticks.getAsLong() + sessionTimeoutMs(group.id);
        maybeReassign(group);
        Map<UUID, Set<Integer>> target = group.target.getOrDefault(member.id, Map.of());
        boolean changed = !target.equals(member.assignment);
        if (changed || r.memberEpoch() == 0 || member.epoch != group.epoch) {
            // Every member moves to the target's epoch, with its assignment changed or not (as Kafka's members do).
            member.assignment = target;
            if (member.epoch != group.epoch) {
                member.previousEpoch = member.epoch;
                member.epoch = group.epoch;
            }
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

    /** An empty group stays (as on Kafka): it is persisted, listed and described until DeleteGroups. */
    private void removeMember(Group group, Member member) {
        group.members.remove(member.id);
        group.epoch++;
        maybeReassign(group);
    }

    /** Recomputes the target assignment when the group epoch moved or a subscribed topic changed. */
    private void maybeReassign(Group group) {
        MetadataImage image = topics.image();
        Map<String, TopicImage> subscribed = new TreeMap<>();
        for (Member m : group.members.values()) {
            for (String name : m.subscribed) {
                image.topic(name).ifPresent(t -> subscribed.put(name, t));
            }
        }
        long hash = MetadataHash.of(subscribed.keySet(), image);
        if (hash != group.metadataHash) {
            // One bump per change, as Kafka's heartbeat: none more when membership already moved the epoch.
            if (group.assignmentEpoch == group.epoch) {
                group.epoch++;
            }
            group.metadataHash = hash;
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
        group.assignmentTimestamp = clock.millis();
        // Newly assigned share-partitions: initializing until their state is seen (their leader creates it).
        target.values().forEach(assigned -> assigned.forEach((topicId, partitions) -> partitions.forEach(p -> {
            if (!group.knows(topicId, p)) {
                group.initializing.computeIfAbsent(topicId, t -> new TreeSet<>()).add(p);
                group.partitionsChanged = true;
            }
        })));
    }

    private static void add(Map<String, Map<UUID, Set<Integer>>> target, String member, UUID topicId, int partition) {
        target.computeIfAbsent(member, m -> new TreeMap<>()).computeIfAbsent(topicId, t -> new TreeSet<>()).add(partition);
    }

    /** Removes members whose session timed out. Runs on the scheduler. */
    void tick() {
        List<String[]> expired = new ArrayList<>();
        synchronized (this) {
            long now = ticks.getAsLong();
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
                    persist(group);
                }
            }
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

    /**
     * A share group, empty or not, keeps its id from consumer, streams and classic groups (Kafka 4.x); the group
     * coordinator asks under its monitor (lock order: group coordinator, then this).
     */
    @Override
    public synchronized boolean holdsGroup(String groupId) {
        return groups.containsKey(groupId);
    }

    synchronized boolean isEmpty(String groupId) {
        Group g = groups.get(groupId);
        return g == null || g.members.isEmpty();
    }

    /** Deletes a group (DeleteGroups): forgotten here, tombstones for its records; completes once they are committed. */
    synchronized CompletableFuture<Void> delete(String groupId) {
        Group group = groups.remove(groupId);
        return groupCoordinator.append(groupId, ShareGroupLog.tombstones(groupId, group));
    }

    /**
     * The group's share-partitions, initialized or initializing (Kafka's group coordinator asks these for "all
     * of a group's offsets"); null when no group of this id is known here.
     */
    synchronized Set<SharePartitionKey> sharePartitions(String groupId) {
        Group group = groups.get(groupId);
        if (group == null) {
            return null;
        }
        Set<SharePartitionKey> keys = new HashSet<>();
        for (Map<UUID, Set<Integer>> byTopic : List.of(group.initializing, group.initialized)) {
            byTopic.forEach((topicId, partitions) -> partitions.forEach(p -> keys.add(new SharePartitionKey(groupId, topicId, p))));
        }
        return keys;
    }

    /**
     * Notes that the state of {@code keys} exists (seen in a summary, or written by AlterShareGroupOffsets).
     * With {@code create}, a group not known here is created (Kafka's AlterShareGroupOffsets creates it);
     * otherwise such a group is left alone. Completes once what changed is committed.
     */
    synchronized CompletableFuture<Void> markInitialized(String groupId, Collection<SharePartitionKey> keys, boolean create) {
        Group group = create ? groups.computeIfAbsent(groupId, Group::new) : groups.get(groupId);
        if (group == null) {
            return CompletableFuture.completedFuture(null);
        }
        for (SharePartitionKey key : keys) {
            if (!group.initialized.getOrDefault(key.topicId(), Set.of()).contains(key.partition())) {
                remove(group.initializing, key);
                group.initialized.computeIfAbsent(key.topicId(), t -> new TreeSet<>()).add(key.partition());
                group.partitionsChanged = true;
            }
        }
        return persist(group);
    }

    /** Forgets share-partitions whose state was deleted (DeleteShareGroupOffsets); completes once committed. */
    synchronized CompletableFuture<Void> forgetPartitions(String groupId, Collection<SharePartitionKey> keys) {
        Group group = groups.get(groupId);
        if (group == null) {
            return CompletableFuture.completedFuture(null);
        }
        for (SharePartitionKey key : keys) {
            group.partitionsChanged |= remove(group.initializing, key) | remove(group.initialized, key);
        }
        return persist(group);
    }

    private static boolean remove(Map<UUID, Set<Integer>> byTopic, SharePartitionKey key) {
        Set<Integer> partitions = byTopic.get(key.topicId());
        if (partitions == null || !partitions.remove(key.partition())) {
            return false;
        }
        if (partitions.isEmpty()) {
            byTopic.remove(key.topicId());
        }
        return true;
    }

    // ------------------------------------------------------------------ loading (GroupRecordsListener)

    /**
     * The group coordinator loaded partitions of {@code __consumer_offsets}: their share groups are restored
     * from their records (the latest of each key wins; a tombstone deletes), with their members, whose sessions
     * start now (as Kafka schedules their session timeouts when it loads a partition).
     */
    @Override
    public synchronized void onLoad(Predicate<String> inPartitions, List<GroupRecordsListener.Record> records) {
        groups.keySet().removeIf(inPartitions);
        long now = ticks.getAsLong();
        ShareGroupLog.replay(records).forEach((groupId, group) -> {
            long deadline = now + sessionTimeoutMs(groupId);
            group.members.values().forEach(m -> m.deadline = deadline);
            groups.put(groupId, group);
        });
    }

    @Override
    public synchronized void onUnload(Predicate<String> inPartitions) {
        groups.keySet().removeIf(inPartitions);
    }

    /** The share groups this node has in memory (with members or persisted), and their states. */
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
