package io.dlog.kafka.group;

import org.apache.kafka.common.protocol.Errors;

/**
 * The member-epoch checks OffsetCommit and OffsetFetch make for groups whose members carry epochs
 * (KIP-848 consumer groups, KIP-1071 streams groups), as Kafka makes them. Stateless.
 */
final class MemberEpochs {
    private MemberEpochs() {
    }

    /**
     * An OffsetCommit's check. A commit without member id and a negative epoch is an admin's (or an
     * assign() consumer's): allowed only while the group has no members.
     *
     * @param currentEpoch the named member's epoch, null when the group has no such member
     */
    static Errors commit(boolean groupEmpty, Integer currentEpoch, String memberId, int memberEpoch) {
        if (memberEpoch < 0 && (memberId == null || memberId.isEmpty())) {
            return groupEmpty ? Errors.NONE : Errors.UNKNOWN_MEMBER_ID;
        }
        return fetch(currentEpoch, memberEpoch);
    }

    /** An OffsetFetch's check by a member: it must exist, at the epoch it names. */
    static Errors fetch(Integer currentEpoch, int memberEpoch) {
        if (currentEpoch == null) {
            return Errors.UNKNOWN_MEMBER_ID;
        }
        return memberEpoch == currentEpoch ? Errors.NONE : Errors.STALE_MEMBER_EPOCH;
    }
}
