package io.dlog.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * One partition's log: Kafka RecordBatch v2 bytes in segments, stored verbatim except for the base
 * offset, the partition leader epoch and (LogAppendTime topics) the max timestamp.
 *
 * <p>Thread-safety: every method may be called from any thread. Appends are serialized by the
 * partition's single writer (an owner thread of the engine); readers never block the writer and see
 * offsets through volatile fields. Methods that return futures never block the caller, so they are
 * safe on a Netty event loop; the others may touch the disk briefly (reads of a header, index lookups).
 */
public interface PartitionLog {

    TopicPartition topicPartition();

    LogConfig config();

    /** Replaces the config; takes effect for the next append, roll and retention pass. */
    void updateConfig(LogConfig config);

    /**
     * Validates and appends one or more record batches (one produce request's records for this
     * partition). Validation covers magic (2 only), sizes, CRC32C, record count, max.message.bytes,
     * timestamps against the config, and idempotent-producer sequence and epoch. A duplicate of one of
     * the producer's last five batches succeeds with the original offsets and writes nothing.
     *
     * <p>The future completes after the write (flush mode OS) or after the fsync that covers it (FSYNC),
     * never exceptionally: failures are an {@link AppendResult} with an error.
     *
     * @param batches     the batches; the engine takes ownership and may rewrite header fields in place
     * @param leaderEpoch stamped into each batch and recorded in the leader-epoch cache
     */
    CompletableFuture<AppendResult> append(ByteBuffer batches, int leaderEpoch);

    /**
     * As {@link #append(ByteBuffer, int)}, for a transactional producer's batches checked with the transaction
     * coordinator: if the producer has no open transaction on this partition when the append is written, it must
     * carry the guard this log still holds for the producer (see {@link VerificationGuard}), else it is refused
     * with INVALID_TXN_STATE and nothing is written.
     */
    CompletableFuture<AppendResult> append(ByteBuffer batches, int leaderEpoch, VerificationGuard guard);

    /**
     * Starts the transaction check of a producer's batch (Kafka's maybeStartTransactionVerification): the guard
     * its append must carry, the one already handed out if still held (then raised to {@code epoch} if that is
     * higher), or {@link VerificationGuard#SENTINEL} when the producer's transaction is open here at
     * {@code epoch}. While a check is in progress no batch of the producer above the lowest {@code sequence}
     * checked at the newest epoch is written (OUT_OF_ORDER_SEQUENCE_NUMBER, retried by the client after the lower
     * one), as in Kafka. The producer's next marker withdraws the guard, except, when {@code epochBumps} (transaction
     * version 2: every transaction's end bumps the epoch, and its markers carry the new one), a marker at the
     * guard's own epoch: that is the previous transaction's end, which may land after the next transaction's
     * first batch was read (as in Kafka 4). Any thread; never blocks.
     */
    VerificationGuard startTransactionVerification(long producerId, int sequence, short epoch, boolean epochBumps);

    /**
     * A follower's append: batches exactly as the leader wrote them (base offsets, partition leader epoch,
     * producer fields, transaction markers), stored verbatim. Checked for what the bytes must satisfy only
     * (length, magic 2, CRC32C, record count, codec, a marker's layout); the topic's limits (max.message.bytes,
     * timestamps, keys) are the leader's business, as in Kafka. The first batch must start at the log end
     * offset and each next one right after the previous one: a cleaned leader log with offset gaps is
     * refused, so the replication layer fetches from the follower's log end and copies batch by batch.
     *
     * <p>Applied as the leader applied them: the leader-epoch cache records each batch's epoch at its base
     * offset, producer and transaction state replay the batches without sequence checks (the leader made
     * them), abort markers go to the aborted-transaction index, and a large append rolls segments at
     * segment.bytes. Runs on the partition's writer thread like {@link #append}, or under FLUSH OS on the
     * calling thread when the writer has nothing queued or running, rolls and checkpoint fsyncs included:
     * call it from a thread that may block (a fetcher), never from a network event loop. Completes after
     * the write (FLUSH OS) or the covering fsync (FSYNC).
     *
     * <p>The future completes with an {@link AppendResult} (the batches' offsets, or CORRUPT_MESSAGE,
     * KAFKA_STORAGE_ERROR, NOT_LEADER_OR_FOLLOWER), or exceptionally with
     * {@link UnexpectedAppendOffsetException} when the batches do not continue the log; in both failure
     * cases nothing was written (except after an I/O error, which takes the partition offline).
     */
    CompletableFuture<AppendResult> appendAsFollower(ByteBuffer batches);

