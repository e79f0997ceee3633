package io.dlog.kafka.group;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.SyncGroupResponseData;

/**
 * A group of the classic protocol (JoinGroup/SyncGroup, client-side assignment): its state, generation,
 * members and the deadlines that drive it. Plain data; {@link ClassicGroupManager} runs its state
 * machine. Not thread-safe: only touched under the coordinator's lock.
 */
final class ClassicGroup {

    /** Kafka's classic group states, with the names DescribeGroups/ListGroups report. */
    enum State {
        EMPTY("Empty"), PREPARING_REBALANCE("PreparingRebalance"), COMPLETING_REBALANCE("CompletingRebalance"),
        STABLE("Stable"), DEAD("Dead");

        final String kafkaName;

        State(String kafkaName) {
            this.kafkaName = kafkaName;
        }
    }

    /** A protocol a member offers: name and its metadata (a serialized subscription for consumers). */
    record Protocol(String name, byte[] metadata) {
    }

    /** One member. */
    static final class Member {
        final String memberId;
        final String instanceId;
        String clientId;
        String clientHost;
        int rebalanceTimeoutMs;
        int sessionTimeoutMs;
        List<Protocol> protocols;
        byte[] assignment = new byte[0];
        CompletableFuture<JoinGroupResponseData> joinFuture;
        CompletableFuture<SyncGroupResponseData> syncFuture;
        short joinVersion;
        long heartbeatDeadline;

        Member(String memberId, String instanceId, String clientId, String clientHost, int rebalanceTimeoutMs,
               int sessionTimeoutMs, List<Protocol> protocols) {
            this.memberId = memberId;
            this.instanceId = instanceId;
            this.clientId = clientId;
            this.clientHost = clientHost;
            this.rebalanceTimeoutMs = rebalanceTimeoutMs;
            this.sessionTimeoutMs = sessionTimeoutMs;
            this.protocols = protocols;
        }

        boolean awaitingJoin() {
            return joinFuture != null;
        }

        Optional<byte[]> metadata(String protocol) {
            return protocols.stream().filter(p -> p.name().equals(protocol)).map(Protocol::metadata).findFirst();
        }

        boolean sameProtocols(List<Protocol> other) {
            if (other.size() != protocols.size()) {
                return false;
            }
            for (int i = 0; i < other.size(); i++) {
                if (!other.get(i).name().equals(protocols.get(i).name())
                        || !Arrays.equals(other.get(i).metadata(), protocols.get(i).metadata())) {
                    return false;
                }
            }
            return true;
        }
    }

    final String groupId;
    State state = State.EMPTY;
    long stateTimestamp;
    int generationId;
    String protocolType;
    String protocolName;
    String leaderId;
    final Map<String, Member> members = new LinkedHashMap<>();
    /** group.instance.id -> member id (KIP-345). */
    final Map<String, String> staticMembers = new HashMap<>();
    /** Member ids handed out with MEMBER_ID_REQUIRED (KIP-394), with the deadline to rejoin. */
    final Map<String, Long> pendingMembers = new HashMap<>();
    /** Members of the current generation that have not sent SyncGroup yet. */
    final Set<String> pendingSync = new HashSet<>();
    /** PreparingRebalance: when the join phase ends at the latest. */
    long joinDeadline = Long.MAX_VALUE;
    /** PreparingRebalance from Empty: the initial delay is running (group.initial.rebalance.delay.ms). */
    boolean initialDelayRunning;
    long initialDelayRemainingMs;
    /** CompletingRebalance: when members that have not synced are removed. */
    long syncDeadline = Long.MAX_VALUE;

    ClassicGroup(String groupId, long now) {
        this.groupId = groupId;
        this.stateTimestamp = now;
    }

    void transition(State next, long now) {
        state = next;
        stateTimestamp = now;
    }

    boolean isEmpty() {
        return members.isEmpty();
    }

    int rebalanceTimeoutMs() {
        int max = 0;
        for (Member member : members.values()) {
            max = Math.max(max, member.rebalanceTimeoutMs);
        }
        return max;
    }

    boolean allMembersJoined() {
        for (Member member : members.values()) {
            if (!member.awaitingJoin()) {
                return false;
            }
        }
        return pendingMembers.isEmpty();
    }

