package io.dlog.kafka.common;

import io.dlog.log.PartitionLog;
import java.util.Optional;
import org.apache.kafka.common.protocol.Errors;

/** The leader epoch a partition serves with, and Kafka's check of the epoch a client believes current (KIP-320). */
public final class LeaderEpochs {
    private LeaderEpochs() {
    }

    /** Epoch 0 until the partition's log records one (single node: the first and only leader). */
    public static int current(PartitionLog log) {
        return Math.max(0, log.latestLeaderEpoch());
    }

    /**
     * @param clientEpoch the client's current leader epoch, -1 when it has none
     * @return UNKNOWN_LEADER_EPOCH when the client is ahead, FENCED_LEADER_EPOCH when behind
     */
    public static Optional<Errors> validate(int clientEpoch, PartitionLog log) {
        return validate(clientEpoch, current(log));
    }

    /**
     * The same check against a known epoch (a follower checks a consumer against the epoch it follows the
     * partition at: its log may not yet hold that epoch's first batch).
     */
    public static Optional<Errors> validate(int clientEpoch, int epoch) {
        if (clientEpoch < 0 || clientEpoch == epoch) {
            return Optional.empty();
        }
        return Optional.of(clientEpoch > epoch ? Errors.UNKNOWN_LEADER_EPOCH : Errors.FENCED_LEADER_EPOCH);
    }
}
