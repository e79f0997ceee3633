package io.dlog.kafka.share;

import io.dlog.kafka.group.GroupRecordsListener;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A share group to and from its records in {@code __consumer_offsets} ({@link ShareGroupRecords}), as Kafka
 * 4.3.1's group coordinator writes and replays them. What is written is what changed since the group's last
 * write, known by what the group holds as persisted; records leave in the order Kafka's heartbeat and fencing
 * produce them: a removed member's tombstones (current assignment, target assignment, member metadata), changed
 * members' metadata, the group epoch with its metadata hash, changed target assignments and then the target's
 * epoch, changed current assignments, the share-partitions by state. DeleteGroups' tombstones follow Kafka's
 * ShareGroup.createGroupTombstoneRecords. Stateless; callers hold the share group coordinator's monitor.
 */
final class ShareGroupLog {
    private static final Logger LOG = LoggerFactory.getLogger(ShareGroupLog.class);

    /** The records of one write, and the members whose tombstones it carries (to write again if it fails). */
    record Changes(List<GroupRecordsListener.Record> records, List<String> removed) {
    }

    private ShareGroupLog() {
    }

    /** The records for what changed in {@code group} since its last write; marks it all persisted. */
    static Changes changes(ShareGroupCoordinator.Group group, Function<UUID, String> topicNames) {
        List<GroupRecordsListener.Record> records = new ArrayList<>();
        List<String> removed = new ArrayList<>();
        for (String id : List.copyOf(group.persistedMembers.keySet())) {
            if (!group.members.containsKey(id)) {
                removed.add(id);
                records.addAll(memberTombstones(group.id, id));
                group.persistedMembers.remove(id);
                group.persistedCurrent.remove(id);
                group.persistedTarget.remove(id);
            }
        }
        for (ShareGroupCoordinator.Member m : group.members.values()) {
            ShareGroupRecords.MemberMetadata metadata = new ShareGroupRecords.MemberMetadata(m.rackId,
                    Objects.requireNonNullElse(m.clientId, ""), Objects.requireNonNullElse(m.clientHost, ""), m.subscribed);
            if (!metadata.equals(group.persistedMembers.get(m.id))) {
                records.add(record(ShareGroupRecords.memberKey(ShareGroupRecords.MEMBER_METADATA, group.id, m.id),
                        ShareGroupRecords.memberMetadataValue(metadata)));
                group.persistedMembers.put(m.id, metadata);
            }
        }
        if (group.epoch != group.persistedEpoch) {
            records.add(record(ShareGroupRecords.metadataKey(group.id),
                    ShareGroupRecords.metadataValue(group.epoch, group.metadataHash)));
            group.persistedEpoch = group.epoch;
        }
        if (group.assignmentEpoch != group.persistedAssignmentEpoch) {
            // Kafka writes the targets that changed, then the target's epoch, whenever it computes a target.
            for (String id : group.members.keySet()) {
                Map<UUID, Set<Integer>> target = group.target.getOrDefault(id, Map.of());
                // A null value (unknown since a failed write) differs from every target.
                if (!target.equals(group.persistedTarget.getOrDefault(id, Map.of()))) {
                    records.add(record(ShareGroupRecords.memberKey(ShareGroupRecords.TARGET_ASSIGNMENT_MEMBER, group.id, id),
                            ShareGroupRecords.targetMemberValue(target)));
                    group.persistedTarget.put(id, target);
                }
            }
            records.add(record(ShareGroupRecords.targetMetadataKey(group.id), ShareGroupRecords.targetMetadataValue(
                    new ShareGroupRecords.TargetMetadata(group.assignmentEpoch, group.assignmentTimestamp))));
            group.persistedAssignmentEpoch = group.assignmentEpoch;
        }
        for (ShareGroupCoordinator.Member m : group.members.values()) {
            ShareGroupRecords.CurrentAssignment current = new ShareGroupRecords.CurrentAssignment(m.epoch, m.previousEpoch,
                    m.assignment);
            if (!current.equals(group.persistedCurrent.get(m.id))) {
                records.add(record(ShareGroupRecords.memberKey(ShareGroupRecords.CURRENT_MEMBER_ASSIGNMENT, group.id, m.id),
                        ShareGroupRecords.currentAssignmentValue(current)));
                group.persistedCurrent.put(m.id, current);
            }
        }
        if (group.partitionsChanged) {
            records.add(record(ShareGroupRecords.statePartitionMetadataKey(group.id),
                    ShareGroupRecords.statePartitionMetadataValue(new ShareGroupRecords.StatePartitions(
                            group.initializing, group.initialized, Set.of()), topicNames)));
            group.partitionsChanged = false;
        }
        return new Changes(records, removed);
    }

