package io.dlog.kafka.handlers.fetch;

import io.dlog.kafka.common.LeaderEpochs;
import io.dlog.kafka.server.FileSliceRecords;
import io.dlog.kafka.topic.TopicService;
import io.dlog.log.AbortedTransaction;
import io.dlog.kafka.replica.ReplicaManager;
import io.dlog.log.CommittedRead;
import io.dlog.log.EpochEndOffset;
import io.dlog.log.TopicPartition;
import io.dlog.log.FetchSlice;
import io.dlog.log.OffsetOutOfRangeException;
import io.dlog.log.PartitionLog;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.FetchResponseData.PartitionData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;

/**
 * Reads the partitions of a {@link FetchPlan} within its byte limits: whole batches, zero-copy slices
 * of segment files, the first partition with data allowed to exceed the limit by one batch (KIP-74).
 * read_committed reads stop at the last stable offset and carry the aborted transactions they overlap;
 * read_uncommitted reads carry no aborted list (null), as in Kafka. A consumer's Fetch v11+ (KIP-392) may be
 * answered by the leader with a preferred read replica and no records, and may be served by a follower, up to
 * the follower's high watermark (or last stable offset), never beyond: an offset between the follower's high
 * watermark and its log end gets no records yet, one past its log end OFFSET_OUT_OF_RANGE (the consumer then
 * returns to the leader), as Kafka's follower answers.
 * Stateless; safe from any thread.
 */
final class FetchReader {
    private final TopicService topics;

    FetchReader(TopicService topics) {
        this.topics = topics;
    }

    /**
     * The partitions' answers in plan order, and the bytes they carry. In an incremental follower fetch a partition
     * with nothing new (no records, no error, offsets as the session last told them) has a null answer: the
     * response leaves it out anyway, and an idle partition costs no answer object on every fetch.
     */
    record Result(List<PartitionData> partitions, int bytes, boolean anyError) {
    }

    Result read(FetchPlan plan) {
        List<PartitionData> answers = new ArrayList<>(plan.items().size());
        int remaining = plan.maxBytes();
        int total = 0;
        boolean anyError = false;
        for (FetchPlan.Item item : plan.items()) {
            int limit = Math.max(0, Math.min(item.maxBytes(), remaining));
            PartitionData answer = plan.fromFollower()
                    ? readForFollower(item, plan.replicaId(), limit, total == 0,
                            plan.incremental() ? plan.session() : null)
                    : readPartition(plan, item, limit, total == 0);
            if (answer == null) {
                answers.add(null);
                continue;
            }
            int bytes = answer.records() == null ? 0 : answer.records().sizeInBytes();
            total += bytes;
            remaining -= bytes;
            // A divergence answers at once, like an error: the follower must truncate before fetching on; so does a
            // preferred read replica: the consumer must go there.
            anyError |= answer.errorCode() != Errors.NONE.code() || answer.divergingEpoch().epoch() >= 0
                    || answer.preferredReadReplica() >= 0;
            answers.add(answer);
        }
        return new Result(answers, total, anyError);
    }

    private PartitionData readPartition(FetchPlan plan, FetchPlan.Item item, int maxBytes, boolean minOneBatch) {
        boolean readCommitted = plan.readCommitted();
        PartitionData answer = new PartitionData().setPartitionIndex(item.key().partition())
                .setAbortedTransactions(readCommitted ? new ArrayList<>() : null)
                .setRecords(MemoryRecords.EMPTY);
        if (item.preError() != null) {
            return offsets(answer.setErrorCode(item.preError().code()), -1, -1, -1);
        }
        ReplicaManager replicas = topics.replicas();
        Optional<PartitionLog> found = topics.partition(item.topic(), item.key().partition());
        // A log was found (leader) or may be (follower): a partition index >= 0 either way.
        TopicPartition tp = found.isPresent() || plan.clientMetadata() ? item.tp() : null;
        PartitionLog log;
        Optional<Errors> stale;
        if (found.isPresent()) {
            log = found.get();
            stale = LeaderEpochs.validate(item.currentLeaderEpoch(), log);
            int preferred = stale.isEmpty() && plan.clientMetadata() && replicas != null
                    ? replicas.preferredReadReplica(tp, plan.clientRack(), plan.listener(), item.fetchOffset()) : -1;
            if (preferred >= 0) {
                // KIP-392, as Kafka's leader answers: no records, the leader's offsets, and where to read instead.
                return offsets(answer.setErrorCode(Errors.NONE.code()), log.highWatermark(), log.lastStableOffset(),
                        log.logStartOffset()).setPreferredReadReplica(preferred);
            }
        } else {
            // A consumer the leader sent here (Fetch v11+ may read from a follower, older versions only from the leader).
            Optional<ReplicaManager.FollowerRead> follower = tp != null && replicas != null
                    ? replicas.followerRead(tp) : Optional.empty();
            if (follower.isEmpty()) {
                return offsets(answer.setErrorCode(topics.notServedError(item.topic(), item.key().partition()).code()), -1, -1, -1);
            }
            log = follower.get().log();
            stale = LeaderEpochs.validate(item.currentLeaderEpoch(), follower.get().leaderEpoch());
        }
        if (stale.isPresent()) {
            return offsets(answer.setErrorCode(stale.get().code()), log.highWatermark(), log.lastStableOffset(), log.logStartOffset());
        }
        try {
            FetchSlice slice;
            if (readCommitted) {
                CommittedRead read = log.readCommitted(item.fetchOffset(), maxBytes, minOneBatch);
                slice = read.slice();
                for (AbortedTransaction aborted : read.aborted()) {
                    answer.abortedTransactions().add(new FetchResponseData.AbortedTransaction()
                            .setProducerId(aborted.producerId()).setFirstOffset(aborted.firstOffset()));
                }
            } else {
                slice = log.read(item.fetchOffset(), maxBytes, log.highWatermark(), minOneBatch);
            }
            answer.setErrorCode(Errors.NONE.code());
            if (slice.length() > 0) {
                answer.setRecords(new FileSliceRecords(slice));
            }
            return offsets(answer, slice.highWatermark(), slice.lastStableOffset(), slice.logStartOffset());
        } catch (OffsetOutOfRangeException e) {
            return offsets(answer.setErrorCode(Errors.OFFSET_OUT_OF_RANGE.code()), log.highWatermark(),
                    log.lastStableOffset(), log.logStartOffset());
        } catch (IOException e) {
            return offsets(answer.setErrorCode(Errors.KAFKA_STORAGE_ERROR.code()), -1, -1, -1);
        }
    }

