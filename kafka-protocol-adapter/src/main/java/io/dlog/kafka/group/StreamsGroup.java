package io.dlog.kafka.group;

import io.dlog.kafka.group.streams.ConfiguredTopology;
import io.dlog.kafka.group.streams.StreamsTopology;
import io.dlog.kafka.group.streams.TaskId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A Streams group (KIP-1071, group.protocol=streams): the topology the application declared, the group
 * epoch (bumped by membership, topology and topic-metadata changes), the target assignment of tasks the
 * assignor computed at the assignment epoch, and members reconciling towards it. Plain data;
 * {@link StreamsGroupManager} runs it. Not thread-safe: only touched under the coordinator's lock.
 */
final class StreamsGroup extends EpochGroup<StreamsGroup.Member> {

    /** The group states ListGroups and StreamsGroupDescribe report (Kafka's StreamsGroupState). */
    enum State {
        EMPTY("Empty"), NOT_READY("NotReady"), ASSIGNING("Assigning"), RECONCILING("Reconciling"), STABLE("Stable");

        final String kafkaName;

        State(String kafkaName) {
            this.kafkaName = kafkaName;
        }
    }


    /** A user endpoint for interactive queries. */
    record Endpoint(String host, int port) {
    }

    /** One member (one consumer of a Streams client thread). */
    static final class Member extends EpochMember {
        String clientId = "";
        String clientHost = "";
        String processId = "";
        Endpoint userEndpoint;
        Map<String, String> clientTags = Map.of();
        int topologyEpoch;
        TreeSet<TaskId> active = new TreeSet<>();
        TreeSet<TaskId> standby = new TreeSet<>();
        TreeSet<TaskId> warmup = new TreeSet<>();
        TreeSet<TaskId> revokingActive = new TreeSet<>();
        TreeSet<TaskId> targetActive = new TreeSet<>();
        TreeSet<TaskId> targetStandby = new TreeSet<>();
        TreeSet<TaskId> targetWarmup = new TreeSet<>();
        /**
         * The changelog offsets and end offsets per task the member last reported (KIP-1071 TaskOffsets and
         * TaskEndOffsets). Transient, as on Kafka: never in the snapshot, since they change all the time and the member
         * reports them again every task offset interval.
         */
        Map<TaskId, Long> taskOffsets = Map.of();
        Map<TaskId, Long> taskEndOffsets = Map.of();

        Member(String memberId) {
            super(memberId);
        }
    }

    /** Null until the first member joins. */
    StreamsTopology topology;
    /** Partition counts of the topology's topics (-1: missing) when the group epoch last moved. */
    Map<String, Integer> topicMetadata = new TreeMap<>();
    /** The topology against {@link #topicMetadata}; recomputed, never stored. */
    ConfiguredTopology configured;
    /** Bumped whenever a member's owned tasks change, so clients refetch the endpoint-to-partitions map. */
    int endpointEpoch;
    /** A member asked for the whole application to shut down (KIP-1071 SHUTDOWN_APPLICATION). */
    boolean shutdownRequested;
    /**
     * While the initial rebalance delay runs (group.streams.initial.rebalance.delay.ms), when it ends; 0 when it does
     * not run. Stored, so that a group loaded during its delay neither keeps its members waiting for good nor
     * assigns early.
     */
    long assignmentDelayedUntil;

    /** 1 added the end of the initial rebalance delay; version 0 snapshots load with none running. */
    private static final short SNAPSHOT_VERSION = 1;

    StreamsGroup(String groupId, long now) {
        super(groupId, now);
    }

    State state() {
        if (members.isEmpty()) {
            return State.EMPTY;
        }
        if (configured == null || !configured.isReady()) {
            return State.NOT_READY;
        }
        if (groupEpoch > assignmentEpoch || assignmentDelayedUntil != 0) {
            return State.ASSIGNING; // during the initial delay too, as Kafka, whose target waits for the delay's end
        }
        return reconciled() ? State.STABLE : State.RECONCILING;
    }

