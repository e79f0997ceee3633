package io.dlog.kafka.group;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.common.Uuid;

/**
 * A KIP-848 consumer group (group.protocol=consumer): the group epoch (bumped by every change of
 * membership, subscription or subscribed-topic metadata), the target assignment a server assignor
 * computed at the assignment epoch, and members reconciling towards it. Plain data;
 * {@link ConsumerGroupManager} runs it. Not thread-safe: only touched under the coordinator's lock.
 */
final class ConsumerGroup extends EpochGroup<ConsumerGroup.Member> {

    /** The group states ListGroups/ConsumerGroupDescribe report. */
    enum State {
        EMPTY("Empty"), ASSIGNING("Assigning"), RECONCILING("Reconciling"), STABLE("Stable");

        final String kafkaName;

        State(String kafkaName) {
            this.kafkaName = kafkaName;
        }
    }


    /** A partition by topic id, ordered. */
    record Tp(Uuid topicId, int partition) implements Comparable<Tp> {
        @Override
        public int compareTo(Tp o) {
            int c = topicId.compareTo(o.topicId);
            return c != 0 ? c : Integer.compare(partition, o.partition);
        }
    }

    /** One member. */
    static final class Member extends EpochMember {
        String clientId;
        String clientHost;
        List<String> subscribedTopicNames = List.of();
        String subscribedTopicRegex;
        String serverAssignor;
        TreeSet<Tp> assigned = new TreeSet<>();
        TreeSet<Tp> revoking = new TreeSet<>();
        TreeSet<Tp> target = new TreeSet<>();
        /** Left with epoch -2 (a static member restarting): its partitions wait for it until the session ends. */
        boolean leftStatic;

        Member(String memberId) {
            super(memberId);
        }
    }

    /** Subscribed topics and their partition counts when the group epoch last moved. */
    Map<String, Integer> subscribedMetadata = new HashMap<>();
    final Map<String, String> staticMembers = new HashMap<>();

    ConsumerGroup(String groupId, long now) {
        super(groupId, now);
    }

    State state() {
        if (members.isEmpty()) {
            return State.EMPTY;
        }
        if (groupEpoch > assignmentEpoch) {
            return State.ASSIGNING;
        }
        return reconciled() ? State.STABLE : State.RECONCILING;
    }

    String assignorName() {
        for (Member m : members.values()) {
            if (m.serverAssignor != null) {
                return m.serverAssignor;
            }
        }
        return ServerAssignors.DEFAULT;
    }

    byte[] snapshot() {
        GroupRecords.Writer w = new GroupRecords.Writer().writeShort(0).writeInt(groupEpoch).writeInt(assignmentEpoch)
                .writeLong(emptySince).writeInt(subscribedMetadata.size());
        subscribedMetadata.forEach((t, n) -> w.writeString(t).writeInt(n));
        w.writeInt(members.size());
        for (Member m : members.values()) {
            w.writeString(m.memberId).writeString(m.instanceId).writeString(m.rackId).writeString(m.clientId)
                    .writeString(m.clientHost).writeInt(m.subscribedTopicNames.size());
            m.subscribedTopicNames.forEach(w::writeString);
            w.writeString(m.subscribedTopicRegex).writeString(m.serverAssignor).writeInt(m.rebalanceTimeoutMs)
                    .writeInt(m.memberEpoch).writeInt(m.previousMemberEpoch).writeShort(m.state.ordinal())
                    .writeBoolean(m.leftStatic);
            writeSet(w, m.assigned);
            writeSet(w, m.revoking);
            writeSet(w, m.target);
        }
        return w.toBytes();
    }

    /** Restores a snapshot; every member gets until {@code heartbeatDeadline} to heartbeat again. */
    static ConsumerGroup restore(String groupId, GroupRecords.Reader r, long now, long heartbeatDeadline) {
        ConsumerGroup g = new ConsumerGroup(groupId, now);
        r.readShort(); // snapshot version
        g.groupEpoch = r.readInt();
        g.assignmentEpoch = r.readInt();
        g.emptySince = r.readLong();
        int topics = r.readInt();
        for (int i = 0; i < topics; i++) {
            g.subscribedMetadata.put(r.readString(), r.readInt());
        }
        int count = r.readInt();
        for (int i = 0; i < count; i++) {
            Member m = new Member(r.readString());
            m.instanceId = r.readString();
            m.rackId = r.readString();
            m.clientId = r.readString();
            m.clientHost = r.readString();
            int names = r.readInt();
            List<String> list = new ArrayList<>(names);
            for (int j = 0; j < names; j++) {
                list.add(r.readString());
            }
            m.subscribedTopicNames = List.copyOf(list);
            m.subscribedTopicRegex = r.readString();
            m.serverAssignor = r.readString();
            m.rebalanceTimeoutMs = r.readInt();
            m.memberEpoch = r.readInt();
            m.previousMemberEpoch = r.readInt();
            m.state = MemberState.values()[r.readShort()];
            m.leftStatic = r.readBoolean();
            m.assigned = readSet(r);
            m.revoking = readSet(r);
            m.target = readSet(r);
            m.heartbeatDeadline = heartbeatDeadline;
            if (m.state == MemberState.UNREVOKED) {
                m.revocationDeadline = now + m.rebalanceTimeoutMs;
            }
            g.members.put(m.memberId, m);
            if (m.instanceId != null) {
                g.staticMembers.put(m.instanceId, m.memberId);
            }
        }
        return g;
    }

    private static void writeSet(GroupRecords.Writer w, Set<Tp> set) {
        w.writeInt(set.size());
        for (Tp tp : set) {
            w.writeLong(tp.topicId().getMostSignificantBits()).writeLong(tp.topicId().getLeastSignificantBits())
                    .writeInt(tp.partition());
        }
    }

    private static TreeSet<Tp> readSet(GroupRecords.Reader r) {
        int n = r.readInt();
        TreeSet<Tp> set = new TreeSet<>();
        for (int i = 0; i < n; i++) {
            set.add(new Tp(new Uuid(r.readLong(), r.readLong()), r.readInt()));
        }
        return set;
    }
}