    /** Protocols every member supports. */
    Set<String> candidateProtocols() {
        Set<String> candidates = null;
        for (Member member : members.values()) {
            Set<String> names = new HashSet<>();
            member.protocols.forEach(p -> names.add(p.name()));
            if (candidates == null) {
                candidates = names;
            } else {
                candidates.retainAll(names);
            }
        }
        return candidates == null ? Set.of() : candidates;
    }

    boolean supportsProtocols(String type, List<Protocol> protocols) {
        if (isEmpty()) {
            return type != null && !type.isEmpty() && !protocols.isEmpty();
        }
        if (type == null || !type.equals(protocolType)) {
            return false;
        }
        Set<String> candidates = candidateProtocols();
        return protocols.stream().anyMatch(p -> candidates.contains(p.name()));
    }

    /** Each member votes for its most preferred candidate; most votes wins (Kafka's rule). */
    String selectProtocol() {
        Set<String> candidates = candidateProtocols();
        Map<String, Integer> votes = new LinkedHashMap<>();
        for (Member member : members.values()) {
            for (Protocol protocol : member.protocols) {
                if (candidates.contains(protocol.name())) {
                    votes.merge(protocol.name(), 1, Integer::sum);
                    break;
                }
            }
        }
        return votes.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey)
                .orElseThrow(() -> new IllegalStateException("no common protocol in " + groupId));
    }

    List<Member> membersList() {
        return new ArrayList<>(members.values());
    }

    /** The persisted form: generation, protocol, leader and members with their assignments. */
    byte[] snapshot() {
        GroupRecords.Writer w = new GroupRecords.Writer().writeShort(0)
                .writeString(protocolType).writeString(protocolName).writeInt(generationId).writeString(leaderId)
                .writeBoolean(state == State.STABLE || state == State.COMPLETING_REBALANCE)
                .writeLong(stateTimestamp).writeInt(members.size());
        for (Member m : members.values()) {
            w.writeString(m.memberId).writeString(m.instanceId).writeString(m.clientId).writeString(m.clientHost)
                    .writeInt(m.rebalanceTimeoutMs).writeInt(m.sessionTimeoutMs).writeInt(m.protocols.size());
            for (Protocol p : m.protocols) {
                w.writeString(p.name()).writeBytes(p.metadata());
            }
            w.writeBytes(m.assignment);
        }
        return w.toBytes();
    }

    /**
     * Restores a snapshot. A Stable group comes back Stable with its members, each given a full session
     * timeout from {@code ticks} (the deadlines' clock, {@link GroupCoordinator#ticks()}) to heartbeat again (Kafka does the same on coordinator load).
     */
    static ClassicGroup restore(String groupId, GroupRecords.Reader r, long ticks) {
        ClassicGroup group = new ClassicGroup(groupId, ticks); // stateTimestamp is read below
        r.readShort(); // snapshot version
        group.protocolType = r.readString();
        group.protocolName = r.readString();
        group.generationId = r.readInt();
        group.leaderId = r.readString();
        boolean stable = r.readBoolean();
        group.stateTimestamp = r.readLong();
        int count = r.readInt();
        for (int i = 0; i < count; i++) {
            String memberId = r.readString();
            String instanceId = r.readString();
            String clientId = r.readString();
            String host = r.readString();
            int rebalance = r.readInt();
            int session = r.readInt();
            int protocols = r.readInt();
            List<Protocol> list = new ArrayList<>(protocols);
            for (int j = 0; j < protocols; j++) {
                list.add(new Protocol(r.readString(), r.readBytes()));
            }
            Member member = new Member(memberId, instanceId, clientId, host, rebalance, session, list);
            member.assignment = r.readBytes();
            member.heartbeatDeadline = ticks + session;
            group.members.put(memberId, member);
            if (instanceId != null) {
                group.staticMembers.put(instanceId, memberId);
            }
        }
        if (!stable || group.members.isEmpty()) {
            group.members.clear();
            group.staticMembers.clear();
            group.leaderId = null;
            group.state = State.EMPTY;
        } else {
            group.state = State.STABLE;
        }
        return group;
    }
}