    /** The member whose current assignment holds {@code task} as active or still revoking it, other than {@code except}. */
    Member activeOwner(TaskId task, Member except) {
        for (Member m : members.values()) {
            if (m != except && (m.active.contains(task) || m.revokingActive.contains(task))) {
                return m;
            }
        }
        return null;
    }

    // ---------------------------------------------------------------- snapshot (DLog's group record, kind 2)

    byte[] snapshot() {
        GroupRecords.Writer w = new GroupRecords.Writer().writeShort(SNAPSHOT_VERSION).writeInt(groupEpoch).writeInt(assignmentEpoch)
                .writeLong(emptySince).writeInt(endpointEpoch).writeBoolean(topology != null);
        if (topology != null) {
            writeTopology(w, topology);
        }
        w.writeInt(topicMetadata.size());
        topicMetadata.forEach((t, n) -> w.writeString(t).writeInt(n));
        w.writeInt(members.size());
        for (Member m : members.values()) {
            w.writeString(m.memberId).writeString(m.instanceId).writeString(m.rackId).writeString(m.clientId)
                    .writeString(m.clientHost).writeString(m.processId).writeBoolean(m.userEndpoint != null);
            if (m.userEndpoint != null) {
                w.writeString(m.userEndpoint.host()).writeInt(m.userEndpoint.port());
            }
            writeMap(w, m.clientTags);
            w.writeInt(m.topologyEpoch).writeInt(m.rebalanceTimeoutMs).writeInt(m.memberEpoch)
                    .writeInt(m.previousMemberEpoch).writeShort(m.state.ordinal());
            for (Set<TaskId> set : List.of(m.active, m.standby, m.warmup, m.revokingActive, m.targetActive,
                    m.targetStandby, m.targetWarmup)) {
                writeTasks(w, set);
            }
        }
        return w.writeLong(assignmentDelayedUntil).toBytes();
    }

    /** Restores a snapshot; every member gets until {@code heartbeatDeadline} to heartbeat again. */
    static StreamsGroup restore(String groupId, GroupRecords.Reader r, long ticks, long heartbeatDeadline) {
        StreamsGroup g = new StreamsGroup(groupId, ticks); // emptySince is read below
        short version = r.readShort();
        g.groupEpoch = r.readInt();
        g.assignmentEpoch = r.readInt();
        g.emptySince = r.readLong();
        g.endpointEpoch = r.readInt();
        if (r.readBoolean()) {
            g.topology = readTopology(r);
        }
        int topics = r.readInt();
        for (int i = 0; i < topics; i++) {
            g.topicMetadata.put(r.readString(), r.readInt());
        }
        int count = r.readInt();
        for (int i = 0; i < count; i++) {
            Member m = new Member(r.readString());
            m.instanceId = r.readString();
            m.rackId = r.readString();
            m.clientId = r.readString();
            m.clientHost = r.readString();
            m.processId = r.readString();
            if (r.readBoolean()) {
                m.userEndpoint = new Endpoint(r.readString(), r.readInt());
            }
            m.clientTags = readMap(r);
            m.topologyEpoch = r.readInt();
            m.rebalanceTimeoutMs = r.readInt();
            m.memberEpoch = r.readInt();
            m.previousMemberEpoch = r.readInt();
            m.state = MemberState.values()[r.readShort()];
            m.active = readTasks(r);
            m.standby = readTasks(r);
            m.warmup = readTasks(r);
            m.revokingActive = readTasks(r);
            m.targetActive = readTasks(r);
            m.targetStandby = readTasks(r);
            m.targetWarmup = readTasks(r);
            m.heartbeatDeadline = heartbeatDeadline;
            if (m.state == MemberState.UNREVOKED) {
                m.revocationDeadline = ticks + m.rebalanceTimeoutMs;
            }
            g.members.put(m.memberId, m);
        }
        if (version >= 1) {
            g.assignmentDelayedUntil = r.readLong();
        }
        return g;
    }

