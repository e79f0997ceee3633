package io.dlog.analytics;

import io.dlog.log.AbortedTransaction;
import io.dlog.log.CommittedRead;
import io.dlog.log.FetchSlice;
import io.dlog.log.OffsetOutOfRangeException;
import io.dlog.log.PartitionLog;
import io.dlog.log.TimestampLookup;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Set;
import org.apache.kafka.common.record.internal.ControlRecordType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.utils.BufferSupplier;
import org.apache.kafka.common.utils.CloseableIterator;

/**
 * The records of one partition in a {@link ScanRange}, one at a time, as a Kafka consumer would see them:
 * control batches skipped, read_committed dropping the batches of aborted transactions (from the log's
 * aborted-transaction index, with the consumer's rule), compaction gaps simply absent.
 *
 * <p>Reads slices of whole batches from the log ({@link PartitionLog#read} /
 * {@link PartitionLog#readCommitted}) into one heap buffer it reuses; memory is bounded by that buffer
 * (the read size, or one batch when a batch is larger) plus one decompressed batch. The visible end (high
 * watermark or last stable offset) is fixed when the reader is created, so a scan terminates.
 *
 * <p>Not thread-safe: one thread at a time. The thread must not be interrupted while reading (an
 * interrupt during {@code FileChannel} I/O closes the engine's shared channel).
 */
final class PartitionRecordReader implements AutoCloseable {
    private final PartitionLog log;
    private final ScanRange range;
    private final int readBytes;
    private final long end;
    /** The high watermark or last stable offset at creation: reads stop there, never inside a batch below it. */
    private final long visible;
    private final BufferSupplier decompression = BufferSupplier.create();
    private final PriorityQueue<AbortedTransaction> abortedQueue =
            new PriorityQueue<>(Comparator.comparingLong(AbortedTransaction::firstOffset));
    private final Set<AbortedTransaction> abortedSeen = new HashSet<>();
    private final Set<Long> abortedProducers = new HashSet<>();
    private final ArrayDeque<MutableRecordBatch> batches = new ArrayDeque<>();
    private ByteBuffer buffer;
    private long nextFetchOffset;
    /** Records below are not returned: the range's start or the log start, whichever is later (a batch read may begin below). */
    private long firstOffset;
    private CloseableIterator<Record> records;
    private boolean exhausted;
    private boolean sawTransactional;
    /** Set when the log start moved past the reader while it read (it skipped ahead to the new start). */
    private boolean skippedAhead;
    /** {@link DecodedTails#mix} over the headers of the batches taken so far that begin below the end. */
    private long fingerprint;

    PartitionRecordReader(PartitionLog log, ScanRange range, int readBytes) throws IOException {
        this.log = log;
        this.range = range;
        this.readBytes = readBytes;
        long visible = range.isolation() == Isolation.READ_COMMITTED ? log.lastStableOffset() : log.highWatermark();
        this.visible = visible;
        this.end = Math.min(range.endOffset(), visible);
        this.buffer = ByteBuffer.allocate(Math.min(readBytes, 64 * 1024));
        long start = Math.max(range.startOffset(), log.logStartOffset());
        if (range.minTimestamp() != Long.MIN_VALUE) {
            Optional<TimestampLookup> first = log.lookupTimestamp(range.minTimestamp());
            start = first.isPresent() ? Math.max(start, first.get().baseOffset()) : end;
        }
        this.nextFetchOffset = start;
        this.firstOffset = Math.max(range.startOffset(), log.logStartOffset());
        this.exhausted = start >= end;
    }

    /** The offset below which the scan stops (the range's end capped by what was visible at creation). */
    long endOffset() {
        return end;
    }

    /** Continues the fingerprint of the batches before this reader's start; call before the first {@link #next}. */
    void continueFingerprint(long earlier) {
        fingerprint = earlier;
    }

    /**
     * {@link DecodedTails#mix} over the header (base and last offset, size, CRC) of each batch taken so far that
     * begins below the end, control batches and aborted ones included: once the range is read whole, the same
     * fingerprint means the same batches, so the same records.
     */
    long fingerprint() {
        return fingerprint;
    }

    /** Reads the rest of the range's batches without decoding a record; returns {@link #fingerprint()}. */
    long fingerprintToEnd() throws IOException {
        closeRecords();
        while (nextBatch() != null) {
            // nextBatch() mixes each batch into the fingerprint.
        }
        return fingerprint;
    }

    /** Whether the range was read to its end without skipping ahead of a moved log start. */
    boolean readWholeRange() {
        return exhausted && records == null && !skippedAhead;
    }

    /** Whether a transactional batch (or a transaction marker) was met so far. */
    boolean sawTransactionalBatch() {
        return sawTransactional;
    }

