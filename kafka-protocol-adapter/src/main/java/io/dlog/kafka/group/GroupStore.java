package io.dlog.kafka.group;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Where the coordinator's records go: one partition of {@code __consumer_offsets} per group. The
 * seam that lets the state machine be tested without a log engine.
 *
 * <p>Implementations are thread-safe; {@link #append} never blocks the caller.
 */
interface GroupStore {

    /** Partitions of the offsets topic (fixed once created). */
    int partitions();

    /** Appends the records to one partition; completes once they are durable per the topic's flush mode. */
    CompletableFuture<Void> append(int partition, List<GroupRecords.Record> records);

    /**
     * Appends the records as a transactional batch of the producer (TxnOffsetCommit): they count only once
     * the transaction's commit marker follows them in the partition. Completes with the engine's result.
     *
     * @param guard the verification guard of the transaction check made for this write (KIP-890), or null
     */
    CompletableFuture<io.dlog.log.AppendResult> appendTransactional(int partition, List<GroupRecords.Record> records,
                                                                    long producerId, short producerEpoch,
                                                                    io.dlog.log.VerificationGuard guard);

    /**
     * Replays every record of every partition in log order: records of committed transactions at their
     * commit marker, of aborted ones never, of still open ones through {@link GroupRecords.Visitor#pendingOffset}.
     * Blocking; called once at start-up.
     */
    void replay(GroupRecords.Visitor visitor) throws IOException;

    /** {@link #replay} of one partition (this node became its leader). Blocking. */
    void replay(int partition, GroupRecords.Visitor visitor) throws IOException;
}