    /**
     * A write of {@code changes} failed: what the log holds is not known any more, so the next write carries
     * everything again (rewriting a record is harmless), the failed tombstones included.
     */
    static void forget(ShareGroupCoordinator.Group group, Changes changes) {
        group.persistedEpoch = -1;
        group.persistedAssignmentEpoch = -1;
        group.partitionsChanged = true;
        changes.removed().forEach(id -> group.persistedMembers.putIfAbsent(id, null));
        group.persistedMembers.replaceAll((id, m) -> null);
        group.persistedCurrent.replaceAll((id, c) -> null);
        group.persistedTarget.replaceAll((id, t) -> null);
    }

    /** Kafka's tombstones for a deleted group: current and target assignments, target epoch, members, partitions, epoch. */
    static List<GroupRecordsListener.Record> tombstones(String groupId, ShareGroupCoordinator.Group group) {
        Set<String> members = new TreeSet<>();
        if (group != null) {
            members.addAll(group.members.keySet());
            members.addAll(group.persistedMembers.keySet());
        }
        List<GroupRecordsListener.Record> records = new ArrayList<>();
        members.forEach(id -> records.add(record(
                ShareGroupRecords.memberKey(ShareGroupRecords.CURRENT_MEMBER_ASSIGNMENT, groupId, id), null)));
        members.forEach(id -> records.add(record(
                ShareGroupRecords.memberKey(ShareGroupRecords.TARGET_ASSIGNMENT_MEMBER, groupId, id), null)));
        records.add(record(ShareGroupRecords.targetMetadataKey(groupId), null));
        members.forEach(id -> records.add(record(
                ShareGroupRecords.memberKey(ShareGroupRecords.MEMBER_METADATA, groupId, id), null)));
        records.add(record(ShareGroupRecords.statePartitionMetadataKey(groupId), null));
        records.add(record(ShareGroupRecords.metadataKey(groupId), null));
        return records;
    }

    /** Kafka's shareGroupFenceMember order: current assignment, target assignment, member metadata. */
    private static List<GroupRecordsListener.Record> memberTombstones(String groupId, String memberId) {
        return List.of(record(ShareGroupRecords.memberKey(ShareGroupRecords.CURRENT_MEMBER_ASSIGNMENT, groupId, memberId), null),
                record(ShareGroupRecords.memberKey(ShareGroupRecords.TARGET_ASSIGNMENT_MEMBER, groupId, memberId), null),
                record(ShareGroupRecords.memberKey(ShareGroupRecords.MEMBER_METADATA, groupId, memberId), null));
    }

    private static GroupRecordsListener.Record record(byte[] key, byte[] value) {
        return new GroupRecordsListener.Record(key, value);
    }

    /**
     * The share groups {@code records} leave (in log order: the latest of each key wins, a tombstone deletes),
     * marked persisted as they are. A group exists once its ShareGroupMetadata does; a member once its
     * ShareGroupMemberMetadata does. Member sessions are the caller's to start.
     */
    static Map<String, ShareGroupCoordinator.Group> replay(List<GroupRecordsListener.Record> records) {
        Map<String, ShareGroupCoordinator.Group> groups = new HashMap<>();
        Set<String> withTarget = new TreeSet<>();
        for (GroupRecordsListener.Record record : records) {
            try {
                replay(record, groups, withTarget);
            } catch (RuntimeException e) {
                // One record DLog cannot read (a newer Kafka's value version) must not fail the partition's load.
                LOG.warn("Skipping a share group record in __consumer_offsets that cannot be read", e);
            }
        }
        groups.values().removeIf(g -> g.persistedEpoch < 0);
        for (ShareGroupCoordinator.Group group : groups.values()) {
            group.members.keySet().retainAll(group.persistedMembers.keySet());
            if (!withTarget.contains(group.id)) {
                // Written before DLog kept the target (epoch and share-partitions only): the epoch was the target's.
                group.assignmentEpoch = group.epoch;
                group.persistedAssignmentEpoch = group.epoch;
            }
        }
        return groups;
    }