    /**
     * A follower's read: the leader's log up to its end (uncommitted batches included: committing them is
     * what the follower is for), or the point where the follower's log diverges (its last fetched epoch ends
     * earlier here, or is unknown here). The fetch offset is the follower's log end: it moves the high watermark.
     * A replica the leader's replication quota holds back gets its offsets and no records (Kafka's leader throttle:
     * its fetch then waits in the purgatory as one with nothing to read does).
     *
     * @param incremental the fetch's incremental session, or null: with one, a partition with nothing new answers
     *                    null (see {@link Result})
     */
    private PartitionData readForFollower(FetchPlan.Item item, int replicaId, int maxBytes, boolean minOneBatch,
                                          FetchSession incremental) {
        ReplicaManager replicas = topics.replicas();
        if (item.preError() != null || replicas == null) {
            Errors error = item.preError() != null ? item.preError() : Errors.NOT_LEADER_OR_FOLLOWER;
            return offsets(emptyAnswer(item).setErrorCode(error.code()), -1, -1, -1);
        }
        TopicPartition tp = item.tp();
        if (tp == null) { // a negative partition index
            return offsets(emptyAnswer(item).setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code()), -1, -1, -1);
        }
        Optional<PartitionLog> found = replicas.leaderLog(tp);
        Errors refused = found.isEmpty() ? topics.notServedError(item.topic(), item.key().partition())
                : replicas.checkFollowerFetch(tp, item.currentLeaderEpoch());
        if (refused != Errors.NONE) {
            return offsets(emptyAnswer(item).setErrorCode(refused.code()), -1, -1, -1);
        }
        PartitionLog log = found.get();
        if (item.lastFetchedEpoch() >= 0) {
            EpochEndOffset end = log.endOffsetForEpoch(item.lastFetchedEpoch());
            if (end.endOffset() < item.fetchOffset() || end.leaderEpoch() < item.lastFetchedEpoch()) {
                PartitionData answer = emptyAnswer(item);
                answer.divergingEpoch().setEpoch(end.leaderEpoch()).setEndOffset(end.endOffset());
                return offsets(answer.setErrorCode(Errors.NONE.code()), log.highWatermark(), log.lastStableOffset(),
                        log.logStartOffset());
            }
        }
        replicas.onFollowerFetch(tp, replicaId, item.fetchOffset(), item.logStartOffset());
        if (incremental != null && item.fetchOffset() == log.logEndOffset()
                && incremental.toldOffsets(item.key(), log.highWatermark(), log.lastStableOffset(),
                        log.logStartOffset())) {
            return null; // caught up and told the current offsets: nothing to send
        }
        PartitionData answer = emptyAnswer(item);
        try {
            FetchSlice slice = log.read(item.fetchOffset(), maxBytes, log.logEndOffset(), minOneBatch);
            if (slice.length() > 0 && !replicas.shouldLeaderThrottle(tp, replicaId)) {
                answer.setRecords(new FileSliceRecords(slice));
            }
            return offsets(answer.setErrorCode(Errors.NONE.code()), log.highWatermark(), log.lastStableOffset(),
                    log.logStartOffset());
        } catch (OffsetOutOfRangeException e) {
            return offsets(answer.setErrorCode(Errors.OFFSET_OUT_OF_RANGE.code()), log.highWatermark(),
                    log.lastStableOffset(), log.logStartOffset());
        } catch (IOException e) {
            return offsets(answer.setErrorCode(Errors.KAFKA_STORAGE_ERROR.code()), -1, -1, -1);
        }
    }

    private static PartitionData emptyAnswer(FetchPlan.Item item) {
        return new PartitionData().setPartitionIndex(item.key().partition()).setRecords(MemoryRecords.EMPTY);
    }

    private static PartitionData offsets(PartitionData answer, long highWatermark, long lastStable, long logStart) {
        return answer.setHighWatermark(highWatermark).setLastStableOffset(lastStable).setLogStartOffset(logStart)
                .setPreferredReadReplica(-1);
    }
}
