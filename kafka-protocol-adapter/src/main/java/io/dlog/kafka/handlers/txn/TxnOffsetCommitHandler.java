package io.dlog.kafka.handlers.txn;

import io.dlog.kafka.BrokerContext;
import io.dlog.kafka.api.ApiHandler;
import io.dlog.kafka.api.RequestContext;
import io.dlog.kafka.group.GroupCoordinator;
import io.dlog.kafka.txn.TxnVerifier;
import io.dlog.log.PartitionLog;
import io.dlog.log.TopicPartition;
import io.dlog.log.VerificationGuard;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData;
import org.apache.kafka.common.message.TxnOffsetCommitResponseData;
import org.apache.kafka.common.protocol.Errors;

/**
 * TxnOffsetCommit, checked with the producer's transaction coordinator before the group coordinator
 * writes the offsets (KIP-890; Kafka's {@code scheduleTransactionalWriteOperation}): below v5 the
 * coordinator verifies that the group's {@code __consumer_offsets} partition is in the producer's open
 * transaction (AddOffsetsToTxn put it there), v5 (transaction version 2) adds it. The coordinator may be
 * another node ({@link TxnVerifier}). The partition's verification guard is taken before the check and
 * goes with the write, so a marker of the producer written meanwhile makes the log refuse it
 * (INVALID_TXN_STATE) rather than open a transaction no coordinator knows.
 *
 * <p>Refusals are Kafka 4's: a partition outside the transaction is TRANSACTION_ABORTABLE from v4 (the
 * version whose clients know it) and INVALID_TXN_STATE below; a fenced producer INVALID_PRODUCER_EPOCH;
 * other coordinator errors translated as Kafka's {@code CoordinatorOperationExceptionHelper} does. When
 * this node does not hold the group's offsets partition the group coordinator answers (NOT_COORDINATOR)
 * without asking the transaction coordinator. Stateless; thread-safe.
 */
public final class TxnOffsetCommitHandler implements ApiHandler<TxnOffsetCommitRequestData> {
    /** TxnOffsetCommit v4 is the first whose clients know TRANSACTION_ABORTABLE (KIP-890). */
    private static final short TRANSACTION_ABORTABLE_VERSION = 4;
    /** TxnOffsetCommit v5 adds the offsets partition to the transaction (transaction version 2). */
    private static final short ADD_VERSION = 5;

    private final BrokerContext context;
    private final TxnVerifier verifier;
    private final GroupCoordinator groups;

    public TxnOffsetCommitHandler(BrokerContext context, TxnVerifier verifier, GroupCoordinator groups) {
        this.context = context;
        this.verifier = verifier;
        this.groups = groups;
    }

    @Override
    public CompletionStage<TxnOffsetCommitResponseData> handle(RequestContext c, TxnOffsetCommitRequestData r) {
        TopicPartition tp = r.groupId() == null || r.groupId().isEmpty() ? null : TxnApis.offsetsPartition(context, r.groupId());
        Optional<PartitionLog> log = tp == null ? Optional.empty() : context.topics().partition(tp.topic(), tp.partition());
        if (log.isEmpty()) {
            return groups.txnOffsetCommit(c.apiVersion(), r, null); // not the group's coordinator: it says so
        }
        if (r.transactionalId() == null || r.transactionalId().isEmpty()) {
            return CompletableFuture.completedFuture(groups.txnOffsetCommitError(r, Errors.INVALID_REQUEST));
        }
        short version = c.apiVersion();
        // v5 is transaction version 2's: the epoch is bumped at every transaction's end
        VerificationGuard guard = log.get().startTransactionVerification(r.producerId(),
                org.apache.kafka.common.record.internal.RecordBatch.NO_SEQUENCE, r.producerEpoch(),
                version >= ADD_VERSION);
        return verifier.verify(r.transactionalId(), r.producerId(), r.producerEpoch(), List.of(tp), version >= ADD_VERSION)
                .thenCompose(failed -> failed.isEmpty() ? groups.txnOffsetCommit(version, r, guard)
                        : CompletableFuture.completedFuture(groups.txnOffsetCommitError(r, refusal(failed.get(tp), version))));
    }

    /** What the client gets for a failed check, as Kafka's leader and group coordinator translate it. */
    static Errors refusal(Errors error, short version) {
        return switch (error) {
            case TRANSACTION_ABORTABLE -> version >= TRANSACTION_ABORTABLE_VERSION ? error : Errors.INVALID_TXN_STATE;
            // retriable, and COORDINATOR_LOAD_IN_PROGRESS makes clients retry without looking the coordinator up
            case NETWORK_EXCEPTION -> Errors.COORDINATOR_LOAD_IN_PROGRESS;
            case UNKNOWN_TOPIC_OR_PARTITION, NOT_ENOUGH_REPLICAS, REQUEST_TIMED_OUT -> Errors.COORDINATOR_NOT_AVAILABLE;
            case NOT_LEADER_OR_FOLLOWER, KAFKA_STORAGE_ERROR -> Errors.NOT_COORDINATOR;
            default -> error;
        };
    }
}
