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
     * segment.bytes. Runs on the partition's writer thread like {@link #append}; completes after the write
     * (FLUSH OS) or the covering fsync (FSYNC).
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

    /** Offsets below are committed: FLUSH OS: the log end offset; FSYNC: the last fsynced offset. */
    long highWatermark();

    /**
     * Offsets below are committed and belong to no open transaction: the first offset of the earliest
     * transaction still open (or whose marker is not yet below the high watermark), else the high
     * watermark. read_committed consumers read up to here.
     */
    long lastStableOffset();

    /** Bytes on disk across all segments. */
    long sizeInBytes();

    /** The latest leader epoch recorded, or -1. */
    int latestLeaderEpoch();

    EpochEndOffset endOffsetForEpoch(int leaderEpoch);

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
     * Active idempotent and transactional producers, for DescribeProducers; a producer inside a
     * transaction shows the offset of its first batch on this partition.
     */
    List<ProducerSnapshot> activeProducers();
}
