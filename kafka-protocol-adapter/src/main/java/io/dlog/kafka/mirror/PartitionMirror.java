package io.dlog.kafka.mirror;

import io.dlog.log.AppendResult;
import io.dlog.log.OffsetOutOfRangeException;
import io.dlog.log.PartitionLog;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.DefaultRecordBatch;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.RecordBatch;

/**
 * One mirror partition: turns what the source's Fetch returned into follower appends on the local log, so
 * the local log holds the source's batches at the source's offsets.
 *
 * <p>Invariants: the local log only ever receives whole source batches, in order, starting at its log end;
 * the next fetch asks the source for the log end. Offsets the source no longer has (a cleaned log's gaps
 * between batches) are covered by an empty batch, as Kafka's cleaner itself leaves empty batches: no record
 * is invented and the offsets stay the source's. The local log start follows the source's.
 *
 * <p>Also a replica follower's append ({@code io.dlog.kafka.replica.ReplicaFetcherThread}): a follower copies
 * its leader exactly as a mirror copies its source, gaps of a cleaned leader log included.
 *
 * <p>Not thread-safe: owned by its {@link MirrorFetcher}'s thread (or a replica fetcher's), which may block here.
 */
public final class PartitionMirror {
    private static final long APPEND_TIMEOUT_MS = 60_000;

    private final PartitionLog log;

    public PartitionMirror(PartitionLog log) {
        this.log = log;
    }

    PartitionLog log() {
        return log;
    }

    /** Where the next fetch from the source starts: the local log end. */
    long fetchOffset() {
        return log.logEndOffset();
    }

    /**
     * The source refused the fetch offset as out of range. Below its log start: the local log restarts at the
     * source's log start (the records before it are gone from the source). Above its end: the source lost data
     * the mirror holds (an unclean source election, a re-created topic): refused, a person must look.
     */
    void onOffsetOutOfRange(long sourceLogStart, long sourceLogEnd) throws IOException {
        long end = log.logEndOffset();
        if (end < sourceLogStart) {
            await(log.truncateFullyAndStartAt(sourceLogStart));
        } else if (end > sourceLogEnd) {
            throw new IOException(log.topicPartition() + ": the mirror holds offsets up to " + end
                    + " but the source partition ends at " + sourceLogEnd + "; the mirror stops here");
        }
    }

    /**
     * Appends the complete batches of one fetch response (a trailing partial batch is left for the next
     * fetch), then moves the local log start up to the source's.
     *
     * @return the number of bytes appended
     */
    public int onRecords(MemoryRecords records, long sourceLogStart) throws IOException {
        ByteBuffer buf = records.buffer();
        List<ByteBuffer> pieces = new ArrayList<>();
        long expected = log.logEndOffset();
        boolean empty = log.logStartOffset() == expected;
        int at = buf.position();
        int runStart = -1; // start of the current run of source bytes taken as they are
        int bytes = 0;
        for (MutableRecordBatch batch : records.batches()) {
            int size = batch.sizeInBytes();
            if (batch.magic() != RecordBatch.MAGIC_VALUE_V2) {
                throw new IOException(log.topicPartition() + ": the source sent a v" + batch.magic()
                        + " batch at offset " + batch.baseOffset() + "; only v2 batches can be mirrored");
            }
            boolean skip = batch.lastOffset() < expected;
            if (!skip && batch.baseOffset() < expected) {
                if (runStart >= 0 || !pieces.isEmpty() || !empty) {
                    throw new IOException(log.topicPartition() + ": source batch " + batch.baseOffset() + "-"
                            + batch.lastOffset() + " straddles the mirror's log end " + expected);
                }
                // The source's log start lies inside this batch (DeleteRecords mid-batch): keep the whole
                // batch and move the log start afterwards, as the source keeps it.
                await(log.truncateFullyAndStartAt(batch.baseOffset()));
                expected = batch.baseOffset();
            }
            boolean gap = !skip && batch.baseOffset() > expected;
            if ((skip || gap) && runStart >= 0) {
                pieces.add(buf.duplicate().limit(at).position(runStart).slice());
                runStart = -1;
            }
            if (gap) {
                pieces.add(gapBatch(expected, batch.baseOffset() - 1, batch.partitionLeaderEpoch()));
            }
            if (!skip) {
                runStart = runStart < 0 ? at : runStart;
                bytes += size;
                expected = batch.lastOffset() + 1;
            }
            at += size;
        }
        if (runStart >= 0) {
            pieces.add(buf.duplicate().limit(at).position(runStart).slice());
        }
        if (!pieces.isEmpty()) {
            append(concat(pieces));
        }
        followLogStart(sourceLogStart);
        return bytes;
    }

    /** Moves the local log start to the source's (retention or DeleteRecords there), within what is committed here. */
    void followLogStart(long sourceLogStart) throws IOException {
        long target = Math.min(sourceLogStart, log.highWatermark());
        if (target > log.logStartOffset()) {
            try {
                await(log.deleteRecordsBefore(target));
            } catch (OffsetOutOfRangeException e) {
                throw new IOException(e);
            }
        }
    }

    private void append(ByteBuffer batches) throws IOException {
        AppendResult result = await(log.appendAsFollower(batches));
        if (!result.succeeded()) {
            throw new IOException(log.topicPartition() + ": mirror append failed: " + result.error() + " "
                    + result.errorMessage());
        }
    }

    /** An empty v2 batch spanning {@code first..last}: offsets the source's cleaner emptied. */
    static ByteBuffer gapBatch(long first, long last, int leaderEpoch) {
        ByteBuffer buffer = ByteBuffer.allocate(DefaultRecordBatch.RECORD_BATCH_OVERHEAD);
        DefaultRecordBatch.writeEmptyHeader(buffer, RecordBatch.MAGIC_VALUE_V2, RecordBatch.NO_PRODUCER_ID,
                RecordBatch.NO_PRODUCER_EPOCH, RecordBatch.NO_SEQUENCE, first, last, leaderEpoch,
                TimestampType.CREATE_TIME, RecordBatch.NO_TIMESTAMP, false, false);
        buffer.position(0);
        return buffer;
    }

    private static ByteBuffer concat(List<ByteBuffer> pieces) {
        if (pieces.size() == 1) {
            return pieces.get(0);
        }
        int size = 0;
        for (ByteBuffer piece : pieces) {
            size += piece.remaining();
        }
        ByteBuffer out = ByteBuffer.allocate(size);
        pieces.forEach(out::put);
        return out.flip();
    }

    private static <T> T await(CompletableFuture<T> future) throws IOException {
        try {
            return future.get(APPEND_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IOException(e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IOException("the local log did not answer in " + APPEND_TIMEOUT_MS + " ms", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }
}
