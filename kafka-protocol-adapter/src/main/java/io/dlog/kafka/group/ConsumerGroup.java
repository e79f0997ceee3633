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

    /**
     * What a member speaking the classic protocol inside this group keeps (Kafka's ClassicMemberMetadata, KIP-848
     * online migration): its session timeout and the protocols of its last JoinGroup, first the one it prefers.
     */
    record ClassicMetadata(int sessionTimeoutMs, List<ClassicGroup.Protocol> protocols) {
        String protocolName() {
            return protocols.get(0).name();
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
        /** Non-null for a classic member: it uses JoinGroup/SyncGroup/Heartbeat/LeaveGroup, not ConsumerGroupHeartbeat. */
        ClassicMetadata classic;
        /** A classic member told to rejoin (REBALANCE_IN_PROGRESS) is fenced unless it joins by then. Not persisted. */
        long classicJoinDeadline = Long.MAX_VALUE;
        /** A classic member that joined is fenced unless it syncs by then. Not persisted. */
        long classicSyncDeadline = Long.MAX_VALUE;

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

    /** Whether every member uses the classic protocol (and there is one): the group may go back to classic. */
    boolean allMembersClassic() {
        return !members.isEmpty() && members.values().stream().allMatch(m -> m.classic != null);
    }

    /**
     * Kafka's ConsumerGroup.supportsClassicProtocols: a classic member may join if it speaks the "consumer" protocol
     * type and offers a protocol every classic member already in the group supports.
     */
    boolean supportsClassicProtocols(String protocolType, List<ClassicGroup.Protocol> protocols) {
        if (!"consumer".equals(protocolType) || protocols.isEmpty()) {
            return false;
        }
        for (ClassicGroup.Protocol offered : protocols) {
            boolean everyone = true;
            for (Member m : members.values()) {
                if (m.classic != null && m.classic.protocols().stream().noneMatch(p -> p.name().equals(offered.name()))) {
                    everyone = false;
                    break;
                }
            }
            if (everyone) {
                return true;
            }
        }
        return false;
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
        // Version 1 adds a trailer of classic members after the members: a reader of version 0 stops before it.
        GroupRecords.Writer w = new GroupRecords.Writer().writeShort(1).writeInt(groupEpoch).writeInt(assignmentEpoch)
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
        List<Member> classic = members.values().stream().filter(m -> m.classic != null).toList();
        w.writeInt(classic.size());
        for (Member m : classic) {
            w.writeString(m.memberId).writeInt(m.classic.sessionTimeoutMs()).writeInt(m.classic.protocols().size());
            m.classic.protocols().forEach(p -> w.writeString(p.name()).writeBytes(p.metadata()));
        }
        return w.toBytes();
    }

    /** Restores a snapshot; every member gets until {@code heartbeatDeadline} to heartbeat again. */
    static ConsumerGroup restore(String groupId, GroupRecords.Reader r, long ticks, long heartbeatDeadline) {
        ConsumerGroup g = new ConsumerGroup(groupId, ticks); // emptySince is read below
        short version = r.readShort();
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
                m.revocationDeadline = ticks + m.rebalanceTimeoutMs;
            }
            g.members.put(m.memberId, m);
            if (m.instanceId != null) {
                g.staticMembers.put(m.instanceId, m.memberId);
            }
        }
        int classic = version >= 1 ? r.readInt() : 0;
        for (int i = 0; i < classic; i++) {
            Member m = g.members.get(r.readString());
            int session = r.readInt();
            int protocolCount = r.readInt();
            List<ClassicGroup.Protocol> protocols = new ArrayList<>(protocolCount);
            for (int j = 0; j < protocolCount; j++) {
                protocols.add(new ClassicGroup.Protocol(r.readString(), r.readBytes()));
            }
            if (m != null) {
                m.classic = new ClassicMetadata(session, List.copyOf(protocols));
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