    /** The next record of the range, or null when there is none. */
    Record next() throws IOException {
        while (true) {
            if (records != null) {
                while (records.hasNext()) {
                    Record record = records.next();
                    if (record.offset() >= end) {
                        exhausted = true;
                        closeRecords();
                        return null;
                    }
                    if (record.offset() >= firstOffset && range.acceptsTimestamp(record.timestamp())) {
                        return record;
                    }
                }
                closeRecords();
            }
            MutableRecordBatch batch = nextBatch();
            if (batch == null) {
                return null;
            }
            if (accept(batch)) {
                records = batch.streamingIterator(decompression);
            }
        }
    }

    /** Kafka's consumer rule (CompletedFetch): aborted transactions open as their first offset passes. */
    private boolean accept(MutableRecordBatch batch) {
        sawTransactional |= batch.isTransactional();
        if (range.isolation() == Isolation.READ_COMMITTED && batch.hasProducerId()) {
            while (!abortedQueue.isEmpty() && abortedQueue.peek().firstOffset() <= batch.lastOffset()) {
                abortedProducers.add(abortedQueue.poll().producerId());
            }
            if (isAbortMarker(batch)) {
                abortedProducers.remove(batch.producerId());
            } else if (batch.isTransactional() && abortedProducers.contains(batch.producerId())) {
                return false;
            }
        }
        if (batch.isControlBatch()) {
            return false;
        }
        return batch.maxTimestamp() >= range.minTimestamp() || batch.maxTimestamp() < 0;
    }

    private static boolean isAbortMarker(MutableRecordBatch batch) {
        if (!batch.isControlBatch()) {
            return false;
        }
        Iterator<Record> it = batch.iterator();
        return it.hasNext() && ControlRecordType.parse(it.next().key()) == ControlRecordType.ABORT;
    }

    private MutableRecordBatch nextBatch() throws IOException {
        while (batches.isEmpty()) {
            if (exhausted || !readSlice()) {
                exhausted = true;
                return null;
            }
        }
        MutableRecordBatch batch = batches.poll();
        if (batch.baseOffset() < end) {
            fingerprint = DecodedTails.mix(fingerprint, batch.baseOffset(), batch.lastOffset(), batch.sizeInBytes(), batch.checksum());
        }
        return batch;
    }

    /** Reads the next slice of whole batches; false at the end of the range. */
    private boolean readSlice() throws IOException {
        if (nextFetchOffset >= end) {
            return false;
        }
        FetchSlice slice;
        try {
            if (range.isolation() == Isolation.READ_COMMITTED) {
                CommittedRead read = log.readCommitted(nextFetchOffset, readBytes, true);
                slice = read.slice();
                for (AbortedTransaction aborted : read.aborted()) {
                    if (abortedSeen.add(aborted)) {
                        abortedQueue.add(aborted);
                    }
                }
            } else {
                // Bounded by the visible end, not the range's: the log returns only batches wholly below its
                // bound, and a range may end inside a batch (next() drops the records past the range).
                slice = log.read(nextFetchOffset, readBytes, visible, true);
            }
        } catch (OffsetOutOfRangeException e) {
            // Retention or DeleteRecords moved the log start past us: carry on from the new start, as a
            // consumer with auto.offset.reset=earliest would; past the log end there is nothing more.
            long logStart = log.logStartOffset();
            if (nextFetchOffset < logStart) {
                nextFetchOffset = logStart;
                firstOffset = Math.max(firstOffset, logStart);
                skippedAhead = true;
                return true;
            }
            skippedAhead = true; // the log ends before the range did (truncated while read): not the whole range
            return false;
        }
        if (slice.length() == 0) {
            return false;
        }
        if (buffer.capacity() < slice.length()) {
            buffer = ByteBuffer.allocate(Math.max(slice.length(), Math.min(readBytes, buffer.capacity() * 2)));
        }
        buffer.clear().limit(slice.length());
        long position = slice.position();
        while (buffer.hasRemaining()) {
            int n = slice.channel().read(buffer, position);
            if (n < 0) {
                throw new IOException("segment of " + log.topicPartition() + " ended inside a batch at " + position);
            }
            position += n;
        }
        buffer.flip();
        List<MutableRecordBatch> read = new ArrayList<>();
        for (MutableRecordBatch batch : MemoryRecords.readableRecords(buffer).batches()) {
            read.add(batch);
        }
        if (read.isEmpty()) {
            return false;
        }
        nextFetchOffset = read.get(read.size() - 1).nextOffset();
        batches.addAll(read);
        return true;
    }

    private void closeRecords() {
        if (records != null) {
            records.close();
            records = null;
        }
    }

    @Override
    public void close() {
        closeRecords();
        batches.clear();
    }
}