    private static void replay(GroupRecordsListener.Record record, Map<String, ShareGroupCoordinator.Group> groups,
                               Set<String> withTarget) {
        ShareGroupRecords.Key key = ShareGroupRecords.readKey(ByteBuffer.wrap(record.key()));
        if (key == null) {
            return;
        }
        ByteBuffer value = record.value() == null ? null : ByteBuffer.wrap(record.value());
        if (key.type() == ShareGroupRecords.METADATA && value == null) {
            groups.remove(key.groupId());
            withTarget.remove(key.groupId());
            return;
        }
        ShareGroupCoordinator.Group group = groups.computeIfAbsent(key.groupId(), ShareGroupCoordinator.Group::new);
        switch (key.type()) {
            case ShareGroupRecords.METADATA -> {
                group.epoch = ShareGroupRecords.readMetadataEpoch(value);
                group.metadataHash = ShareGroupRecords.readMetadataHash(value);
                group.persistedEpoch = group.epoch;
            }
            case ShareGroupRecords.STATE_PARTITION_METADATA -> replayStatePartitions(group, value);
            case ShareGroupRecords.TARGET_ASSIGNMENT_METADATA -> {
                if (value != null) {
                    ShareGroupRecords.TargetMetadata target = ShareGroupRecords.readTargetMetadata(value);
                    group.assignmentEpoch = target.assignmentEpoch();
                    group.assignmentTimestamp = target.timestamp();
                    group.persistedAssignmentEpoch = target.assignmentEpoch();
                    withTarget.add(group.id);
                }
            }
            default -> replayMember(group, key, value);
        }
    }

    private static void replayStatePartitions(ShareGroupCoordinator.Group group, ByteBuffer value) {
        group.initializing.clear();
        group.initialized.clear();
        if (value != null) {
            ShareGroupRecords.StatePartitions state = ShareGroupRecords.readStatePartitionMetadata(value);
            state.initializing().forEach((topicId, ps) -> group.initializing.put(topicId, new TreeSet<>(ps)));
            state.initialized().forEach((topicId, ps) -> group.initialized.put(topicId, new TreeSet<>(ps)));
        }
    }

    private static void replayMember(ShareGroupCoordinator.Group group, ShareGroupRecords.Key key, ByteBuffer value) {
        String id = key.memberId();
        if (value == null) {
            switch (key.type()) {
                case ShareGroupRecords.CURRENT_MEMBER_ASSIGNMENT -> group.persistedCurrent.remove(id);
                case ShareGroupRecords.TARGET_ASSIGNMENT_MEMBER -> replayTarget(group, id, null);
                default -> { // the member goes with its metadata (the last of Kafka's three tombstones)
                    group.members.remove(id);
                    group.persistedMembers.remove(id);
                }
            }
            return;
        }
        switch (key.type()) {
            case ShareGroupRecords.MEMBER_METADATA -> {
                ShareGroupRecords.MemberMetadata metadata = ShareGroupRecords.readMemberMetadata(value);
                ShareGroupCoordinator.Member member = group.members.computeIfAbsent(id, ShareGroupCoordinator.Member::new);
                member.rackId = metadata.rackId();
                member.clientId = metadata.clientId();
                member.clientHost = metadata.clientHost();
                member.subscribed = List.copyOf(new TreeSet<>(metadata.subscribedTopicNames()));
                group.persistedMembers.put(id, new ShareGroupRecords.MemberMetadata(member.rackId, member.clientId,
                        member.clientHost, member.subscribed));
            }
            case ShareGroupRecords.TARGET_ASSIGNMENT_MEMBER -> replayTarget(group, id, ShareGroupRecords.readTargetMember(value));
            case ShareGroupRecords.CURRENT_MEMBER_ASSIGNMENT -> {
                ShareGroupRecords.CurrentAssignment current = ShareGroupRecords.readCurrentAssignment(value);
                ShareGroupCoordinator.Member member = group.members.computeIfAbsent(id, ShareGroupCoordinator.Member::new);
                member.epoch = current.memberEpoch();
                member.previousEpoch = current.previousMemberEpoch();
                member.assignment = current.partitions();
                group.persistedCurrent.put(id, current);
            }
            default -> throw new IllegalStateException("not a member record type: " + key.type());
        }
    }

    /** A member's target assignment (null: its tombstone); the group's target map is replaced, never changed in place. */
    private static void replayTarget(ShareGroupCoordinator.Group group, String id, Map<UUID, Set<Integer>> assigned) {
        Map<String, Map<UUID, Set<Integer>>> target = new HashMap<>(group.target);
        if (assigned == null) {
            target.remove(id);
            group.persistedTarget.remove(id);
        } else {
            target.put(id, assigned);
            group.persistedTarget.put(id, assigned);
        }
        group.target = target;
    }
}