    /**
     * Whole batches from the one containing {@code fetchOffset}, up to {@code maxBytes} and below
     * {@code maxOffset} (exclusive: the high watermark or the last stable offset). When
     * {@code minOneBatch}, the first batch is returned even if larger than maxBytes (Kafka's KIP-74 rule).
     *
     * @throws OffsetOutOfRangeException fetchOffset &lt; log start offset or &gt; log end offset
     */
    FetchSlice read(long fetchOffset, int maxBytes, long maxOffset, boolean minOneBatch)
            throws OffsetOutOfRangeException, IOException;

    /**
     * A read_committed read: {@link #read} bounded by the last stable offset, plus the aborted
     * transactions the slice overlaps, from the segments' aborted-transaction indexes.
     *
     * @throws OffsetOutOfRangeException fetchOffset &lt; log start offset or &gt; log end offset
     */
    CommittedRead readCommitted(long fetchOffset, int maxBytes, boolean minOneBatch)
            throws OffsetOutOfRangeException, IOException;

    /**
     * Aborted transactions with a first offset below {@code upperBoundOffset} and an abort marker at or
     * after {@code fromOffset}, in first-offset order (what the log cleaner needs to drop aborted data).
     */
    List<AbortedTransaction> abortedTransactions(long fromOffset, long upperBoundOffset);

    long logStartOffset();

    long logEndOffset();

    /**
     * Offsets below are committed and visible to consumers. Not replicated: the log end offset (FLUSH OS)
     * or the last fsynced offset (FSYNC), moved by appends and group commits. Replicated
     * ({@link #setReplicated}): moved only by {@link #updateHighWatermark}. Never goes down except through
     * {@link #truncateTo} below it or {@link #truncateFullyAndStartAt}; after a restart of a replicated
     * partition it is the last checkpoint (at most {@code 5 s} old) capped by the recovered log end, so it
     * may report less than before the restart until the replication layer moves it again (data below the
     * log end stays readable for the replication layer; consumers wait).
     */
    long highWatermark();

    /**
     * The end of what this node holds durably: the last fsynced offset in FSYNC mode, the log end offset
     * in FLUSH OS mode (durability from replication). The high watermark never passes it.
     */
    long durableEndOffset();

    /** Whether the high watermark is under the replication layer's control ({@link #setReplicated}). */
    boolean isReplicated();

    /**
     * Replicated mode on or off. On: appends and group commits no longer move the high watermark; the mode
     * is written to disk at once (the high-watermark checkpoint) so a restart stays in it. Off: the high
     * watermark catches up with {@link #durableEndOffset} and follows it again. Runs on the writer thread.
     */
    CompletableFuture<Void> setReplicated(boolean replicated);

    /**
     * Replicated mode: moves the high watermark to {@code highWatermark}, capped by
     * {@link #durableEndOffset}; a lower value than the one in force changes nothing (monotonic). The last
     * stable offset follows (a transaction whose marker falls below the new high watermark becomes stable).
     * Persisted lazily: a checkpoint written every 5 s (Kafka's replica.high.watermark.checkpoint.interval.ms)
     * and at close. Runs on the writer thread, or on the calling thread when the writer is idle (memory
     * only, so an event loop may call it); completes with the high watermark in force. In the
     * unreplicated mode the high watermark already equals the durable end and this only reports it.
     */
    CompletableFuture<Long> updateHighWatermark(long highWatermark);

    /**
     * Offsets below are committed and belong to no open transaction: the first offset of the earliest
     * transaction still open (or whose marker is not yet below the high watermark), else the high
     * watermark; never above the high watermark. read_committed consumers read up to here.
     */
    long lastStableOffset();