    private static void writeTopology(GroupRecords.Writer w, StreamsTopology topology) {
        w.writeInt(topology.epoch()).writeInt(topology.subtopologies().size());
        for (StreamsTopology.Subtopology s : topology.subtopologies()) {
            w.writeString(s.id());
            writeStrings(w, s.sourceTopics());
            writeStrings(w, s.sourceTopicRegex());
            writeStrings(w, s.repartitionSinkTopics());
            writeTopicInfos(w, s.repartitionSourceTopics());
            writeTopicInfos(w, s.changelogTopics());
            w.writeInt(s.copartitionGroups().size());
            s.copartitionGroups().forEach(group -> writeStrings(w, List.copyOf(group)));
        }
    }

    private static StreamsTopology readTopology(GroupRecords.Reader r) {
        int epoch = r.readInt();
        int count = r.readInt();
        List<StreamsTopology.Subtopology> subtopologies = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String id = r.readString();
            List<String> sources = readStrings(r);
            List<String> regex = readStrings(r);
            List<String> sinks = readStrings(r);
            List<StreamsTopology.TopicInfo> repartition = readTopicInfos(r);
            List<StreamsTopology.TopicInfo> changelogs = readTopicInfos(r);
            int groups = r.readInt();
            List<Set<String>> copartition = new ArrayList<>(groups);
            for (int j = 0; j < groups; j++) {
                copartition.add(new LinkedHashSet<>(readStrings(r)));
            }
            subtopologies.add(new StreamsTopology.Subtopology(id, sources, regex, sinks, repartition, changelogs,
                    copartition));
        }
        return new StreamsTopology(epoch, List.copyOf(subtopologies));
    }

    private static void writeTopicInfos(GroupRecords.Writer w, List<StreamsTopology.TopicInfo> infos) {
        w.writeInt(infos.size());
        for (StreamsTopology.TopicInfo t : infos) {
            w.writeString(t.name()).writeInt(t.partitions()).writeShort(t.replicationFactor());
            writeMap(w, t.configs());
        }
    }

    private static List<StreamsTopology.TopicInfo> readTopicInfos(GroupRecords.Reader r) {
        int n = r.readInt();
        List<StreamsTopology.TopicInfo> infos = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            infos.add(new StreamsTopology.TopicInfo(r.readString(), r.readInt(), r.readShort(), readMap(r)));
        }
        return List.copyOf(infos);
    }

    private static void writeStrings(GroupRecords.Writer w, List<String> strings) {
        w.writeInt(strings.size());
        strings.forEach(w::writeString);
    }

    private static List<String> readStrings(GroupRecords.Reader r) {
        int n = r.readInt();
        List<String> list = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            list.add(r.readString());
        }
        return List.copyOf(list);
    }

    private static void writeMap(GroupRecords.Writer w, Map<String, String> map) {
        w.writeInt(map.size());
        map.forEach((k, v) -> w.writeString(k).writeString(v));
    }

    private static Map<String, String> readMap(GroupRecords.Reader r) {
        int n = r.readInt();
        Map<String, String> map = new HashMap<>();
        for (int i = 0; i < n; i++) {
            map.put(r.readString(), r.readString());
        }
        return Map.copyOf(map);
    }

    private static void writeTasks(GroupRecords.Writer w, Set<TaskId> tasks) {
        w.writeInt(tasks.size());
        tasks.forEach(t -> w.writeString(t.subtopologyId()).writeInt(t.partition()));
    }

    private static TreeSet<TaskId> readTasks(GroupRecords.Reader r) {
        int n = r.readInt();
        TreeSet<TaskId> tasks = new TreeSet<>();
        for (int i = 0; i < n; i++) {
            tasks.add(new TaskId(r.readString(), r.readInt()));
        }
        return tasks;
    }
}
