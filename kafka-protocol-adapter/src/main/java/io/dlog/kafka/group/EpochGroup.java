package io.dlog.kafka.group;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.slf4j.Logger;

/**
 * What KIP-848 consumer groups and KIP-1071 streams groups share: members that carry epochs, heartbeat
 * within a session timeout and give back what they must revoke within the rebalance timeout, and a group
 * epoch that the server-side target assignment (at the assignment epoch) catches up with. Plain data,
 * extended by {@link ConsumerGroup} and {@link StreamsGroup}. Not thread-safe: only touched under the
 * coordinator's lock.
 *
 * @param <M> the kind of member
 */
abstract class EpochGroup<M extends EpochGroup.EpochMember> {

    /**
     * Where a member is in reconciling towards its target (Kafka's MemberState: UNREVOKED_PARTITIONS or
     * _TASKS, UNRELEASED_...). Snapshots store the ordinal: never reorder.
     */
    enum MemberState { STABLE, UNREVOKED, UNRELEASED }

    /** A member with an epoch, a session, a reconciliation state and a revocation deadline. */
    abstract static class EpochMember {
        final String memberId;
        String instanceId;
        String rackId;
        int rebalanceTimeoutMs;
        int memberEpoch;
        int previousMemberEpoch;
        long heartbeatDeadline;
        long revocationDeadline = Long.MAX_VALUE;
        MemberState state = MemberState.STABLE;

        EpochMember(String memberId) {
            this.memberId = memberId;
        }
    }

    final String groupId;
    int groupEpoch;
    int assignmentEpoch;
    long emptySince;
    final Map<String, M> members = new LinkedHashMap<>();

    EpochGroup(String groupId, long now) {
        this.groupId = groupId;
        this.emptySince = now;
    }

    /**
     * Every member is at the assignment epoch and stable: the group is Stable rather than Reconciling. A static
     * member away at epoch -2 (streams groups) counts as stable, as on Kafka: it holds its tasks and reconciles nothing.
     */
    boolean reconciled() {
        for (M m : members.values()) {
            if (m.memberEpoch == -2) {
                continue;
            }
            if (m.memberEpoch != assignmentEpoch || m.state != MemberState.STABLE) {
                return false;
            }
        }
        return true;
    }

    /**
     * Session expiry and the revocation deadline (rebalance timeout): each member past either is handed to
     * {@code remove}. True when one was.
     */
    boolean removeExpired(long now, String kind, Logger log, Consumer<M> remove) {
        boolean removed = false;
        for (M member : new ArrayList<>(members.values())) {
            boolean expired = member.heartbeatDeadline <= now;
            boolean tooSlow = member.state == MemberState.UNREVOKED && member.revocationDeadline <= now;
            if (expired || tooSlow) {
                log.info("Member {} of {} group {} removed: {}", member.memberId, kind, groupId,
                        expired ? "session timeout" : "did not revoke within the rebalance timeout");
                remove.accept(member);
                removed = true;
            }
        }
        return removed;
    }
}
