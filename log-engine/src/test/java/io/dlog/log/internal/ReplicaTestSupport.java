package io.dlog.log.internal;

import io.dlog.log.EpochEndOffset;
import io.dlog.log.PartitionLog;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The follower's side of replication as Kafka's fetcher runs it, for storage tests (no network). */
final class ReplicaTestSupport {
    private ReplicaTestSupport() {
    }

    /** Every batch of a log from {@code from} to its end, across segments, as a fetch would copy them. */
    static ByteBuffer logBytes(PartitionLog log, long from) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long next = from;
        while (next < log.logEndOffset()) {
            ByteBuffer slice = LogTestSupport.bytes(log.read(next, Integer.MAX_VALUE, Long.MAX_VALUE, true));
            if (slice.limit() == 0) {
                break;
            }
            int at = 0;
            while (at < slice.limit()) {
                next = BatchFormat.baseOffset(slice, at) + BatchFormat.lastOffsetDelta(slice, at) + 1;
                at += BatchFormat.totalSize(slice, at);
            }
            out.writeBytes(slice.array());
        }
        return ByteBuffer.wrap(out.toByteArray());
    }

    /** Copies the leader's batches from the follower's log end, as a replica fetch would. */
    static void replicate(PartitionLog leader, PartitionLog follower) throws Exception {
        if (follower.logEndOffset() < leader.logEndOffset()) {
            follower.appendAsFollower(logBytes(leader, follower.logEndOffset())).get(10, TimeUnit.SECONDS);
        }
    }

    /**
     * KIP-101/KIP-279: the follower asks the leader for the end of its latest epoch; when the leader answers
     * an older epoch, the follower's own end of that epoch bounds the cut too. Then it catches up.
     *
     * @return the offset the follower truncated to
     */
    static long reconcile(PartitionLog leader, PartitionLog follower) throws Exception {
        long cut = follower.logEndOffset();
        if (follower.latestLeaderEpoch() >= 0) {
            EpochEndOffset answer = leader.endOffsetForEpoch(follower.latestLeaderEpoch());
            if (answer.endOffset() < 0) {
                cut = Math.min(follower.highWatermark(), cut); // Kafka's fallback: keep only what was committed
            } else {
                cut = Math.min(answer.endOffset(), cut);
                if (answer.leaderEpoch() != follower.latestLeaderEpoch()) {
                    cut = Math.min(cut, follower.endOffsetForEpoch(answer.leaderEpoch()).endOffset());
                }
            }
        }
        follower.truncateTo(cut).get(10, TimeUnit.SECONDS);
        replicate(leader, follower);
        return cut;
    }

    /** Same bytes, same epochs, same producer and transaction state. */
    static void assertSameLog(PartitionLog leader, PartitionLog follower) throws Exception {
        assertThat(logBytes(follower, 0)).isEqualTo(logBytes(leader, 0));
        for (int epoch = 0; epoch <= leader.latestLeaderEpoch() + 1; epoch++) {
            assertThat(follower.endOffsetForEpoch(epoch)).as("epoch %d", epoch).isEqualTo(leader.endOffsetForEpoch(epoch));
        }
        assertThat(follower.activeProducers()).isEqualTo(leader.activeProducers());
        assertThat(follower.lastStableOffset()).isEqualTo(leader.lastStableOffset());
        assertThat(follower.abortedTransactions(0, Long.MAX_VALUE)).isEqualTo(leader.abortedTransactions(0, Long.MAX_VALUE));
    }
}