    /** Bytes on disk across all segments. */
    long sizeInBytes();

    /** Segments on disk (Kafka's NumLogSegments); readable from any thread. */
    int segmentCount();

    /**
     * The sealed segments (every segment but the active one), in offset order, as they are now; any thread,
     * never blocks. Segments may go (retention, cleaning, truncation) right after: callers that derive data
     * from one check it again before use ({@link SealedSegment} says what identifies one).
     */
    List<SealedSegment> sealedSegments();

    /** Whether an I/O failure took the log offline (sticky: every later call fails fast). */
    boolean isOffline();

    /** The latest leader epoch recorded, or -1. */
    int latestLeaderEpoch();

    EpochEndOffset endOffsetForEpoch(int leaderEpoch);

    /**
     * A new leader's first act (Kafka's leader-epoch cache assignment on becoming leader): records that
     * {@code leaderEpoch} starts at the current log end offset, so OffsetForLeaderEpoch and followers'
     * divergence checks see the new epoch before its first batch. Ignored unless newer than the latest
     * recorded epoch. Runs on the writer thread (after the appends queued before it); completes with the
     * latest epoch in force.
     */
    CompletableFuture<Integer> assignLeaderEpoch(int leaderEpoch);

    /** First batch with max timestamp &gt;= timestamp, at or above the log start offset. */
    Optional<TimestampLookup> lookupTimestamp(long timestamp) throws IOException;

    /** The earliest batch holding the partition's largest timestamp. */
    Optional<TimestampLookup> lookupMaxTimestamp() throws IOException;

    /**
     * DeleteRecords: moves the log start offset to {@code offset} (durably) and drops segments wholly
     * below it. Returns the new log start offset.
     *
     * @throws OffsetOutOfRangeException offset &gt; high watermark
     */
    CompletableFuture<Long> deleteRecordsBefore(long offset) throws OffsetOutOfRangeException;

    /**
     * Replica truncation (a follower's divergent tail): removes every batch at or above {@code offset}. A
     * batch that contains {@code offset} is never split: the log is cut before it, so the new log end is the
     * largest batch boundary &lt;= {@code offset} (or {@code offset} itself when it lies in a gap the cleaner
     * made). Nothing happens when {@code offset} &gt;= the log end; below the log start it is
     * {@link #truncateFullyAndStartAt}.
     *
     * <p>Afterwards segments, offset and time indexes, the leader-epoch cache (epochs starting at or after
     * the new end are dropped), producer state (the newest snapshot at or below the new end plus a replay of
     * the batches after it), the aborted-transaction indexes and the last stable offset describe the kept
     * log, on disk too; the high watermark is clamped to the new end. Appends waiting for an fsync are made
     * durable and answered first. Runs on the writer thread; the future fails with an IOException when the
     * partition is (or goes) offline.
     *
     * <p>Reads in flight: offsets are lowered before any byte goes, so a read that starts afterwards sees
     * only the kept log (a fetch above the new end gets {@link OffsetOutOfRangeException}). A slice already
     * handed out for a removed segment stays readable for {@code file.delete.delay.ms}; one in the segment
     * cut in place meets the end of its file (an IOException on that read or send, the broker carries on)
     * or, if the follower appended meanwhile, whole batches of the new log at those positions.
     */
    CompletableFuture<Void> truncateTo(long offset);

    /**
     * Empties the log and restarts it at {@code offset} (a follower whose log diverges entirely, or lies
     * below the leader's log start): every segment goes, the log start, log end, high watermark and last
     * stable offset become {@code offset} (the log start durably), epochs and producer state are cleared.
     * Same threading and read guarantees as {@link #truncateTo}.
     */
    CompletableFuture<Void> truncateFullyAndStartAt(long offset);

    /**
     * Active idempotent and transactional producers, for DescribeProducers; a producer inside a
     * transaction shows the offset of its first batch on this partition.
     */
    List<ProducerSnapshot> activeProducers();
}
